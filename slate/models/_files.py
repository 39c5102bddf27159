"""The kinds of file Slate takes, by extension: one table for ingest, delivery and the portal's emulator.

Timed text is the formats the timed-text readers read; audio and video are the containers the
portal takes (ingest tells them apart by probing, so a mislabelled file is still caught).
"""

from __future__ import annotations

from slate.models._enums import AssetCategory

__all__ = ["FILE_EXTENSIONS", "category_of"]

#: File extensions (lower case, with the dot) per asset category.
FILE_EXTENSIONS: dict[AssetCategory, frozenset[str]] = {
    AssetCategory.AUDIO: frozenset({".wav", ".bwf", ".rf64"}),
    AssetCategory.TIMED_TEXT: frozenset({".ttml", ".xml", ".dfxp", ".scc", ".vtt", ".srt"}),
    AssetCategory.VIDEO: frozenset({".mov", ".mxf", ".mp4"}),
    AssetCategory.DOCS: frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".csv", ".txt", ".rtf"}),
}


def category_of(file_name: str) -> AssetCategory | None:
    """The category a file's extension names, or None when no category takes it."""
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return next((category for category, suffixes in FILE_EXTENSIONS.items() if suffix in suffixes), None)
