"""Folder and file names that are safe on every operating system, stable, and collision-free.

Materials land in ``DEST/ShowName_Season_EpisodeTitle/`` (the portal's convention; every request
of one episode shares the folder). Titles come from the studio and may hold anything: slashes,
``..``, control characters, bidi overrides, Windows device names, 300 characters. The rules:

* Unicode is normalised to NFC, then only letters, marks, digits, ``-``, ``_`` and single inner
  dots are kept; anything else (separators, spaces, control and format characters, ``<>:"|?*``)
  becomes ``_``. Leading and trailing ``._-`` are stripped, so no name is ``.``/``..``, hidden,
  option-like (``-rf``) or ends in a dot (which Windows drops).
* A name is at most :data:`MAX_CHARS` characters and :data:`MAX_BYTES` UTF-8 bytes.
* Whenever that changed more than spaces into underscores (or the result is empty or a reserved
  device name such as ``CON`` or ``COM1``), a short hash of the original text and the portal's id
  is appended: two different titles that clean to the same text still get different names, and
  the same title gets the same name on every run (so resuming and skipping work).
* Names equal up to case (``Salt`` and ``SALT``, one folder on Windows and macOS) that remain in one
  selection get the portal's id appended by :func:`assign_unique`; a later run into the same
  destination does the same against the folders already there
  (:func:`slate.downloads._selection.fit_to_destination`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping

__all__ = [
    "MAX_BYTES",
    "MAX_CHARS",
    "assign_unique",
    "episode_folder",
    "safe_file_name",
    "safe_name",
    "tagged",
]

MAX_CHARS = 120
MAX_BYTES = 200
_HASH_CHARS = 10
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


def _keep(ch: str) -> bool:
    return ch in "-_." or unicodedata.category(ch)[0] in "LNM"


def _collapse(text: str) -> str:
    """Runs of ``_`` become one ``_``; runs of dots become one dot."""
    text = re.sub(r"_{2,}", "_", text)
    return re.sub(r"\.{2,}", ".", text)


def _clean(text: str) -> tuple[str, bool]:
    """The text reduced to safe characters, and whether nothing but spaces was changed."""
    nfc = unicodedata.normalize("NFC", text)
    cleaned = _collapse("".join(ch if _keep(ch) else "_" for ch in nfc)).strip("._-")
    return cleaned, cleaned == nfc.replace(" ", "_")


def _bound(text: str, chars: int, nbytes: int) -> str:
    """``text`` cut to ``chars`` characters and ``nbytes`` UTF-8 bytes, never inside a character."""
    text = text[:chars]
    while len(text.encode()) > nbytes:
        text = text[:-1]
    return text.rstrip("._-")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:_HASH_CHARS]


def _is_reserved(name: str) -> bool:
    """A Windows device name, with or without an extension (``NUL``, ``con.txt``, ``COM1``)."""
    return name.split(".", 1)[0].upper() in _RESERVED


def safe_name(
    text: str, *, identity: str = "", max_chars: int = MAX_CHARS, max_bytes: int = MAX_BYTES
) -> str:
    """``text`` as one safe path component; ``identity`` (the portal's id) feeds the hash suffix."""
    cleaned, faithful = _clean(text)
    fits = len(cleaned) <= max_chars and len(cleaned.encode()) <= max_bytes
    if faithful and cleaned and fits and not _is_reserved(cleaned):
        return cleaned
    room = _HASH_CHARS + 2  # "_" + hash, and a "_" prefix should the name start like a device name
    stem = _bound(cleaned, max_chars - room, max_bytes - room) or "untitled"
    name = f"{stem}_{_digest(text, identity)}"
    return f"_{name}" if _is_reserved(name) else name


def episode_folder(
    *,
    movie_id: str,
    title: str,
    show_name: str | None = None,
    season: int | None = None,
    episode_number: int | None = None,
    episode_title: str | None = None,
) -> str:
    """``ShowName_S01_EpisodeTitle`` for an episode, the title alone for a feature.

    Missing parts fall back sensibly: no episode title gives ``E03``; no show name uses the title.
    """
    parts = [show_name or title]
    if season is not None:
        parts.append(f"S{season:02d}")
        if episode_title:
            parts.append(episode_title)
        elif episode_number is not None:
            parts.append(f"E{episode_number:02d}")
    return safe_name("_".join(parts), identity=movie_id)


def safe_file_name(name: str, *, identity: str = "") -> str:
    """A material's file name made safe, keeping a short alphanumeric extension."""
    match = _EXTENSION.search(name)
    stem, ext = (name[: match.start()], match.group(1)) if match else (name, "")
    if not ext:
        return safe_name(name, identity=identity)
    room = len(ext) + 1
    stem = safe_name(stem, identity=identity, max_chars=MAX_CHARS - room, max_bytes=MAX_BYTES - room)
    return f"{stem}.{ext}"


def tagged(name: str, tag: str) -> str:
    """``name`` with ``_tag`` before its extension, still within the length bounds."""
    match = _EXTENSION.search(name)
    stem, ext = (name[: match.start()], name[match.start() :]) if match else (name, "")
    room = len(tag) + len(ext) + 1
    return f"{_bound(stem, MAX_CHARS - room, MAX_BYTES - room * 4)}_{tag}{ext}"


def assign_unique(names: Mapping[str, str]) -> dict[str, str]:
    """Make names (keyed by a portal id) distinct up to case by appending the id where needed.

    Only names that actually meet another one in this selection change, so an ordinary title keeps
    its plain name. An id that is not itself a safe name is replaced by its hash.
    """
    result = dict(names)
    for attempt in range(3):
        groups: dict[str, list[str]] = defaultdict(list)
        for key, name in result.items():
            groups[name.casefold()].append(key)
        clashes = [keys for keys in groups.values() if len(keys) > 1]
        if not clashes:
            return result
        for keys in clashes:
            for key in keys:
                faithful = _clean(key)[1] and not _is_reserved(key) and len(key) <= 40
                tag = key if faithful and attempt == 0 else _digest(key, str(attempt))
                result[key] = tagged(names[key], tag)
    raise AssertionError("names still collide after disambiguation")  # pragma: no cover - 40-bit hashes
