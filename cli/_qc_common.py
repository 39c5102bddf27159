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
    asset_type: str, language: str, fps: Fraction | None, profile: Profile, **fields: Any
) -> QCContext:
    """The QC context of a command: its flags as the context's typed fields, with the loaded profile."""
    from validators import QCContext

    return QCContext(
        asset_type=asset_type,
        language=language,
        profile_name=profile.name,
        profile=profile,
        fps=fps,
        **fields,
    )
