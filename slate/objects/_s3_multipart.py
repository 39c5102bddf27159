"""Parallel multipart upload that reads its source once, in order.

The reader hands each part to two hashing threads (the whole-object MD5 and SHA-256) and to an
upload pool; each upload worker also takes the part's own MD5, sends it as ``Content-MD5`` (S3
refuses a part that arrives damaged) and checks the part's ETag against it. S3 defines a
multipart object's ETag as the MD5 of the parts' MD5s plus ``-<count>``, so after completing we
can verify the object the server assembled without downloading it.

Object metadata is fixed when the upload is created, before the digests are known; so the digests
are attached as object tags afterwards (see ``_s3.py``). Any failure aborts the upload, and a
completed object that fails verification is deleted: nothing is left under the key.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slate.errors import IntegrityError, StorageError
from slate.logging import get_logger
from slate.objects._pipeline import Digests, FanOut, Readable
from slate.objects._s3_errors import s3_errors

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

__all__ = ["MAX_PARTS", "MultipartUpload", "read_up_to"]

log = get_logger(__name__)

#: S3 refuses more parts than this in one upload.
MAX_PARTS = 10_000


def read_up_to(readable: Readable, size: int) -> bytes:
    """Read until ``size`` bytes or the end of the stream (a single read may return fewer)."""
    pieces: list[bytes] = []
    wanted = size
    while wanted > 0:
        piece = readable.read(wanted)
        if not piece:
            break
        pieces.append(piece)
        wanted -= len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _parts(first: bytes, readable: Readable, part_size: int) -> Iterator[bytes]:
    """Cut ``first`` followed by the rest of ``readable`` into parts of ``part_size`` bytes."""
    for offset in range(0, len(first) - len(first) % part_size, part_size):
        yield first[offset : offset + part_size]
    pending = first[len(first) - len(first) % part_size :]
    while True:
        more = read_up_to(readable, part_size - len(pending))
        part = pending + more
        if len(part) < part_size:
            if part:
                yield part
            return
        yield part
        pending = b""


def md5_base64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


@dataclass
class MultipartUpload:
    """One multipart upload of one object; :meth:`run` either stores it verified or leaves nothing."""

    client: S3Client
    bucket: str
    key: str
    part_size: int
    concurrency: int
    upload_id: str = ""
    digests: Digests = field(default_factory=Digests)
    _part_md5s: dict[int, bytes] = field(default_factory=dict)
    _error: BaseException | None = None

    def run(self, first: bytes, readable: Readable) -> str:
        """Upload ``first`` and the rest of ``readable``; return the verified multipart ETag."""
        with s3_errors("create_multipart_upload", self.bucket, self.key):
            created = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
        self.upload_id = created["UploadId"]
        try:
            etags = self._send_parts(first, readable)
            return self._complete(etags)
        except BaseException:
            self._abort()
            raise

    @property
    def parts(self) -> int:
        return len(self._part_md5s)

    def _send_parts(self, first: bytes, readable: Readable) -> dict[int, str]:
        slots = threading.BoundedSemaphore(self.concurrency)
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="slate-s3-part")
        futures: list[Future[tuple[int, str]]] = []
        try:
            with FanOut(self.digests.consumers) as fan:
                for number, part in enumerate(_parts(first, readable, self.part_size), start=1):
                    self._wait_for_slot(slots)
                    if number > MAX_PARTS:
                        raise StorageError(
                            f"{self.key!r} needs more than {MAX_PARTS} parts; raise s3_multipart_chunksize",
                            key=self.key,
                            rule=f"at most {MAX_PARTS} parts",
                        )
                    self.digests.count(part)
                    fan.feed(part)
                    futures.append(pool.submit(self._upload_part, number, part, slots))
            return dict(future.result() for future in futures)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _wait_for_slot(self, slots: threading.BoundedSemaphore) -> None:
        """Block until a part may be read; stop at once if an upload already failed."""
        while not slots.acquire(timeout=0.05):
            if self._error is not None:
                break
        if self._error is not None:
            raise self._error

    def _upload_part(self, number: int, part: bytes, slots: threading.BoundedSemaphore) -> tuple[int, str]:
        try:
            digest = hashlib.md5(part, usedforsecurity=False).digest()
            with s3_errors("upload_part", self.bucket, self.key):
                response = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self.upload_id,
                    PartNumber=number,
                    Body=part,
                    ContentMD5=md5_base64(digest),
                )
            etag = response["ETag"].strip('"')
            if etag != digest.hex():
                raise IntegrityError(
                    f"part {number} of {self.key!r} arrived damaged",
                    key=self.key,
                    part=number,
                    expected=digest.hex(),
                    actual=etag,
                )
            self._part_md5s[number] = digest
            return number, response["ETag"]
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            slots.release()

    def _complete(self, etags: dict[int, str]) -> str:
        parts: list[CompletedPartTypeDef] = [{"PartNumber": n, "ETag": etags[n]} for n in sorted(etags)]
        with s3_errors("complete_multipart_upload", self.bucket, self.key):
            response = self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
            )
        joined = b"".join(self._part_md5s[n] for n in sorted(self._part_md5s))
        expected = f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(parts)}"
        actual = response.get("ETag", "").strip('"')
        if actual != expected:
            self._delete_completed()
            raise IntegrityError(
                f"S3 assembled {self.key!r} from different parts than were sent",
                key=self.key,
                expected=expected,
                actual=actual,
            )
        return expected

    def _delete_completed(self) -> None:
        """Remove an object S3 completed but that failed verification."""
        with s3_errors("delete_object", self.bucket, self.key):
            self.client.delete_object(Bucket=self.bucket, Key=self.key)

    def _abort(self) -> None:
        """Abort the upload so that S3 drops the parts; a failure here is logged, not raised."""
        try:
            with s3_errors("abort_multipart_upload", self.bucket, self.key):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        except Exception as exc:
            log.warning("multipart abort failed", key=self.key, upload_id=self.upload_id, error=str(exc))
