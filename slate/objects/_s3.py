"""``S3Store``: objects in an S3 bucket (AWS or any S3-compatible server) through boto3.

Small objects go up in one ``PutObject`` with ``Content-MD5`` and the digests as object metadata;
objects at or above ``s3_multipart_threshold`` go up as a parallel multipart upload (see
``_s3_multipart``) with the digests attached as tags once known. Every put is verified afterwards
with ``HeadObject``: size, and the ETag against the MD5 (single part) or S3's SHA-256 of the parts'
SHA-256s against ours (multipart).

boto3's own ``upload_fileobj`` is not used: it reads parts in its worker threads out of order, so
the whole-object digests would need a second read of the source.
"""

from __future__ import annotations

import builtins
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import boto3
from botocore.config import Config

from slate.errors import IntegrityError, InvalidInput, NotFound, StorageError
from slate.logging import get_logger
from slate.objects._atomic import atomic_file, disk_errors
from slate.objects._base import BlobStore, ObjectInfo, PutResult, open_source, validate_key
from slate.objects._pipeline import Digests, FanOut, Progress, Readable, metered, pump
from slate.objects._s3_errors import s3_errors
from slate.objects._s3_multipart import (
    MAX_PARTS,
    MultipartUpload,
    as_base64,
    read_up_to,
    with_part_count,
)
from slate.objects._verify import check_digests
from slate.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef, TagTypeDef

__all__ = ["S3Store"]

log = get_logger(__name__)

#: S3's smallest allowed part (all but the last).
MIN_PART_SIZE = 5 * 1024 * 1024
_MAX_EXPIRY = timedelta(days=7)
_TAG_MD5 = "slate-md5"
_TAG_SHA256 = "slate-sha256"


_session_lock = threading.Lock()


@functools.cache
def _cached_session() -> boto3.session.Session:
    return boto3.session.Session()


def _new_client(**options: Any) -> S3Client:
    """An S3 client from one boto3 session per process (a session loads S3's model once, ~0.3 s).

    Sessions are not safe to share between threads while creating clients, hence the lock;
    the clients made from them are.
    """
    with _session_lock:
        return _cached_session().client("s3", **options)


