"""The conformance runner, on a small corpus made here (the suite never reads the public corpora)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.run import corpora_dir, main
from slate.settings import reset_settings

VALID = (
    '<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="00:00:01" end="2s">a</p></div></body></tt>'
)
BAD_BEGIN = '<tt xmlns="http://www.w3.org/ns/ttml"><body begin="00:00"/></tt>'
BAD_RATE = (
    '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
    ' ttp:frameRate="0"><body/></tt>'
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpora"
    for folder, name, text in [
        ("w3c-imsc-tests/imsc1/ttml", "ok.ttml", VALID),
        ("skynav-ttml1/valid", "ok.xml", VALID),
        ("skynav-ttml1/invalid", "bad-begin.xml", BAD_BEGIN),
        ("skynav-ttml1/invalid", "bad-rate.xml", BAD_RATE),
    ]:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
    return root


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


def test_a_behaving_corpus_passes(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpora", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "skynav TTML1 (invalid): 2/2 behave" in out and "4 documents" in out


def test_an_invalid_document_accepted_silently_fails_the_run(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "skynav-ttml1/invalid/not-really-bad.xml").write_text(VALID)
    assert main(["--corpora", str(corpus)]) == 1
    assert "not-really-bad.xml: accepted silently" in capsys.readouterr().out


def test_a_valid_document_with_a_time_finding_fails_the_run(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "skynav-ttml1/valid/wrong.xml").write_text(BAD_BEGIN)
    assert main(["--corpora", str(corpus)]) == 1
    assert "wrong.xml: TT_PARSE_ERROR" in capsys.readouterr().out


def test_missing_corpora_exit_2(tmp_path: Path) -> None:
    assert main(["--corpora", str(tmp_path / "none")]) == 2


def test_location_comes_from_the_setting(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATE_CORPORA_DIR", str(corpus))
    reset_settings()
    assert corpora_dir() == corpus
    assert main([]) == 0
    monkeypatch.delenv("SLATE_CORPORA_DIR")
    reset_settings()
    assert corpora_dir().name == "corpora" and corpora_dir().parent.name == "shared"


TIMED = (
    '<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1s" end="4s">'
    '<span dur="1s">A</span> <span begin="2s">B</span></p></div></body></tt>'
)


def test_displayed_timeline_is_compared_with_the_reference_reader(tmp_path: Path) -> None:
    from dataclasses import replace

    from conformance.timeline import compare, reference_timeline
    from validators.timed_text.readers import read_path

    path = tmp_path / "timed.ttml"
    path.write_text(TIMED)
    reference = reference_timeline(path)
    document = read_path(path).document
    assert reference is not None and document is not None
    # ttconv and Slate both show "A" from 1 s to 2 s, nothing from 2 s to 3 s, "B" from 3 s to 4 s.
    assert compare(reference, document) == []
    late = document.with_events([replace(document.events[0], begin=document.events[0].begin + 1)])
    assert compare(reference, late)[0].startswith("at 1 s: Slate shows []")


def test_a_document_shown_otherwise_than_its_text_says_fails_the_run(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stated = (
        '<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
        '<p begin="5s" end="6s">This text must appear at 5 seconds and disappear at 6 seconds</p>'
        '<p begin="1s" end="2s">This text must appear at 3 seconds</p></div></body></tt>'
    )
    (corpus / "w3c-imsc-tests/imsc1/ttml/stated.ttml").write_text(stated)
    assert main(["--corpora", str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "stated.ttml: not shown as the document's own text says" in out
    assert "'must appear at 3 seconds': shown from 1 s to 2 s" in out
