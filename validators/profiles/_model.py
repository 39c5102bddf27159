"""The rule profile: every threshold QC checks against, as data rather than constants.

A profile is read from a TOML file (see ``netflix.toml``). Thresholds depend on the asset type
(a template reads slower than a subtitle, SDH may read faster) and on the audience (children's
programmes read slower), so a profile holds base rules plus ``per_asset_type`` overrides that are
merged in by :meth:`Profile.for_asset` before a validator sees them.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from validators.audio.rules import AudioRules

__all__ = [
    "ASSET_TYPE_ALIASES",
    "DashRule",
    "LanguageRules",
    "LengthRule",
    "NumberRule",
    "Profile",
    "TextRule",
    "TextRules",
    "TimedTextRules",
    "deep_merge",
    "read_glyph_list",
]

#: Names people use for the same asset type; the profile keys use the right-hand side.
ASSET_TYPE_ALIASES: dict[str, str] = {"cc": "sdh", "fn": "forced", "subtitles": "subtitle"}

_NETFLIX_RATES = "24000/1001 24 25 30000/1001 30 50 60000/1001 60"


class LanguageRules(BaseModel):
    """Reading speed and line length for one language (shared/domain.md §1.3)."""

    model_config = ConfigDict(extra="forbid")

    #: Characters per second, spaces and punctuation included.
    max_cps: int = 17
    max_cps_children: int = 13
    max_line_length: int = 42
    #: Overrides the profile's minimum duration for this language (Japanese: 500 ms).
    min_duration_ms: int | None = None
    #: Half-width characters and punctuation count 0.5 (CJK languages).
    half_width_counts_half: bool = False
    #: Whether the 2-frame gap and bridge-gap rules apply (they do not for Japanese).
    gap_checks: bool = True


class TextRule(BaseModel):
    """One text rule of a style guide: on or off, the languages it covers, how much it matters."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: Language tags (``pt-BR`` matches ``pt``) the rule covers; empty means every language.
    languages: list[str] = Field(default_factory=list)
    #: Languages it never covers (Japanese has its own guide for most of them).
    except_languages: list[str] = Field(default_factory=list)
    severity: Literal["info", "warning", "issue", "blocker"] = "issue"
    #: Where the rule comes from, shown with each finding.
    source: str = ""

    def applies(self, code: str) -> bool:
        """Whether the rule covers language ``code``."""
        tag = code.lower().replace("_", "-")
        keys = {tag, tag.split("-")[0]}
        if not self.enabled or keys & set(self.except_languages):
            return False
        return not self.languages or bool(keys & set(self.languages))


DashStyle = Literal["both-no-space", "both-space", "second-no-space", "second-space"]
_DEFAULT_DASH: DashStyle = "both-no-space"


class DashRule(TextRule):
    """Two speakers in one event: which lines carry the dash, and whether a space follows it."""

    #: Language → ``both-no-space`` (``-Hi.``/``-Hello.``), ``both-space``, ``second-no-space`` or
    #: ``second-space`` (only the second speaker's line has the dash); ``default`` for the rest.
    styles: dict[str, DashStyle] = Field(default_factory=lambda: {"default": _DEFAULT_DASH})

    def style(self, code: str) -> str:
        tag = code.lower().replace("_", "-")
        for key in (tag, tag.split("-")[0], "default"):
            if key in self.styles:
                return self.styles[key]
        return "both-no-space"


class NumberRule(TextRule):
    """Numbers written out: the words for one to ten, per language (the rule covers those languages)."""

    words: dict[str, list[str]] = Field(default_factory=dict)

    def words_for(self, code: str) -> list[str] | None:
        tag = code.lower().replace("_", "-")
        return self.words.get(tag) or self.words.get(tag.split("-")[0])


class LengthRule(TextRule):
    """A line-length limit for a layout the language-wide limit does not cover (vertical text)."""

    max_characters: int = 11


class TextRules(BaseModel):
    """The style guide's text rules, each with its language scope (``netflix.toml`` says which)."""

    model_config = ConfigDict(extra="forbid")

    whitespace: TextRule = Field(default_factory=TextRule)
    dual_speaker_dash: DashRule = Field(default_factory=DashRule)
    italics_forbidden: TextRule = Field(default_factory=lambda: TextRule(enabled=False))
    italic_tags: TextRule = Field(default_factory=TextRule)
    ellipsis: TextRule = Field(default_factory=TextRule)
    numbers_one_to_ten: NumberRule = Field(default_factory=NumberRule)
    number_starts_sentence: NumberRule = Field(default_factory=NumberRule)
    sdh_brackets: TextRule = Field(default_factory=lambda: TextRule(enabled=False))
    fits_one_line: TextRule = Field(default_factory=TextRule)
    vertical_line_length: LengthRule = Field(default_factory=lambda: LengthRule(languages=["ja"]))


