"""Rule profiles: the thresholds QC checks against, shipped as TOML files and adjustable by users.

``load_profile("netflix")`` gives the shipped Netflix rules; ``profile.for_asset("sdh")`` gives the
rules for one asset type. See :mod:`validators.profiles._loader` for where profiles are looked up.
"""

from __future__ import annotations

from validators.profiles._loader import (
    SHIPPED_DIR,
    ProfileError,
    available_profiles,
    load_profile,
    parse_override,
)
from validators.profiles._model import (
    ASSET_TYPE_ALIASES,
    LanguageRules,
    Profile,
    TextRule,
    TextRules,
    TimedTextRules,
)

__all__ = [
    "ASSET_TYPE_ALIASES",
    "SHIPPED_DIR",
    "LanguageRules",
    "Profile",
    "ProfileError",
    "TextRule",
    "TextRules",
    "TimedTextRules",
    "available_profiles",
    "load_profile",
    "parse_override",
]
