"""What ``slate qc`` and ``slate fix`` share: bad usage, the rule profile, the QC context."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import typer

from slate.settings import get_settings

if TYPE_CHECKING:  # the validators (numpy, media readers) are imported when a command runs
    from validators import QCContext
    from validators.profiles import Profile

__all__ = ["context", "fail", "profile"]


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def profile(name: str, overrides: list[str]) -> Profile:
    from validators.profiles import ProfileError, load_profile

    try:
        return load_profile(name, search_dirs=[get_settings().home / "profiles"], overrides=overrides)
    except ProfileError as exc:
        raise fail(str(exc)) from exc


def context(
    asset_type: str, language: str, fps: Fraction | None, profile: Profile, **extra: Any
) -> QCContext:
    from validators import QCContext

    options = {"profile": profile, **{k: v for k, v in extra.pop("options", {}).items() if v}}
    return QCContext(
        asset_type=asset_type,
        language=language,
        profile_name=profile.name,
        fps=fps,
        options=options,
        **extra,
    )
