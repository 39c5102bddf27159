"""Channel layouts: the order Netflix expects, how files declare theirs, and the usual wrong orders.

The expected order is SMPTE's L R C LFE Ls Rs (shared/domain.md §2). A WAV declares its layout by
the channel mask of WAVE_FORMAT_EXTENSIBLE, which ffprobe names (``5.1``, ``5.1(side)``, ``7.1``); a
set of mono files declares it by a channel label in each file name (``…_C.wav``). The wrong orders
are the ones other tools and rooms use; when the signal shows where the dialogue and the LFE sit,
the matching wrong order tells how to put the channels back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

__all__ = [
    "EXPECTED_ORDER",
    "KNOWN_ORDERS",
    "LAYOUT_NAMES",
    "Layout",
    "expected_layout",
    "label_from_filename",
    "loudness_weight",
]


class Layout(BaseModel):
    """A channel layout: its request name (``5.1``), channel labels in order, and accepted masks."""

    model_config = ConfigDict(frozen=True)

    name: str
    labels: tuple[str, ...]
    #: ffprobe ``channel_layout`` names that declare this layout correctly.
    masks: tuple[str, ...]

    @property
    def lfe_index(self) -> int | None:
        """Where the LFE sits, or None for a layout without one."""
        return self.labels.index("LFE") if "LFE" in self.labels else None

    @property
    def center_index(self) -> int | None:
        """Where the centre sits, or None for a layout without one."""
        return self.labels.index("C") if "C" in self.labels else None


EXPECTED_ORDER: dict[str, Layout] = {
    "2.0": Layout(name="2.0", labels=("L", "R"), masks=("stereo",)),
    "5.1": Layout(name="5.1", labels=("L", "R", "C", "LFE", "Ls", "Rs"), masks=("5.1", "5.1(side)")),
    "7.1": Layout(name="7.1", labels=("L", "R", "C", "LFE", "Lss", "Rss", "Lrs", "Rrs"), masks=("7.1",)),
}

#: Request names people use for the same layout.
LAYOUT_NAMES: dict[str, str] = {
    "stereo": "2.0",
    "2": "2.0",
    "2.0": "2.0",
    "5.1": "5.1",
    "6": "5.1",
    "7.1": "7.1",
    "8": "7.1",
}

#: 5.1 orders seen in the wild, as the standard labels in the order a file carries them.
KNOWN_ORDERS: dict[str, tuple[str, ...]] = {
    "L C R Ls Rs LFE (film)": ("L", "C", "R", "Ls", "Rs", "LFE"),
    "L R Ls Rs C LFE (DTS)": ("L", "R", "Ls", "Rs", "C", "LFE"),
    "L C R Ls LFE Rs": ("L", "C", "R", "Ls", "LFE", "Rs"),
    "L C R LFE Ls Rs": ("L", "C", "R", "LFE", "Ls", "Rs"),
    "L R LFE C Ls Rs (C/LFE swapped)": ("L", "R", "LFE", "C", "Ls", "Rs"),
}

_LABEL_ALIASES: dict[str, str] = {
    "l": "L",
    "fl": "L",
    "left": "L",
    "r": "R",
    "fr": "R",
    "right": "R",
    "c": "C",
    "fc": "C",
    "center": "C",
    "centre": "C",
    "lfe": "LFE",
    "sub": "LFE",
    "ls": "Ls",
    "sl": "Ls",
    "lss": "Lss",
    "rs": "Rs",
    "sr": "Rs",
    "rss": "Rss",
    "lrs": "Lrs",
    "bl": "Lrs",
    "rrs": "Rrs",
    "br": "Rrs",
}


def expected_layout(requested: str | None, channel_count: int) -> Layout | None:
    """The layout a file must have: the request's when given, else the one its channel count implies."""
    if requested is not None:
        name = LAYOUT_NAMES.get(requested.strip().lower())
        return EXPECTED_ORDER[name] if name else None
    for layout in EXPECTED_ORDER.values():
        if len(layout.labels) == channel_count:
            return layout
    return None


def label_from_filename(name: str) -> str | None:
    """The channel label a mono file's name carries as its last token (``show_R1_Ls.wav`` → ``Ls``)."""
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    tokens = [t for t in re.split(r"[_\-. ]+", stem) if t]
    return _LABEL_ALIASES.get(tokens[-1].lower()) if tokens else None


def loudness_weight(label: str) -> float:
    """BS.1770 channel weight: 0 for the LFE, +1.5 dB (1.41) for side surrounds, 1 otherwise."""
    if label == "LFE":
        return 0.0
    return 1.41 if label in {"Ls", "Rs", "Lss", "Rss"} else 1.0


def positions(order: Sequence[str], labels: Sequence[str]) -> list[int]:
    """For each expected label, the index of the channel that carries it in ``order``."""
    return [list(order).index(label) for label in labels]
