"""Find, read and adjust rule profiles without touching code.

Profiles are TOML files named ``<name>.toml``. They are looked up first in the directories the
caller gives (the command line passes ``settings.home / "profiles"``), then among the profiles
shipped with Slate, so a user can add a profile or replace a shipped one. A profile may say
``extends = "netflix"`` and hold only what differs; one value can also be changed for one run with
a dotted override such as ``timed_text.max_duration_ms=6000``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from validators.profiles._model import Profile, deep_merge

__all__ = ["SHIPPED_DIR", "ProfileError", "available_profiles", "load_profile", "parse_override"]

SHIPPED_DIR = Path(__file__).parent
_MAX_EXTENDS = 8


class ProfileError(ValueError):
    """A profile cannot be found, read or validated; the message names the file and the key."""


def available_profiles(search_dirs: Iterable[Path] = ()) -> list[str]:
    """The names of every profile found, user directories first."""
    names: set[str] = set()
    for directory in [*search_dirs, SHIPPED_DIR]:
        if directory.is_dir():
            names.update(p.stem for p in directory.glob("*.toml"))
    return sorted(names)


def load_profile(name: str, *, search_dirs: Iterable[Path] = (), overrides: Iterable[str] = ()) -> Profile:
    """Read profile ``name``, resolve ``extends``, apply ``key=value`` overrides and validate it."""
    dirs = [Path(d) for d in search_dirs] + [SHIPPED_DIR]
    data = _resolve(name, dirs, 0, depth=0)
    for item in overrides:
        path, value = parse_override(item)
        data = deep_merge(data, _nest(path, value))
    data["name"] = name
    try:
        profile = Profile.model_validate(data)
        for kind in profile.per_asset_type:
            profile.for_asset(kind)
    except ValidationError as exc:
        raise ProfileError(f"profile {name!r} is invalid: {_describe(exc)}") from exc
    return profile


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=value``; the value is read as a TOML value (number, bool, list) or else a string."""
    key, sep, raw = item.partition("=")
    path = [part.strip() for part in key.split(".")]
    if not sep or not all(path):
        raise ProfileError(f"override {item!r} is not of the form section.key=value")
    try:
        value: Any = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path, value


def _resolve(name: str, dirs: Sequence[Path], start: int, *, depth: int) -> dict[str, Any]:
    if depth > _MAX_EXTENDS:
        raise ProfileError(f"profile {name!r}: 'extends' goes deeper than {_MAX_EXTENDS} levels")
    index, path = _find(name, dirs, start)
    data = _read(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise ProfileError(f"{path}: 'extends' must be a profile name")
    # A user file may extend the shipped profile of the same name: look only further down then.
    base_start = index + 1 if base_name == name else 0
    return deep_merge(_resolve(base_name, dirs, base_start, depth=depth + 1), data)


def _find(name: str, dirs: Sequence[Path], start: int) -> tuple[int, Path]:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ProfileError(f"{name!r} is not a profile name")
    for index in range(start, len(dirs)):
        candidate = dirs[index] / f"{name}.toml"
        if candidate.is_file():
            return index, candidate
    looked = ", ".join(str(d) for d in dirs[start:])
    raise ProfileError(f"no profile named {name!r} (looked in {looked})")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc


def _nest(path: list[str], value: Any) -> dict[str, Any]:
    nested: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        nested = {key: nested}
    return nested


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