class S3Store(BlobStore):
    """Blob store in one S3 bucket; puts are verified after upload and leave nothing on failure."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        multipart_threshold: int = 64 * 1024 * 1024,
        multipart_chunksize: int = 64 * 1024 * 1024,
        max_concurrency: int = 8,
    ) -> None:
        if multipart_chunksize < MIN_PART_SIZE:
            raise InvalidInput(
                f"s3_multipart_chunksize {multipart_chunksize} is below S3's minimum part size",
                setting="SLATE_S3_MULTIPART_CHUNKSIZE",
                rule=f"at least {MIN_PART_SIZE} bytes",
            )
        self.client = client
        self.bucket = bucket
        self.multipart_threshold = max(multipart_threshold, 1)
        self.multipart_chunksize = multipart_chunksize
        self.max_concurrency = max(max_concurrency, 1)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        """An S3Store configured from settings, with botocore's standard retry mode."""
        config = Config(
            retries={"max_attempts": settings.s3_max_attempts, "mode": "standard"},
            max_pool_connections=settings.s3_max_concurrency + 2,
            read_timeout=settings.s3_read_timeout,
            # SigV4 for presigned URLs too: botocore would otherwise presign with SigV2, which AWS
            # refuses on buckets made since June 2020 (and which has no 7-day bound to check)
            signature_version="s3v4",
            # Slate sends its own checksums (Content-MD5, part SHA-256); skip botocore's extra CRC pass.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={
                "addressing_style": "path" if settings.s3_endpoint_url else "auto",
                # Every body carries its own checksum (Content-MD5 or x-amz-checksum-sha256) that
                # S3 verifies, so hashing it once more for the signature (done over plain HTTP)
                # would only cost a pass over the bytes.
                "payload_signing_enabled": False,
            },
        )
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        client = _new_client(
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=config,
        )
        return cls(
            client,
            settings.s3_bucket,
            multipart_threshold=settings.s3_multipart_threshold,
            multipart_chunksize=settings.s3_multipart_chunksize,
            max_concurrency=settings.s3_max_concurrency,
        )

    def put_path(self, key: str, path: Path | str, *, progress: Progress | None = None) -> PutResult:
        validate_key(key)
        source = Path(path)
        with open_source(source) as stream:
            size = source.stat().st_size
            part_size = max(self.multipart_chunksize, -(-size // MAX_PARTS))
            return self._put(key, metered(stream, progress), part_size, grow_parts=False)

    def put_stream(self, key: str, readable: Readable) -> PutResult:
        validate_key(key)
        return self._put(key, readable, self.multipart_chunksize, grow_parts=True)

    def _put(self, key: str, readable: Readable, part_size: int, grow_parts: bool) -> PutResult:
        try:
            first = read_up_to(readable, self.multipart_threshold)
            if len(first) < self.multipart_threshold:
                result = self._put_single(key, first)
            else:
                upload = MultipartUpload(
                    self.client, self.bucket, key, part_size, self.max_concurrency, grow_parts=grow_parts
                )
                result = self._put_multipart(upload, first, readable)
        except OSError as exc:  # the source failed; S3 errors arrive already translated
            raise StorageError(
                f"reading the source of {key!r} failed: {exc.strerror or exc}", key=key
            ) from exc
        log.info(
            "blob stored", backend="s3", bucket=self.bucket, key=key, size=result.size, parts=result.parts
        )
        return result

    def _put_single(self, key: str, data: bytes) -> PutResult:
        digests = Digests()
        with FanOut(digests.consumers) as fan:
            digests.count(data)
            fan.feed(data)
        with s3_errors("put_object", self.bucket, key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentMD5=as_base64(bytes.fromhex(digests.md5)),
                Metadata={"md5": digests.md5, "sha256": digests.sha256},
            )
        self._verify_stored(key, digests.size, etag=digests.md5)
        return PutResult(key=key, size=digests.size, md5=digests.md5, sha256=digests.sha256)

    def _put_multipart(self, upload: MultipartUpload, first: bytes, readable: Readable) -> PutResult:
        key = upload.key
        checksum = upload.run(first, readable)
        digests = upload.digests
        self._verify_stored(key, digests.size, parts_crc32=checksum)
        tags: list[TagTypeDef] = [
            {"Key": _TAG_MD5, "Value": digests.md5},
            {"Key": _TAG_SHA256, "Value": digests.sha256},
        ]
        try:
            with s3_errors("put_object_tagging", self.bucket, key):
                self.client.put_object_tagging(Bucket=self.bucket, Key=key, Tagging={"TagSet": tags})
        except StorageError:
            self._remove(key)  # an object whose digests cannot be recorded is not stored at all
            raise
        return PutResult(
            key=key, size=digests.size, md5=digests.md5, sha256=digests.sha256, parts=upload.parts
        )

    def _verify_stored(self, key: str, size: int, etag: str = "", parts_crc32: str = "") -> None:
        """Check what S3 now holds under ``key``; delete it and raise if it is not what was sent.

        A single-part object's ETag is its MD5; a multipart object's CRC32 checksum is computed
        by S3 over the parts it assembled, so either way the comparison covers the stored bytes.
        """
        head = self._head_raw(key, checksums=True)
        expected = {"size": size, "etag": etag, "crc32": parts_crc32}
        stored = {
            "size": head["ContentLength"],
            "etag": head["ETag"].strip('"') if etag else "",
            "crc32": with_part_count(head.get("ChecksumCRC32", ""), parts_crc32),
        }
        if stored == expected:
            return
        self._remove(key)
        raise IntegrityError(
            f"S3 holds {key!r} with {stored}, expected {expected}; the object was removed",
            key=key,
            expected=expected,
            actual=stored,
        )

    @contextmanager
    def open_stream(self, key: str) -> Iterator[Readable]:
        validate_key(key)
        with s3_errors("get_object", self.bucket, key):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                yield body
            finally:
                body.close()

    def get_to_path(self, key: str, path: Path | str) -> ObjectInfo:
        info = self.head(key)
        dest = Path(path)
        with self.open_stream(key) as source, disk_errors(key), atomic_file(dest) as handle:
            handle.reserve(info.size)
            digests = pump(source, [handle.write])
            check_digests(info, digests, where=str(dest))
            handle.commit()
        return info

    def head(self, key: str) -> ObjectInfo:
        head = self._head_raw(key)
        metadata = head.get("Metadata", {})
        md5, sha256 = metadata.get("md5"), metadata.get("sha256")
        if md5 is None or sha256 is None:
            md5, sha256 = self._tagged_digests(key)
        return ObjectInfo(
            key=key, size=head["ContentLength"], md5=md5, sha256=sha256, modified=head["LastModified"]
        )

    def _head_raw(self, key: str, checksums: bool = False) -> HeadObjectOutputTypeDef:
        validate_key(key)
        with s3_errors("head_object", self.bucket, key):
            if checksums:
                return self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
            return self.client.head_object(Bucket=self.bucket, Key=key)

    def _tagged_digests(self, key: str) -> tuple[str | None, str | None]:
        """Digests a multipart put attached as tags; none if the server keeps no tags."""
        try:
            with s3_errors("get_object_tagging", self.bucket, key):
                tag_set = self.client.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
        except StorageError as exc:
            log.warning("object tags unreadable", bucket=self.bucket, key=key, error=str(exc))
            return None, None
        tags = {tag["Key"]: tag["Value"] for tag in tag_set}
        return tags.get(_TAG_MD5), tags.get(_TAG_SHA256)

    def exists(self, key: str) -> bool:
        try:
            self._head_raw(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> bool:
        if not self.exists(key):
            return False
        self._remove(key)
        log.info("blob deleted", backend="s3", bucket=self.bucket, key=key)
        return True

    def _remove(self, key: str) -> None:
        with s3_errors("delete_object", self.bucket, key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    presigns: ClassVar[bool] = True

    def presigned_url(
        self, key: str, expires: timedelta = timedelta(hours=1), *, download_name: str | None = None
    ) -> str:
        validate_key(key)
        if not timedelta(seconds=1) <= expires <= _MAX_EXPIRY:
            raise InvalidInput(
                f"a presigned URL must expire within 1 second to 7 days, not {expires}",
                key=key,
                rule="1 s <= expires <= 7 days",
            )
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            # signed into the URL: S3 answers with this header, so the browser keeps the file's name
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
            params["ResponseContentType"] = "application/octet-stream"
        with s3_errors("generate_presigned_url", self.bucket, key):
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=int(expires.total_seconds())
            )

    def list(self, prefix: str = "") -> builtins.list[str]:
        keys: builtins.list[str] = []
        with s3_errors("list_objects_v2", self.bucket, prefix):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)
