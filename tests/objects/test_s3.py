"""S3Store against a real S3 API server on loopback: verified puts, multipart, and clean failures."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from slate.errors import ConfigurationError, IntegrityError, InvalidInput, NotFound, StorageError
from slate.objects import Readable, S3Store
from slate.objects._pipeline import FanOut
from slate.objects._s3_multipart import MultipartUpload, as_base64
from slate.settings import Settings
from tests.objects.helpers import FailingStream, MiB, digests, payload, write_file

FIVE_MIB = 5 * MiB


@pytest.fixture
def small_parts(s3_settings: Settings) -> S3Store:
    """A store that goes multipart at 5 MiB (S3's smallest part) in 5 MiB parts."""
    settings = s3_settings.model_copy(
        update={
            "s3_multipart_threshold": FIVE_MIB,
            "s3_multipart_chunksize": FIVE_MIB,
            "s3_max_concurrency": 3,
        }
    )
    return S3Store.from_settings(settings)


def test_single_part_round_trip(s3_store: S3Store, tmp_path: Path) -> None:
    data = payload(3 * MiB + 11)
    source = write_file(tmp_path / "sub.srt", data)
    md5, sha256 = digests(data)

    result = s3_store.put_path("requests/R1/sub.srt", source)
    assert (result.size, result.md5, result.sha256, result.parts) == (len(data), md5, sha256, 1)

    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key="requests/R1/sub.srt")
    assert head["ETag"].strip('"') == md5
    assert head["Metadata"] == {"md5": md5, "sha256": sha256}
    info = s3_store.head("requests/R1/sub.srt")
    assert (info.size, info.md5, info.sha256) == (len(data), md5, sha256)

    s3_store.get_to_path("requests/R1/sub.srt", tmp_path / "back" / "sub.srt")
    assert (tmp_path / "back" / "sub.srt").read_bytes() == data
    assert b"".join(s3_store.iter_chunks("requests/R1/sub.srt", chunk_size=MiB)) == data


def test_empty_object(s3_store: S3Store) -> None:
    result = s3_store.put_stream("empty", io.BytesIO(b""))
    assert (result.size, result.md5) == (0, digests(b"")[0])
    assert s3_store.head("empty").size == 0


def test_multipart_above_threshold_is_verified(small_parts: S3Store, tmp_path: Path) -> None:
    data = payload(12 * MiB + 345, seed=7)
    source = write_file(tmp_path / "movie.mov", data)
    md5, sha256 = digests(data)

    result = small_parts.put_path("media/movie.mov", source)
    assert (result.size, result.md5, result.sha256, result.parts) == (len(data), md5, sha256, 3)

    head = small_parts.client.head_object(Bucket=small_parts.bucket, Key="media/movie.mov")
    assert head["ETag"].strip('"').endswith("-3")
    assert head["ContentLength"] == len(data)
    info = small_parts.head("media/movie.mov")
    assert (info.md5, info.sha256) == (md5, sha256)

    out = tmp_path / "back.mov"
    small_parts.get_to_path("media/movie.mov", out)
    assert out.read_bytes() == data
    assert _pending_uploads(small_parts) == []


def test_multipart_from_a_stream(small_parts: S3Store) -> None:
    data = payload(11 * MiB, seed=3)
    result = small_parts.put_stream("media/stream.mov", io.BytesIO(data))
    assert (result.md5, result.sha256, result.parts) == (*digests(data), 3)


def test_a_source_failing_mid_multipart_leaves_nothing(small_parts: S3Store) -> None:
    with pytest.raises(StorageError, match="half-way") as caught:
        small_parts.put_stream("media/broken.mov", FailingStream(payload(12 * MiB)))
    assert caught.value.key == "media/broken.mov"
    assert not small_parts.exists("media/broken.mov")
    assert small_parts.list() == []
    assert _pending_uploads(small_parts) == []


class _AbortsItsOwnUpload:
    """A source that, after two parts, has the server drop the upload (as a lifecycle rule would)."""

    def __init__(self, store: S3Store, key: str) -> None:
        self._store, self._key = store, key
        self._data = io.BytesIO(payload(16 * MiB))
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        if self._read >= 2 * FIVE_MIB and self._store.client is not None:
            for upload in _pending_uploads(self._store):
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket, Key=self._key, UploadId=upload["UploadId"]
                )
        piece = self._data.read(size)
        self._read += len(piece)
        return piece


def test_a_server_side_failure_mid_multipart_leaves_nothing(small_parts: S3Store) -> None:
    with pytest.raises(StorageError) as caught:
        small_parts.put_stream("media/dropped.mov", _AbortsItsOwnUpload(small_parts, "media/dropped.mov"))
    assert caught.value.key == "media/dropped.mov"
    assert caught.value.operation == "upload_part"  # S3 says NoSuchUpload; moto answers 500
    assert not small_parts.exists("media/dropped.mov")
    assert _pending_uploads(small_parts) == []


