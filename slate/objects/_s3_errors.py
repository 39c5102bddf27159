"""The one place where botocore's errors become Slate's.

S3 reports a missing object as ``NoSuchKey`` on GET but as a bare ``404`` on HEAD, a digest
mismatch as ``BadDigest``, and transport trouble as ``BotoCoreError`` subclasses; callers should
only ever see :class:`NotFound`, :class:`IntegrityError`, :class:`ConfigurationError` or
:class:`StorageError`, with the operation, bucket and key attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from slate.errors import ConfigurationError, IntegrityError, NotFound, SlateError, StorageError

__all__ = ["s3_errors"]

_MISSING = {"404", "NoSuchKey", "NotFound"}
_DIGEST = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidRequest.Checksum"}
_ACCESS = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


@contextmanager
def s3_errors(operation: str, bucket: str, key: str = "") -> Iterator[None]:
    """Translate any botocore error raised inside the block (Slate's own errors pass through)."""
    try:
        yield
    except SlateError:
        raise
    except ClientError as exc:
        raise _from_client_error(exc, operation, bucket, key) from exc
    except NoCredentialsError as exc:
        raise ConfigurationError(
            "no S3 credentials: set SLATE_S3_ACCESS_KEY_ID and SLATE_S3_SECRET_ACCESS_KEY",
            operation=operation,
            bucket=bucket,
            rule="S3 needs credentials",
        ) from exc
    except BotoCoreError as exc:
        raise StorageError(
            f"S3 {operation} of {key!r} in bucket {bucket!r} failed: {exc}",
            operation=operation,
            bucket=bucket,
            key=key,
        ) from exc


def _from_client_error(exc: ClientError, operation: str, bucket: str, key: str) -> SlateError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    message = str(error.get("Message", "")) or str(exc)
    data = {"operation": operation, "bucket": bucket, "key": key, "code": code, "status": status}
    if code == "NoSuchBucket":
        return ConfigurationError(
            f"S3 bucket {bucket!r} does not exist", setting="SLATE_S3_BUCKET", rule="bucket exists", **data
        )
    if code in _MISSING:
        return NotFound(f"no object under key {key!r} in bucket {bucket!r}", **data)
    if code in _DIGEST:
        return IntegrityError(f"S3 refused {key!r}: bytes do not match their digest ({message})", **data)
    if code in _ACCESS:
        return StorageError(f"S3 denied {operation} of {key!r} in bucket {bucket!r}: {message}", **data)
    return StorageError(f"S3 {operation} of {key!r} in bucket {bucket!r} failed: {code} {message}", **data)
