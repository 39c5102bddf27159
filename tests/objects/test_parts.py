"""How a source is cut into multipart parts: sizes, growth for streams, and the S3 limits."""

from __future__ import annotations

import io

from slate.objects._s3_multipart import GROW_EVERY, GROWN_PART_MAX, MAX_PARTS, _parts, part_sizes
from tests.objects.helpers import payload


def test_known_length_uses_one_part_size() -> None:
    size_of = part_sizes(8, grow=False)
    assert {size_of(n) for n in (1, GROW_EVERY + 1, MAX_PARTS)} == {8}


def test_streams_grow_parts_yet_stay_within_s3_limits() -> None:
    base = 8 * 1024 * 1024
    size_of = part_sizes(base, grow=True)
    sizes = [size_of(n) for n in range(1, MAX_PARTS + 1)]
    assert sizes[0] == base and sizes[GROW_EVERY] == 2 * base
    assert max(sizes) == GROWN_PART_MAX  # bounded memory: at most concurrency x this in flight
    assert sum(sizes) > 800 * 1024**3  # 10,000 parts still hold more than 800 GiB


def test_parts_cover_the_source_exactly_with_only_the_last_short() -> None:
    data = payload(1000)
    first, rest = data[:300], io.BytesIO(data[300:])
    parts = list(_parts(first, rest, part_sizes(128, grow=False)))
    assert b"".join(parts) == data
    assert [len(p) for p in parts] == [128] * 7 + [104]


def test_a_source_of_exactly_whole_parts_has_no_empty_tail() -> None:
    parts = list(_parts(b"", io.BytesIO(payload(256)), part_sizes(128, grow=False)))
    assert [len(p) for p in parts] == [128, 128]