class TimedTextRules(BaseModel):
    """Timing, layout and format rules for timed text."""

    model_config = ConfigDict(extra="forbid")

    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    #: The minimum gap between events, in frames of the programme's rate.
    min_gap_frames: int = 2
    #: Gaps above ``min_gap_frames`` and below this window (rounded to frames) must be closed.
    bridge_gap_window_ms: int = 500
    max_lines: int = 2
    #: ``ttp:frameRate`` × ``ttp:frameRateMultiplier`` must be one of these.
    allowed_frame_rates: list[Fraction] = Field(
        default_factory=lambda: [Fraction(r) for r in _NETFLIX_RATES.split()]
    )
    frame_rate_tolerance: Fraction = Fraction(1, 100)
    #: Whether a TTML file must say ``ttp:timeBase`` (a missing one means ``media``).
    require_timebase: bool = True
    #: Offsets of at least this much between the timeline and the programme's are reported.
    start_offset_min_ms: int = 60_000
    #: Allowed characters as inclusive code point ranges; empty means no glyph check.
    glyph_ranges: list[tuple[int, int]] = Field(default_factory=list)
    #: A glyph list shipped beside the profiles (one code point or range a line); its ranges are
    #: added to ``glyph_ranges``.
    glyph_list: str | None = None
    text_rules: TextRules = Field(default_factory=TextRules)
    #: The audience is children: reading speed uses ``max_cps_children``.
    children: bool = False
    #: Offsets against a reference that change by more than this along the file are drift.
    drift_tolerance_frames: int = 2
    languages: dict[str, LanguageRules] = Field(default_factory=lambda: {"default": LanguageRules()})

    @model_validator(mode="after")
    def _load_glyph_list(self) -> TimedTextRules:
        if self.glyph_list:
            given = {(low, high) for low, high in self.glyph_ranges}
            self.glyph_ranges = sorted(given | set(read_glyph_list(self.glyph_list)))
            self.glyph_list = None  # read once: a copy of these rules must not add it again
        return self

    def language(self, code: str) -> LanguageRules:
        """The rules for a language tag (``pt-BR`` falls back to ``pt``, then to ``default``)."""
        tag = code.lower().replace("_", "-")
        for key in (tag, tag.split("-")[0], "default"):
            if key in self.languages:
                return self.languages[key]
        return LanguageRules()

    def max_cps(self, code: str) -> int:
        """The reading-speed limit for a language and this profile's audience."""
        rules = self.language(code)
        return rules.max_cps_children if self.children else rules.max_cps

    def min_duration_for(self, code: str) -> int:
        """The minimum event duration in ms for a language."""
        override = self.language(code).min_duration_ms
        return self.min_duration_ms if override is None else override


class Profile(BaseModel):
    """A named set of rules, with overrides per asset type merged in by :meth:`for_asset`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    #: The profile this one starts from (a user profile usually extends ``netflix``).
    extends: str | None = None
    timed_text: TimedTextRules = Field(default_factory=TimedTextRules)
    audio: AudioRules = Field(default_factory=AudioRules)
    #: Asset type (``subtitle``, ``sdh``, ``forced``, ``template``, ``children`` …) → partial profile.
    per_asset_type: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def for_asset(self, asset_type: str, *, children: bool = False) -> Profile:
        """The rules that apply to one asset type (and a children's programme when asked)."""
        kind = ASSET_TYPE_ALIASES.get(asset_type, asset_type)
        data = self.model_dump(exclude={"per_asset_type"})
        for key in (kind, "children") if children else (kind,):
            data = deep_merge(data, self.per_asset_type.get(key, {}))
        if children:
            data = deep_merge(data, {"timed_text": {"children": True}})
        return Profile.model_validate({**data, "per_asset_type": {}})


@lru_cache(maxsize=8)
def read_glyph_list(name: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges from a glyph list beside the profiles: ``U+0041`` or ``U+0041..U+005A``
    a line, ``#`` starting a comment. ``ValueError`` (a profile error) when it cannot be read."""
    path = Path(__file__).parent / name
    if "/" in name or "\\" in name or not path.is_file():
        raise ValueError(f"glyph list {name!r} is not a file beside the shipped profiles")
    ranges = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        low, _, high = line.partition("..")
        try:
            first, last = int(low.strip()[2:], 16), int((high or low).strip()[2:], 16)
        except ValueError as exc:
            message = f"{name}: line {number}: {raw.strip()!r} is not U+XXXX or U+XXXX..U+YYYY"
            raise ValueError(message) from exc
        ranges.append((first, last))
    return tuple(ranges)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it; nested tables merge, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged
