"""IMF validation speed: hashing a 4 GiB package against ``sha1sum``, and a 2,000-resource CPL.

1. A package of four 1 GiB track files (MXF-like: an MXF partition key, then incompressible
   bytes) listed with their real sizes and SHA-1s in a 2067-2:2016 PKL, a CPL playing them and an
   ASSETMAP, is written to a temporary folder. ``sha1sum`` hashes the four files, then Slate
   validates the whole package (which hashes every file once), in the same run; the figures are
   MB/s of each and Slate's share of ``sha1sum``'s rate. Goal (issue 15): at least 80 %.
2. A CPL of 2,000 resources (1,000 image, 1,000 audio, one segment) is parsed and validated
   alone. Goal: at most 1 s.

The files are deleted afterwards. Usage: ``uv run python bench/imf.py [--gib 4] [--resources 2000]``
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import MiB, load_average, measure
from slate.imf import Report, blocking, validate_path
from tests.imf.builders import AM, CC, PKL, SHA1, Track, cpl_xml, urn

_PARTITION_KEY = bytes.fromhex("060e2b34020501010d01020101020400")


def _write_track_file(path: Path, size: int) -> tuple[int, str]:
    """Write ``size`` bytes (a 64 MiB random block repeated), returning size and base64 SHA-1."""
    block = _PARTITION_KEY + os.urandom(64 * MiB - len(_PARTITION_KEY))
    sha1 = hashlib.sha1()
    with path.open("wb") as out:
        remaining = size
        while remaining:
            piece = block[: min(len(block), remaining)]
            out.write(piece)
            sha1.update(piece)
            remaining -= len(piece)
    return size, base64.b64encode(sha1.digest()).decode()


def _pkl_and_assetmap(folder: Path, files: list[tuple[str, str, str, int, str]]) -> None:
    """Write the PKL and ASSETMAP listing ``files`` as (id, name, type, size, sha1)."""
    pkl_id = urn()
    assets = "".join(
        f"<Asset><Id>{i}</Id><Hash>{h}</Hash><Size>{s}</Size><Type>{t}</Type><OriginalFileName>{n}"
        f'</OriginalFileName><HashAlgorithm Algorithm="{SHA1}"/></Asset>'
        for i, n, t, s, h in files
    )
    pkl = (
        f'<?xml version="1.0"?>\n<PackingList xmlns="{PKL}"><Id>{pkl_id}</Id><IssueDate>2026-01-01T00:00:00Z'
        f"</IssueDate><Issuer>bench</Issuer><Creator>bench</Creator><AssetList>{assets}</AssetList>"
        "</PackingList>"
    ).encode()
    (folder / "PKL.xml").write_bytes(pkl)
    entries = [
        *[(i, n, s, "") for i, n, _t, s, _h in files],
        (pkl_id, "PKL.xml", len(pkl), "<PackingList>true</PackingList>"),
    ]
    mapped = "".join(
        f"<Asset><Id>{i}</Id>{flag}<ChunkList><Chunk><Path>{n}</Path><VolumeIndex>1</VolumeIndex>"
        f"<Offset>0</Offset><Length>{s}</Length></Chunk></ChunkList></Asset>"
        for i, n, s, flag in entries
    )
    (folder / "ASSETMAP.xml").write_text(
        f'<?xml version="1.0"?>\n<AssetMap xmlns="{AM}"><Id>{urn()}</Id><Creator>bench</Creator>'
        "<VolumeCount>1</VolumeCount><IssueDate>2026-01-01T00:00:00Z</IssueDate><Issuer>bench</Issuer>"
        f"<AssetList>{mapped}</AssetList></AssetMap>"
    )


def make_package(folder: Path, gib: int) -> list[Path]:
    """A package of ``gib`` 1 GiB track files in one image track, with a real PKL."""
    size = 1024 * MiB
    frames = 1000
    files, tracks = [], []
    for _ in range(gib):
        track = Track("MainImageSequence", Path("unused"), (24, 1), intrinsic=frames)
        name = f"VIDEO_{track.file_id[9:]}.mxf"
        files.append((track.file_id, name, "application/mxf", *_write_track_file(folder / name, size)))
        tracks.append(track)
    cpl_id = urn()
    text = cpl_xml(cpl_id, (24, 1), tracks[:1])
    # one virtual track playing the files one after the other
    resources = "".join(
        f'<Resource xsi:type="TrackFileResourceType"><Id>{urn()}</Id><EditRate>24 1</EditRate>'
        f"<IntrinsicDuration>{frames}</IntrinsicDuration><EntryPoint>0</EntryPoint><SourceDuration>{frames}"
        f"</SourceDuration><SourceEncoding>{tracks[0].descriptor_id}</SourceEncoding><TrackFileId>{t.file_id}"
        "</TrackFileId></Resource>"
        for t in tracks
    )
    start, end = text.index("<Resource "), text.index("</ResourceList>")
    data = (text[:start] + resources + text[end:]).encode()
    (folder / "CPL.xml").write_bytes(data)
    files.append(
        (cpl_id, "CPL.xml", "text/xml", len(data), base64.b64encode(hashlib.sha1(data).digest()).decode())
    )
    _pkl_and_assetmap(folder, files)
    return [folder / f[1] for f in files if f[2] == "application/mxf"]


def big_cpl(path: Path, resources: int) -> None:
    """A CPL with ``resources`` resources, half image at 24 fps and half 48 kHz audio."""
    half = resources // 2
    image = Track("MainImageSequence", Path("unused"), (24, 1), intrinsic=240, duration=24)
    audio = Track("MainAudioSequence", Path("unused"), (48000, 1), intrinsic=480000, duration=48000)
    text = cpl_xml(urn(), (24, 1), [image, audio], core=CC)
    for track in (image, audio):
        marker = f"<TrackId>{track.track_id}</TrackId><ResourceList>"
        start = text.index(marker) + len(marker)
        end = text.index("</ResourceList>", start)
        one = text[start:end]
        text = (
            text[:start]
            + "".join(
                one.replace(one[one.index("<Id>") : one.index("</Id>") + 5], f"<Id>{urn()}</Id>", 1)
                for _ in range(half)
            )
            + text[end:]
        )
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=int, default=4)
    parser.add_argument("--resources", type=int, default=2000)
    args = parser.parse_args()
    print(load_average())
    with tempfile.TemporaryDirectory(prefix="slate-bench-imf-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        tracks = make_package(folder, args.gib)
        total = sum(p.stat().st_size for p in tracks)
        print(
            f"package: {len(tracks)} track files, {total / 2**30:.1f} GiB, written in "
            f"{time.perf_counter() - started:.1f} s"
        )

        def hash_with_sha1sum() -> object:
            return subprocess.run(["sha1sum", *map(str, tracks)], check=True, stdout=subprocess.DEVNULL)

        before = measure(hash_with_sha1sum)
        reports: list[Report] = []
        slate = measure(lambda: reports.append(validate_path(folder)))
        after = measure(hash_with_sha1sum)
        sha1sum = min(before, after, key=lambda r: r.seconds)  # the faster of a run before and after
        errors = blocking(reports[0].findings)
        for label, run in (("sha1sum", sha1sum), ("slate", slate)):
            print(
                f"{label:8} {run.mb_per_s(total):6.0f} MB/s ({run.seconds:.2f} s wall, {run.cpu:.2f} s CPU)"
            )
        print(
            f"slate: {len(errors)} errors; rate {sha1sum.seconds / slate.seconds:.0%} of sha1sum "
            f"(CPU {sha1sum.cpu / slate.cpu:.0%}; goal >= 80 %)"
        )
        cpl = folder / "big_cpl.xml"
        big_cpl(cpl, args.resources)
        runs = [measure(lambda: reports.append(validate_path(cpl))) for _ in range(3)]
        best = min(runs, key=lambda r: r.seconds)
        found = len(blocking(reports[-1].findings))
        print(
            f"CPL of {args.resources} resources: parse + validate {best.seconds * 1000:.0f} ms wall, "
            f"{best.cpu * 1000:.0f} ms CPU (best of 3; goal <= 1 s), {found} errors"
        )


if __name__ == "__main__":
    main()
