"""Key rules: the same for every backend, refused with InvalidInput naming the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.errors import InvalidInput
from slate.objects import LocalStore, S3Store, validate_key

BAD_KEYS = {
    "": "non-empty",
    "/etc/passwd": "relative",
    "a/../../escape": "'..'",
    "..": "'..'",
    "a/./b": "'.'",
    "a//b": "empty segments",
    "a/b/": "empty segments",
    "a\\b": "separator",
    "bad\nname": "control characters",
    "tab\there": "control characters",
    "del\x7f": "control characters",
    "x" * 1025: "at most 1024 bytes",
}


@pytest.mark.parametrize("key", list(BAD_KEYS), ids=lambda k: repr(k[:20]))
def test_bad_keys_are_refused_with_the_rule(key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_key(key)
    assert BAD_KEYS[key] in caught.value.rule
    assert caught.value.key == key


@pytest.mark.parametrize("key", ["a", "requests/R1/v1/movie.mov", "ünïcode/名前.srt", ".hidden", "a..b"])
def test_good_keys_pass(key: str) -> None:
    assert validate_key(key) == key


def test_local_store_refuses_bad_keys_before_touching_disk(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    (tmp_path / "secret").write_bytes(b"x")
    for key in ("../secret", "/tmp/x", "a//b"):
        with pytest.raises(InvalidInput):
            store.put_path(key, tmp_path / "secret")
        with pytest.raises(InvalidInput):
            store.head(key)
    assert not (tmp_path / "objects").exists()


def test_s3_store_refuses_bad_keys(s3_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"data")
    with pytest.raises(InvalidInput):
        s3_store.put_path("a/../b", source)
    with pytest.raises(InvalidInput):
        s3_store.head("/abs")
    assert s3_store.list() == []
