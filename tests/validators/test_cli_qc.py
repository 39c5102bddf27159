"""``slate qc`` and ``slate fix`` end to end through the command line: output, JSON and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.settings import reset_settings
from validators import REGISTRY, Finding, QCContext, Report, Severity

from .tt_files import clean_events, ms, srt, write

runner = CliRunner()


@pytest.fixture(autouse=True)
def slate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("SLATE_HOME", str(home))
    reset_settings()
    yield home
    reset_settings()


def defective(tmp_path: Path) -> Path:
    events = clean_events()
    events[2] = (ms(130), ms(190), "Overlaps the one before.")
    events[4] = (ms(310), ms(320), "Short.")
    return write(tmp_path, "bad.srt", srt(events))


def test_clean_file_exits_0_with_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events()))
    result = runner.invoke(app, ["qc", str(path), "--type", "subtitle", "--fps", "23.976"])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output and "events=6" in result.output


def test_blocker_exits_1_and_json_lists_findings(tmp_path: Path) -> None:
    path = defective(tmp_path)
    result = runner.invoke(app, ["qc", str(path), "--type", "sdh", "--fps", "24000/1001", "--json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.output)
    assert payload["file"] == str(path)
    found = {
        (f["code"], f["severity"], f["location"]["event_index"], f["location"]["timecode"])
        for f in payload["findings"]
    }
    assert ("TT_OVERLAP", "BLOCKER", 3, "00:00:05:10") in found
    assert ("TT_MIN_DURATION", "ISSUE", 5, "00:00:12:22") in found
    assert payload["measurements"]["events"] == 6
    assert set(payload["findings"][0]) >= {"code", "severity", "message", "location"}


def test_table_shows_codes_and_timecodes(tmp_path: Path) -> None:
    result = runner.invoke(app, ["qc", str(defective(tmp_path)), "--type", "subtitle", "--fps", "23.976"])
    assert result.exit_code == 1
    assert "TT_OVERLAP" in result.output and "00:00:05:10" in result.output


def test_set_overrides_one_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events()))
    args = ["qc", str(path), "--type", "subtitle", "--fps", "23.976", "--json"]
    result = runner.invoke(app, [*args, "--set", "timed_text.max_duration_ms=1500"])
    assert result.exit_code == 0  # ISSUE only
    assert {f["code"] for f in json.loads(result.output)["findings"]} == {"TT_MAX_DURATION"}


def test_user_profile_from_the_slate_home(tmp_path: Path, slate_home: Path) -> None:
    (slate_home / "profiles").mkdir(parents=True)
    (slate_home / "profiles" / "strict.toml").write_text('extends = "netflix"\n[timed_text]\nmax_lines = 0\n')
    path = write(tmp_path, "ok.srt", srt(clean_events(1)))
    args = ["qc", str(path), "--type", "subtitle", "--fps", "23.976", "--profile", "strict", "--json"]
    result = runner.invoke(app, args)
    payload = json.loads(result.output)
    assert payload["profile"] == "strict"
    assert [f["code"] for f in payload["findings"]] == ["TT_LINE_COUNT"]


@pytest.mark.parametrize(
    "args",
    [
        ["--type", "hologram"],
        ["--type", "delivery"],  # checks domain records, not files
        ["--type", "subtitle", "--fps", "fast"],
        ["--type", "subtitle", "--profile", "nope"],
        ["--type", "subtitle", "--set", "timed_text.nope=1"],
        ["--type", "subtitle", "--program-duration", "00:10:00:00"],  # frames without --fps
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str]) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events(1)))
    result = runner.invoke(app, ["qc", str(path), *args])
    assert result.exit_code == 2, result.output


def test_ttml_event_ending_before_it_begins_is_a_blocker(tmp_path: Path) -> None:
    body = '<p begin="1s" end="3s">Hello there.</p>\n<p begin="6s" end="4s">Backwards.</p>'
    path = write(
        tmp_path,
        "inv.xml",
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        f' ttp:timeBase="media" xml:lang="en">\n<body><div>\n{body}\n</div></body></tt>\n',
    )
    result = runner.invoke(app, ["qc", str(path), "--type", "subtitle", "--fps", "25", "--json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.output)
    assert payload["file"] == str(path)
    [finding] = payload["findings"]
    assert (finding["code"], finding["severity"]) == ("TT_MIN_DURATION", "BLOCKER")
    assert finding["location"]["line"] == 4 and finding["location"]["event_index"] == 2
    assert finding["rule"] == "an event must have a positive duration"


@pytest.mark.parametrize(
    ("option", "value", "allowed", "good"),
    [
        ("--layout", "5.2", "one of 2.0, 5.1, 7.1", "stereo"),
        ("--timebase", "bogus", "one of media, smpte, clock", "media"),
    ],
)
def test_unknown_layout_or_timebase_is_bad_usage(
    tmp_path: Path, option: str, value: str, allowed: str, good: str
) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events(1)))
    result = runner.invoke(app, ["qc", str(path), "--type", "printmaster", option, value])
    assert result.exit_code == 2, result.output
    assert f"{option} {value!r}" in result.output and allowed in result.output
    # The names a request uses for a layout, and TTML's time bases, are accepted.
    fine = runner.invoke(app, ["qc", str(path), "--type", "subtitle", "--fps", "23.976", option, good])
    assert fine.exit_code == 0, fine.output


@pytest.mark.parametrize("command", ["qc", "fix"])
@pytest.mark.parametrize("start", ["1:00:00:00", "01:00:00", "garbage", "01:00:00;00"])
def test_malformed_start_timecode_is_bad_usage(tmp_path: Path, command: str, start: str) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events(1)))
    where = ["--type", "subtitle"] if command == "qc" else ["--out", str(tmp_path / "out")]
    result = runner.invoke(app, [command, str(path), *where, "--fps", "25", "--start-timecode", start])
    assert result.exit_code == 2, result.output
    assert f"--start-timecode {start!r}" in result.output
    assert "HH:MM:SS:FF" in result.output or "drop-frame" in result.output
    assert not (tmp_path / "out").exists()


def test_fix_leaves_an_event_ending_before_it_begins_to_a_person(tmp_path: Path) -> None:
    """No rule tells the real out-time: the fix does not invent one, and the recheck still names it."""
    path = write(tmp_path, "inv.srt", srt([(ms(24), ms(72), "Fine."), (ms(240), ms(192), "Backwards.")]))
    result = runner.invoke(app, ["fix", str(path), "--out", str(tmp_path / "out"), "--fps", "23.976"])
    assert result.exit_code == 1, result.output
    assert "still: TT_MIN_DURATION event 2" in result.output
    assert "clean for" not in result.output


def test_unreadable_files_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["qc", str(tmp_path / "missing.srt"), "--type", "subtitle"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    broken = write(tmp_path, "broken.xml", "<tt xmlns='http://www.w3.org/ns/ttml'><body>")
    result = runner.invoke(app, ["qc", str(broken), "--type", "subtitle", "--json"])
    assert result.exit_code == 2
    assert [f["code"] for f in json.loads(result.output)["findings"]] == ["TT_PARSE_ERROR"]


def test_several_files_give_a_json_list(tmp_path: Path) -> None:
    ok = write(tmp_path, "ok.srt", srt(clean_events()))
    result = runner.invoke(
        app, ["qc", str(ok), str(defective(tmp_path)), "--type", "subtitle", "--fps", "23.976", "--json"]
    )
    assert result.exit_code == 1
    assert [len(r["findings"]) > 0 for r in json.loads(result.output)] == [False, True]


def test_fix_writes_new_files_that_validate_clean(tmp_path: Path) -> None:
    events = [(ms(24) + 9, ms(72), "One."), (ms(78), ms(120), "Two."), (ms(150), ms(160), "Short.")]
    source = write(tmp_path, "f.srt", srt(events))
    original = source.read_text()
    out = tmp_path / "out"
    result = runner.invoke(app, ["fix", str(source), "--out", str(out), "--fps", "23.976"])
    assert result.exit_code == 0, result.output
    assert "snapped to frames" in result.output and "2-frame gap" in result.output
    assert "minimum duration" in result.output
    assert source.read_text() == original
    check = runner.invoke(app, ["qc", str(out / "f.srt"), "--type", "subtitle", "--fps", "23.976", "--json"])
    assert check.exit_code == 0 and json.loads(check.output)["findings"] == []


def test_fix_shift_and_ttml_output(tmp_path: Path) -> None:
    events = [(3_600_000 + b, 3_600_000 + e, t) for b, e, t in clean_events(3)]
    source = write(tmp_path, "h.srt", srt(events))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["fix", str(source), "--out", str(out), "--fps", "23.976", "--shift", "-3600", "--format", "ttml"],
    )
    assert result.exit_code == 0, result.output
    assert "shifted by -3600.000 s" in result.output
    check = runner.invoke(
        app,
        [
            "qc",
            str(out / "h.xml"),
            "--type",
            "subtitle",
            "--fps",
            "23.976",
            "--program-duration",
            "600",
            "--json",
        ],
    )
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["findings"] == []


def test_fix_shift_reads_drop_frame_timecodes(tmp_path: Path) -> None:
    """``-00:01:00;02`` at 29.97 is 1800 frames (60.060 s), not the 1802 a non-drop reading gives."""
    source = write(tmp_path, "df.srt", srt([(70_000, 72_000, "One.")]))
    args = ["fix", str(source), "--out", str(tmp_path / "out"), "--fps", "29.97", "--shift", "-00:01:00;02"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "shifted by -60.060 s" in result.output


def test_fix_never_writes_in_place(tmp_path: Path) -> None:
    source = write(tmp_path, "p.srt", srt(clean_events(1)))
    result = runner.invoke(app, ["fix", str(source), "--out", str(tmp_path), "--fps", "25"])
    assert result.exit_code == 2
    assert "never writes in place" in result.output


def test_dispatch_through_the_registry_by_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any registered kind is checked the same way; a set of mono files is one subject."""
    seen: list[object] = []

    def count_channels(subject: object, context: QCContext) -> Report:
        seen.append(subject)
        paths = subject if isinstance(subject, list) else [subject]
        report = Report(subject="+".join(Path(p).name for p in paths), profile=context.profile_name)
        if len(paths) != 6:
            report.findings.append(
                Finding(
                    code="AUDIO_CHANNEL_COUNT", severity=Severity.BLOCKER, message=f"{len(paths)} channels"
                )
            )
        if any(Path(p).stat().st_size == 0 for p in paths):
            report.findings.append(
                Finding(code="AUDIO_UNREADABLE", severity=Severity.BLOCKER, message="empty")
            )
        return report

    monkeypatch.setitem(REGISTRY, "probe", [count_channels])
    left, right = write(tmp_path, "x_L.wav", b"RIFF"), write(tmp_path, "x_R.wav", b"RIFF")
    result = runner.invoke(app, ["qc", str(left), str(right), "--type", "probe", "--mono-set", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["file"] == "x_L.wav+x_R.wav"
    assert seen == [[left, right]]
    empty = write(tmp_path, "e.wav", b"")
    assert runner.invoke(app, ["qc", str(empty), "--type", "probe"]).exit_code == 2


def test_language_defaults_to_the_files_own(tmp_path: Path) -> None:
    ttml = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        ' ttp:timeBase="media" xml:lang="zh-Hans"><body><div>'
        f'<p begin="1s" end="3s">{"中" * 17}</p></div></body></tt>'
    )
    path = write(tmp_path, "zh.xml", ttml)
    result = runner.invoke(app, ["qc", str(path), "--type", "subtitle", "--json"])
    payload = json.loads(result.output)
    assert payload["measurements"]["language"] == "zh-Hans"
    assert [f["code"] for f in payload["findings"]] == ["TT_FRAME_RATE_UNKNOWN", "TT_LINE_LENGTH"]
    assert payload["findings"][0]["severity"] == "INFO"
    english = runner.invoke(app, ["qc", str(path), "--type", "subtitle", "--language", "en", "--json"])
    assert [f["code"] for f in json.loads(english.output)["findings"]] == ["TT_FRAME_RATE_UNKNOWN"]


def test_fix_shift_auto_uses_the_offset_qc_finds(tmp_path: Path) -> None:
    events = [(3_600_000 + b, 3_600_000 + e, t) for b, e, t in clean_events(3)]
    source = write(tmp_path, "auto.srt", srt(events))
    out = tmp_path / "out"
    args = ["--fps", "23.976", "--program-duration", "600"]
    result = runner.invoke(app, ["fix", str(source), "--out", str(out), "--shift", "auto", *args])
    assert result.exit_code == 0, result.output
    assert "shifted by -3600.000 s" in result.output and "clean for TT_START_OFFSET" in result.output
    check = runner.invoke(app, ["qc", str(out / "auto.srt"), "--type", "subtitle", *args, "--json"])
    assert check.exit_code == 0 and json.loads(check.output)["findings"] == []
    # Nothing to shift: the file is left in place on its timeline.
    fine = write(tmp_path, "fine.srt", srt(clean_events(3)))
    again = runner.invoke(app, ["fix", str(fine), "--out", str(out), "--shift", "auto", *args])
    assert again.exit_code == 0 and "(0 change(s))" in again.output


def test_fix_retimes_between_frame_rates(tmp_path: Path) -> None:
    at_24 = [(b * 1000 // 1001, e * 1000 // 1001, t) for b, e, t in clean_events(40)]
    reference = write(tmp_path, "ref.srt", srt(clean_events(40)))
    source = write(tmp_path, "r.srt", srt(at_24))
    out = tmp_path / "out"
    result = runner.invoke(app, ["fix", str(source), "--out", str(out), "--fps", "24", "--to-fps", "23.976"])
    assert result.exit_code == 0, result.output
    assert "retimed from 24 to 24000/1001 fps" in result.output
    check = runner.invoke(
        app,
        [
            "qc",
            str(out / "r.srt"),
            "--type",
            "subtitle",
            "--fps",
            "23.976",
            "--reference",
            str(reference),
            "--json",
        ],
    )
    assert "TT_DRIFT" not in {f["code"] for f in json.loads(check.output)["findings"]}


def test_fix_claims_drift_clean_only_against_a_reference(tmp_path: Path) -> None:
    at_24 = [(b * 1000 // 1001, e * 1000 // 1001, t) for b, e, t in clean_events(40)]
    reference = write(tmp_path, "ref.srt", srt(clean_events(40)))
    source = write(tmp_path, "r.srt", srt(at_24))
    args = ["fix", str(source), "--out", str(tmp_path / "out"), "--fps", "24"]
    unbacked = runner.invoke(app, [*args, "--to-fps", "23.976"])
    assert unbacked.exit_code == 0, unbacked.output
    assert "not checked: TT_DRIFT: no reference timing (--reference)" in unbacked.output
    assert not any("clean for" in line and "TT_DRIFT" in line for line in unbacked.output.splitlines())
    backed = runner.invoke(app, [*args, "--to-fps", "23.976", "--reference", str(reference)])
    assert backed.exit_code == 0, backed.output
    assert "clean for TT_DRIFT" in backed.output and "not checked" not in backed.output
    # The check is real: retimed to the wrong rate, the drift against the reference stays.
    wrong = runner.invoke(app, [*args, "--to-fps", "25", "--reference", str(reference)])
    assert wrong.exit_code == 1 and "still: TT_DRIFT" in wrong.output, wrong.output
    missing = runner.invoke(app, [*args, "--to-fps", "23.976", "--reference", str(tmp_path / "none.srt")])
    assert missing.exit_code == 2 and "--reference" in missing.output
    # Without a frame rate the frame-based rules cannot run either, so they are not claimed.
    no_rate = runner.invoke(app, ["fix", str(source), "--out", str(tmp_path / "plain")])
    [claimed] = [line for line in no_rate.output.splitlines() if "clean for" in line]
    assert "TT_MIN_DURATION" in claimed and "TT_GAP" not in claimed, no_rate.output
    assert "not checked: TT_NOT_FRAME_ALIGNED: no frame rate (--fps)" in no_rate.output


def test_shot_changes_and_forced_narrative_options(tmp_path: Path) -> None:
    events = [(ms(24), ms(72), "One."), (ms(100), ms(150), "Two.")]
    path = write(tmp_path, "s.srt", srt(events))
    # Cuts as a timecode, a frame number and seconds; 00:00:04:08 is frame 104 at 23.976.
    cuts = write(tmp_path, "cuts.txt", "# shot changes\n00:00:04:08\n24\n10.343\n")
    args = ["--type", "subtitle", "--fps", "23.976", "--json"]
    result = runner.invoke(app, ["qc", str(path), *args, "--shot-changes", str(cuts)])
    found = [(f["code"], f["location"]["event_index"]) for f in json.loads(result.output)["findings"]]
    assert found == [("TT_SHOT_CHANGE", 2)]
    full = write(tmp_path, "full.srt", srt([(ms(24), ms(72), "One.")]))
    forced = runner.invoke(app, ["qc", str(path), *args[2:], "--type", "forced", "--full", str(full)])
    assert forced.exit_code == 1
    codes = [(f["code"], f["location"]["event_index"]) for f in json.loads(forced.output)["findings"]]
    assert codes == [("TT_FN_NOT_IN_FULL", 2)]
    bad_cuts = write(tmp_path, "bad.txt", "soon\n")
    assert runner.invoke(app, ["qc", str(path), *args, "--shot-changes", str(bad_cuts)]).exit_code == 2
