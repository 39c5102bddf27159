"""A long put reports its progress: every byte of the source once, chunk by chunk, on every store."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.objects import BlobStore, LocalStore, S3Store
from slate.settings import Settings
from tests.objects.helpers import MiB, digests, payload, write_file


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, blob_root: Path) -> BlobStore:
    if request.param == "local":
        return LocalStore(blob_root)
    settings: Settings = request.getfixturevalue("s3_settings")
    five = 5 * MiB  # multipart, so progress and the parallel part uploads interleave
    small = settings.model_copy(
        update={"s3_multipart_threshold": five, "s3_multipart_chunksize": five, "s3_max_concurrency": 3}
    )
    return S3Store.from_settings(small)


def test_put_path_reports_every_byte_once_as_it_goes(store: BlobStore, tmp_path: Path) -> None:
    data = payload(13 * MiB + 7)
    source = write_file(tmp_path / "take.wav", data)
    heard: list[int] = []

    result = store.put_path("SR-1/audio/take.wav", source, progress=heard.append)

    assert sum(heard) == len(data) and len(heard) >= 3  # several reports, not one at the end
    assert (result.size, result.md5, result.sha256) == (len(data), *digests(data))
