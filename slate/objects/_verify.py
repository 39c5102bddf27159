"""Checking bytes read back against the digests recorded when they were stored."""

from __future__ import annotations

from slate.errors import IntegrityError
from slate.objects._base import ObjectInfo
from slate.objects._pipeline import Digests

__all__ = ["check_digests"]


def check_digests(info: ObjectInfo, digests: Digests, where: str) -> None:
    """Raise :class:`IntegrityError` if what was read differs from what ``info`` records."""
    expected = {"size": info.size, "md5": info.md5, "sha256": info.sha256}
    actual = {"size": digests.size, "md5": digests.md5, "sha256": digests.sha256}
    for field, value in expected.items():
        if value is not None and value != actual[field]:
            raise IntegrityError(
                f"object {info.key!r} read back with a different {field} than recorded",
                key=info.key,
                path=where,
                field=field,
                expected=value,
                actual=actual[field],
            )
