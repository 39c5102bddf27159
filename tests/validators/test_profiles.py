"""Rule profiles: the shipped Netflix profile, per-asset overrides, user profiles and dotted overrides."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from validators.profiles import ProfileError, available_profiles, load_profile


def test_netflix_profile_has_the_style_guide_figures() -> None:
    profile = load_profile("netflix")
    rules = profile.timed_text
    assert (rules.min_duration_ms, rules.max_duration_ms, rules.min_gap_frames, rules.max_lines) == (
        833,
        7000,
        2,
        2,
    )
    assert Fraction(24000, 1001) in rules.allowed_frame_rates
    assert (rules.max_cps("en"), rules.language("en").max_line_length) == (20, 42)
    assert (rules.max_cps("zh"), rules.language("zh").max_line_length) == (9, 16)
    assert rules.max_cps("pt-BR") == 17  # falls back to the default row
    assert rules.min_duration_for("ja") == 500
    assert profile.audio.program_loudness_lufs == -24.0


@pytest.mark.parametrize(
    ("asset_type", "children", "language", "cps"),
    [
        ("subtitle", False, "ar", 20),
        ("sdh", False, "ar", 23),
        ("cc", False, "hi", 25),
        ("sdh", True, "ar", 20),
        ("subtitle", True, "en", 17),
        ("template", False, "en", 17),
        ("template", True, "en", 13),
        ("forced", False, "ko", 12),
    ],
)
def test_overrides_per_asset_type_and_audience(
    asset_type: str, children: bool, language: str, cps: int
) -> None:
    rules = load_profile("netflix").for_asset(asset_type, children=children).timed_text
    assert rules.max_cps(language) == cps


def test_dotted_override_changes_one_value() -> None:
    profile = load_profile(
        "netflix", overrides=["timed_text.max_duration_ms=6000", "timed_text.languages.en.max_cps=18"]
    )
    assert profile.timed_text.max_duration_ms == 6000
    assert profile.timed_text.max_cps("en") == 18
    assert profile.timed_text.min_duration_ms == 833


def test_user_profile_extends_netflix_from_a_search_directory(tmp_path: Path) -> None:
    (tmp_path / "studio-x.toml").write_text(
        'extends = "netflix"\n[timed_text]\nmax_lines = 3\n[audio]\nprogram_loudness_lufs = -27.0\n'
    )
    profile = load_profile("studio-x", search_dirs=[tmp_path])
    assert profile.name == "studio-x"
    assert profile.timed_text.max_lines == 3
    assert profile.timed_text.max_duration_ms == 7000
    assert profile.audio.program_loudness_lufs == -27.0
    assert "studio-x" in available_profiles([tmp_path])
    assert "netflix" in available_profiles([tmp_path])


def test_user_file_of_the_same_name_overrides_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "netflix.toml").write_text('extends = "netflix"\n[timed_text]\nmin_gap_frames = 3\n')
    profile = load_profile("netflix", search_dirs=[tmp_path])
    assert profile.timed_text.min_gap_frames == 3
    assert profile.timed_text.max_cps("en") == 20


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("nope", [], "no profile named 'nope'"),
        ("netflix", ["timed_text.max_duration_ms"], "section.key=value"),
        ("netflix", ["timed_text.no_such_rule=1"], "timed_text.no_such_rule"),
        ("netflix", ["timed_text.max_duration_ms=long"], "timed_text.max_duration_ms"),
        ("../etc", [], "not a profile name"),
    ],
)
def test_bad_profiles_and_overrides_are_named(name: str, overrides: list[str], message: str) -> None:
    with pytest.raises(ProfileError, match=message.replace(".", r"\.")):
        load_profile(name, overrides=overrides)


def test_broken_user_profile_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[timed_text\n")
    with pytest.raises(ProfileError, match=r"broken\.toml"):
        load_profile("broken", search_dirs=[tmp_path])


def test_bad_per_asset_override_is_caught_at_load(tmp_path: Path) -> None:
    (tmp_path / "odd.toml").write_text(
        'extends = "netflix"\n[per_asset_type.sdh.timed_text]\nmax_lines = "x"\n'
    )
    with pytest.raises(ProfileError, match="max_lines"):
        load_profile("odd", search_dirs=[tmp_path])
