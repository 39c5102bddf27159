"""The kinds of file Slate takes, by extension: one table for ingest, delivery and the portal's emulator.

Timed text is the formats the timed-text readers read; audio and video are the containers the
portal takes (ingest tells them apart by probing, so a mislabelled file is still caught).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from slate.models._enums import AssetCategory

__all__ = ["FILE_EXTENSIONS", "StoredFile", "category_of"]

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


class StoredFile(BaseModel):
    """A file's bytes as the blob store holds them: what a new version records, in one value.

    Passed from the store (ingest, proxy sync) to the lifecycle, which writes it on the version's
    row; never changed afterwards.
    """

    model_config = ConfigDict(frozen=True)

    file_name: str
    blob_key: str
    size: int = Field(ge=0)
    md5: str
    sha256: str
    #: The ffprobe summary (media) or what was read of the file (timed text's language).
    probe: dict[str, Any] = Field(default_factory=dict)
