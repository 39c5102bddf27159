"""Blob storage: media and documents by key, on local disk or S3, with digests from one read.

Use :func:`open_blob_store` to get the store the settings choose; code depends only on the
:class:`BlobStore` interface, so the same flows run against a folder on a laptop and S3.
"""

from __future__ import annotations

from slate.errors import ConfigurationError
from slate.objects._base import BlobStore, ObjectInfo, PutResult, validate_key
from slate.objects._local import LocalStore
from slate.objects._pipeline import Readable
from slate.objects._s3 import S3Store
from slate.settings import Settings, get_settings

__all__ = [
    "BlobStore",
    "LocalStore",
    "ObjectInfo",
    "PutResult",
    "Readable",
    "S3Store",
    "open_blob_store",
    "validate_key",
]


def open_blob_store(settings: Settings | None = None) -> BlobStore:
    """The blob store ``settings.blob_backend`` names: ``local`` (default) or ``s3``."""
    settings = settings or get_settings()
    backend = settings.blob_backend.strip().lower()
    if backend == "local":
        return LocalStore(settings.effective_blob_root)
    if backend == "s3":
        return S3Store.from_settings(settings)
    raise ConfigurationError(
        f"unknown blob backend {settings.blob_backend!r}; use 'local' or 's3'",
        setting="SLATE_BLOB_BACKEND",
        value=settings.blob_backend,
        rule="blob_backend is 'local' or 's3'",
    )