def test_an_object_that_fails_verification_is_removed(small_parts: S3Store) -> None:
    """What S3 holds is compared with what was sent; a mismatch leaves nothing under the key."""
    small_parts.put_stream("media/m.mov", io.BytesIO(payload(11 * MiB)))
    with pytest.raises(IntegrityError) as caught:
        small_parts._verify_stored("media/m.mov", 11 * MiB, parts_crc32="AAAAAA==-3")
    assert caught.value.key == "media/m.mov"
    assert not small_parts.exists("media/m.mov")


class _AnswerLost(MultipartUpload):
    """An upload whose completion reaches S3 but whose answer is lost (a read timeout, say):
    the parts are completed by a twin request first, so Slate's own complete then fails."""

    def _send_parts(self, first: bytes, readable: Readable, fan: FanOut) -> dict[int, str]:
        etags = super()._send_parts(first, readable, fan)
        parts = [
            {"PartNumber": n, "ETag": etags[n], "ChecksumCRC32": as_base64(self._part_crc32s[n])}
            for n in sorted(etags)
        ]
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )
        self.upload_id = f"{self.upload_id}-answer-lost"  # so Slate's own complete fails, as after a timeout
        return etags


def test_a_complete_whose_answer_was_lost_is_recognised(small_parts: S3Store) -> None:
    data = payload(11 * MiB, seed=5)
    upload = _AnswerLost(small_parts.client, small_parts.bucket, "media/lost.mov", FIVE_MIB, 2)
    result = small_parts._put_multipart(upload, b"", io.BytesIO(data))
    assert upload.recovered_from is not None  # Slate's complete did fail, and the object was checked
    assert (result.md5, result.sha256) == digests(data)
    assert small_parts.head("media/lost.mov").sha256 == digests(data)[1]


def test_head_list_delete_exists(s3_store: S3Store) -> None:
    for key in ("a/1.wav", "a/2.wav", "b/1.srt", "ab.txt"):
        s3_store.put_stream(key, io.BytesIO(key.encode()))
    assert s3_store.list() == ["a/1.wav", "a/2.wav", "ab.txt", "b/1.srt"]
    assert s3_store.list("a/") == ["a/1.wav", "a/2.wav"]
    assert s3_store.exists("b/1.srt")
    assert s3_store.delete("b/1.srt") is True
    assert s3_store.delete("b/1.srt") is False
    assert not s3_store.exists("b/1.srt")


def test_missing_keys_raise_not_found(s3_store: S3Store, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        s3_store.head("missing/key")
    assert (caught.value.key, caught.value.bucket) == ("missing/key", s3_store.bucket)
    with pytest.raises(NotFound):
        s3_store.get_to_path("missing/key", tmp_path / "out")
    with pytest.raises(NotFound), s3_store.open_stream("missing/key"):
        pass
    assert not (tmp_path / "out").exists()


def test_presigned_url_downloads_the_object(s3_store: S3Store) -> None:
    s3_store.put_stream("docs/guide.pdf", io.BytesIO(b"%PDF-1.4 guide"))
    url = s3_store.presigned_url("docs/guide.pdf", timedelta(minutes=10))
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 guide"
    with pytest.raises(InvalidInput):
        s3_store.presigned_url("docs/guide.pdf", timedelta(days=8))


def test_a_missing_bucket_is_a_configuration_error(s3_settings: Settings) -> None:
    store = S3Store.from_settings(s3_settings.model_copy(update={"s3_bucket": "no-such-bucket-here"}))
    with pytest.raises(ConfigurationError) as caught:
        store.put_stream("k", io.BytesIO(b"x"))
    assert caught.value.bucket == "no-such-bucket-here"


def test_an_unreachable_server_is_a_storage_error(s3_settings: Settings) -> None:
    settings = s3_settings.model_copy(update={"s3_endpoint_url": "http://127.0.0.1:9", "s3_max_attempts": 1})
    with pytest.raises(StorageError) as caught:
        S3Store.from_settings(settings).head("k")
    assert caught.value.operation == "head_object"


def test_parts_below_the_s3_minimum_are_refused(s3_settings: Settings) -> None:
    with pytest.raises(InvalidInput) as caught:
        S3Store.from_settings(s3_settings.model_copy(update={"s3_multipart_chunksize": MiB}))
    assert caught.value.setting == "SLATE_S3_MULTIPART_CHUNKSIZE"


def _pending_uploads(store: S3Store) -> list[dict[str, str]]:
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return [{"Key": u["Key"], "UploadId": u["UploadId"]} for u in uploads]
