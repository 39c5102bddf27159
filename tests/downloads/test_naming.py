"""Folder and file names from hostile titles: safe on every OS, bounded, stable, distinct."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slate.downloads import assign_unique, episode_folder, safe_file_name, safe_name
from slate.downloads._naming import MAX_BYTES, MAX_CHARS

RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
FORBIDDEN = set('<>:"/\\|?*\x00')


def assert_safe(name: str) -> None:
    assert name and name not in {".", ".."}
    assert not FORBIDDEN & set(name), name
    assert not any(unicodedata.category(ch)[0] in "CZ" for ch in name), repr(name)  # control, format, spaces
    assert not name.startswith((".", "-")) and not name.endswith((".", " "))
    assert ".." not in name
    assert name.split(".", maxsplit=1)[0].upper() not in RESERVED
    assert len(name) <= MAX_CHARS and len(name.encode()) <= MAX_BYTES
    assert unicodedata.normalize("NFC", name) == name


def test_ordinary_titles_read_as_they_are() -> None:
    folder = episode_folder(
        movie_id="81001001", title="x", show_name="The Long Harbour", season=1, episode_title="Low Tide"
    )
    assert folder == "The_Long_Harbour_S01_Low_Tide"
    assert episode_folder(
        movie_id="1", title="Mr. Robot", show_name="Mr. Robot", season=2, episode_number=3
    ) == ("Mr._Robot_S02_E03")
    assert episode_folder(movie_id="2", title="Amélie") == "Amélie"
    assert safe_file_name("81001001_en_template.ttml") == "81001001_en_template.ttml"


def test_hostile_titles() -> None:
    cases = {
        "../../etc/passwd": "etc_passwd_",
        "a/b\\c": "a_b_c_",
        "..": "untitled_",
        "CON": "CON_",
        "nul.txt": "_nul.txt_",
        "Tab\tNew\nLine\x07Bell\u202eRTL": "Tab_New_Line_Bell_RTL_",
        "COM1": "COM1_",
    }
    for title, prefix in cases.items():
        name = safe_name(title, identity="81")
        assert name.startswith(prefix), (title, name)
        assert_safe(name)
    long = episode_folder(movie_id="9", title="x", show_name="S" * 300, season=1, episode_title="E" * 300)
    assert_safe(long)
    # Decomposed and composed forms of one title are one name (NFC), and stable across calls.
    assert safe_name("Ame\u0301lie") == safe_name("Amélie") == "Amélie"
    assert (
        safe_name("CON", identity="81") == safe_name("CON", identity="81") != safe_name("CON", identity="82")
    )
    assert safe_file_name("../../CON.mp4", identity="DA-1").endswith(".mp4")
    assert_safe(safe_file_name("../../CON.mp4", identity="DA-1"))
    # A long but otherwise faithful name keeps its extension within the bound.
    long_file = safe_file_name("a" * 118 + ".abcdefghij", identity="DA-2")
    assert_safe(long_file)
    assert long_file.endswith(".abcdefghij")


def test_names_equal_up_to_case_are_told_apart() -> None:
    assert assign_unique({"81001": "Salt", "81002": "SALT", "81003": "Other"}) == {
        "81001": "Salt_81001",
        "81002": "SALT_81002",
        "81003": "Other",
    }


pieces = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.text("aZé9", min_size=100, max_size=130),  # long names that are otherwise faithful
    st.sampled_from(
        ["/", "\\", "..", ".", "\x00", "\n", "CON", "nul", "COM1", " ", "\u0301", "e\u0301", "_", "-"]
    ),
)
titles = st.lists(pieces, max_size=40).map("".join).map(lambda t: t[:320])
episodes = st.dictionaries(
    keys=st.from_regex(r"[0-9]{1,9}", fullmatch=True),
    values=st.tuples(titles, st.one_of(st.none(), st.integers(0, 99)), st.one_of(st.none(), titles)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(episodes)
def test_folder_names_are_safe_and_distinct(eps: dict[str, tuple[str, int | None, str | None]]) -> None:
    names = {
        movie_id: episode_folder(
            movie_id=movie_id, title=show, show_name=show, season=season, episode_title=ep
        )
        for movie_id, (show, season, ep) in eps.items()
    }
    unique = assign_unique(names)
    for name in unique.values():
        assert_safe(name)
    assert len({n.casefold() for n in unique.values()}) == len(unique)
    # Stable: the same episode gets the same name when asked again.
    again = {
        m: episode_folder(movie_id=m, title=s, show_name=s, season=se, episode_title=e)
        for m, (s, se, e) in eps.items()
    }
    assert again == names


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.lists(titles, min_size=1, max_size=6))
def test_file_names_are_safe_and_usable(raw_names: list[str]) -> None:
    names = assign_unique({f"DA-{i}": safe_file_name(n, identity=f"DA-{i}") for i, n in enumerate(raw_names)})
    for name in names.values():
        assert_safe(name)
    assert len({n.casefold() for n in names.values()}) == len(names)


def test_safe_names_can_be_created_on_disk(tmp_path: Path) -> None:
    for title in ["../x", "CON", "a" * 300, "é" * 150, "tab\tname", "🎬 Film: Part 1/2?"]:
        folder = tmp_path / episode_folder(movie_id="1", title=title)
        folder.mkdir()
        assert folder.parent == tmp_path and folder.is_dir()
