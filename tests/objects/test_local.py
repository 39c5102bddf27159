"""LocalStore: round trips, digests from one read, atomic puts, and errors that name the key."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from slate.errors import ConfigurationError, IntegrityError, InvalidInput, NotFound, StorageError
from slate.objects import LocalStore, S3Store, open_blob_store
from slate.settings import Settings
from tests.objects.helpers import FailingStream, MiB, all_files, digests, payload, write_file


@pytest.fixture
def store(blob_root: Path) -> LocalStore:
    return LocalStore(blob_root)


@pytest.mark.parametrize("size", [0, 1, 8 * MiB, 8 * MiB + 3, 20 * MiB + 17])
def test_put_path_round_trip_with_hashlib_digests(store: LocalStore, tmp_path: Path, size: int) -> None:
    data = payload(size)
    source = write_file(tmp_path / "source.bin", data)
    md5, sha256 = digests(data)

    result = store.put_path("requests/R1/v1/source.bin", source)
    assert (result.size, result.md5, result.sha256) == (size, md5, sha256)

    info = store.head("requests/R1/v1/source.bin")
    assert (info.size, info.md5, info.sha256) == (size, md5, sha256)

    out = tmp_path / "out" / "copy.bin"
    store.get_to_path("requests/R1/v1/source.bin", out)
    assert out.read_bytes() == data
    assert b"".join(store.iter_chunks("requests/R1/v1/source.bin", chunk_size=MiB)) == data


def test_put_stream_from_a_non_file_stream(store: LocalStore) -> None:
    data = payload(3 * MiB + 5, seed=2)
    result = store.put_stream("docs/notes.txt", io.BytesIO(data))
    assert (result.md5, result.sha256) == digests(data)
    with store.open_stream("docs/notes.txt") as stream:
        assert stream.read() == data


def test_a_stream_failing_half_way_leaves_nothing(store: LocalStore, blob_root: Path) -> None:
    with pytest.raises(StorageError, match="half-way") as caught:
        store.put_stream("media/movie.mov", FailingStream(payload(5 * MiB)))
    assert caught.value.key == "media/movie.mov"
    assert not store.exists("media/movie.mov")
    assert all_files(blob_root) == []


def test_a_failed_overwrite_keeps_the_old_object(store: LocalStore) -> None:
    old = payload(2 * MiB, seed=1)
    store.put_stream("media/movie.mov", io.BytesIO(old))
    with pytest.raises(StorageError):
        store.put_stream("media/movie.mov", FailingStream(payload(5 * MiB, seed=9)))
    info = store.head("media/movie.mov")
    assert (info.md5, info.sha256) == digests(old)
    assert b"".join(store.iter_chunks("media/movie.mov")) == old


_KILLED_PUT = textwrap.dedent(
    """
    import sys, time
    from slate.objects import LocalStore

    class Endless:
        def __init__(self):
            self.reads = 0
        def read(self, size=-1):
            self.reads += 1
            if self.reads == 3:
                print("writing", flush=True)
            time.sleep(0.01)
            return b"x" * (1024 * 1024)

    LocalStore(sys.argv[1]).put_stream("media/killed.mov", Endless())
    """
)


def test_a_killed_process_mid_put_leaves_nothing(blob_root: Path) -> None:
    command = [sys.executable, "-c", _KILLED_PUT, str(blob_root)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL

    store = LocalStore(blob_root)
    assert not store.exists("media/killed.mov")
    assert store.list() == []
    assert all_files(blob_root) == []


def test_head_list_delete_exists(store: LocalStore) -> None:
    for key in ("a/1.wav", "a/2.wav", "b/1.srt", "ab.txt"):
        store.put_stream(key, io.BytesIO(key.encode()))
    assert store.list() == ["a/1.wav", "a/2.wav", "ab.txt", "b/1.srt"]
    assert store.list("a/") == ["a/1.wav", "a/2.wav"]
    assert store.list("a") == ["a/1.wav", "a/2.wav", "ab.txt"]
    assert store.exists("b/1.srt")
    assert store.delete("b/1.srt") is True
    assert store.delete("b/1.srt") is False
    assert not store.exists("b/1.srt")
    assert store.head("a/1.wav").size == len(b"a/1.wav")


def test_missing_keys_raise_not_found(store: LocalStore, tmp_path: Path) -> None:
    store.put_stream("a/present", io.BytesIO(b"x"))
    for key in ("missing", "a/missing", "a/present/below", "a"):
        with pytest.raises(NotFound) as caught:
            store.head(key)
        assert caught.value.key == key
    with pytest.raises(NotFound):
        store.get_to_path("missing", tmp_path / "out")
    with pytest.raises(NotFound), store.open_stream("missing"):
        pass
    assert not (tmp_path / "out").exists()


def test_a_key_cannot_be_both_object_and_folder(store: LocalStore) -> None:
    store.put_stream("a/b", io.BytesIO(b"x"))
    with pytest.raises(InvalidInput) as caught:
        store.put_stream("a/b/c", io.BytesIO(b"y"))
    assert caught.value.key == "a/b/c"
    with pytest.raises(InvalidInput):
        store.put_stream("a", io.BytesIO(b"y"))
    assert store.list() == ["a/b"]


def test_silent_corruption_is_caught_on_get(store: LocalStore, blob_root: Path, tmp_path: Path) -> None:
    store.put_stream("media/m.mov", io.BytesIO(payload(MiB)))
    data_file = blob_root / "data" / "media" / "m.mov"
    status = data_file.stat()
    with data_file.open("r+b") as handle:  # flip a byte, keep size and mtime: bit rot
        handle.seek(1000)
        handle.write(b"\x00" if handle.read(1) != b"\x00" else b"\x01")
    os.utime(data_file, ns=(status.st_atime_ns, status.st_mtime_ns))

    with pytest.raises(IntegrityError) as caught:
        store.get_to_path("media/m.mov", tmp_path / "out.mov")
    assert caught.value.field == "md5"
    assert not (tmp_path / "out.mov").exists()


def test_a_sidecar_that_describes_other_bytes_is_ignored(store: LocalStore, blob_root: Path) -> None:
    store.put_stream("k", io.BytesIO(b"old"))
    (blob_root / "data" / "k").write_bytes(b"replaced by hand")
    info = store.head("k")
    assert (info.size, info.md5, info.sha256) == (len(b"replaced by hand"), None, None)


def test_put_path_of_a_missing_file(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        store.put_path("k", tmp_path / "nope.mov")
    assert caught.value.path == str(tmp_path / "nope.mov")


def test_presigned_urls_need_s3(store: LocalStore) -> None:
    store.put_stream("k", io.BytesIO(b"x"))
    with pytest.raises(ConfigurationError, match="s3"):
        store.presigned_url("k", timedelta(minutes=5))


def test_factory_chooses_by_settings(tmp_path: Path) -> None:
    local = open_blob_store(Settings(home=tmp_path))
    assert isinstance(local, LocalStore)
    assert local.root == tmp_path / "objects"
    s3 = open_blob_store(Settings(home=tmp_path, blob_backend="s3", s3_endpoint_url="http://127.0.0.1:9"))
    assert isinstance(s3, S3Store)
    with pytest.raises(ConfigurationError) as caught:
        open_blob_store(Settings(home=tmp_path, blob_backend="ftp"))
    assert caught.value.setting == "SLATE_BLOB_BACKEND"
