"""Downloading against the emulator: verified files, skip, resume, corruption, disk errors, pacing."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
from pathlib import Path

import pytest

from slate.backlot import AssetState, DownloadAssetType, HttpPortalClient
from slate.downloads import (
    FileOutcome,
    FileStatus,
    PlannedFile,
    Selection,
    download_files,
    parse_types,
    part_path,
    rate_limiter,
    select_materials,
)
from slate.errors import StorageError
from tests.downloads.conftest import Materials
from tests.fixtures.portal import CP_CLIENT_ID, CP_SECRET, PortalServer

T = DownloadAssetType


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Breaker:
    """A progress listener that fails the write path once ``after`` bytes of a file have arrived."""

    def __init__(self, after: int, error: BaseException) -> None:
        self.after, self.error, self.seen = after, error, 0

    def started(self, item: PlannedFile, already: int) -> None:
        pass

    def advanced(self, item: PlannedFile, nbytes: int) -> None:
        self.seen += nbytes
        if self.seen >= self.after:
            raise self.error

    def finished(self, item: PlannedFile, outcome: FileOutcome) -> None:
        pass


class Killed(Exception):
    """Stands for the process dying in the middle of a write."""


def test_download_lands_verified_files_and_a_manifest(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    selection = Selection(
        request_ids=["SR-81001001-06", "SR-81001002-06"],
        types=parse_types(["audio", "timed_text", "docs"]),
        states=[AssetState.ACTIVE, AssetState.UPGRADED],
    )
    files = select_materials(portal_client, selection)
    report = download_files(portal_client, files, tmp_path, concurrency=3)
    assert not report.failures
    assert [o.row.status for o in report.outcomes] == [FileStatus.DOWNLOADED] * len(files)
    for item in files:
        target = tmp_path / item.folder / item.file_name
        assert sha256(target) == item.asset.checksum
        assert not part_path(target).exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {r["asset_id"] for r in manifest} == {f.asset.asset_id for f in files}
    row = next(r for r in manifest if r["type"] == "Printmaster" and r["movie_id"] == "81001001")
    assert row["request_ids"] == ["SR-81001001-06"]
    assert row["path"] == "The_Long_Harbour_S01_Low_Tide/81001001_pm51.wav"
    assert (
        row["state"] == "Active" and row["status"] == "downloaded" and row["checksum_algorithm"] == "sha256"
    )
    assert (tmp_path / row["path"]).stat().st_size == row["size"] == row["bytes_on_disk"]
    with (tmp_path / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["asset_id"] for r in rows} == {r["asset_id"] for r in manifest}
    assert {"request_ids", "type", "state", "size", "checksum", "path"} <= set(rows[0])
    assert any(r["state"] == "Upgraded" for r in rows)

    # A second run finds every file complete and verified: nothing is fetched again.
    calls = portal.stats()["calls"]
    again = download_files(portal_client, files, tmp_path, concurrency=3)
    assert {o.row.status for o in again.outcomes} == {FileStatus.PRESENT}
    assert again.bytes_transferred == 0
    assert portal.stats()["calls"] == {**calls, "GET /admin/stats": calls.get("GET /admin/stats", 0) + 1}


def test_hostile_titles_stay_inside_the_destination(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    show = "../../etc/" + "x" * 300
    materials.assignment("81900001", show_name=show, season_number=1, episode_title="CON")
    materials.assignment("81900002", show_name=show, season_number=1, episode_title="CON\x07")
    materials.assignment("81900003", show_name="Harbour", season_number=1, episode_title="Salt")
    materials.assignment("81900004", show_name="HARBOUR", season_number=1, episode_title="SALT")
    for movie in ["81900001", "81900002", "81900003", "81900004"]:
        materials.material(movie, name="..\u202eevil\nname.wav", size=1000)
    dest = tmp_path / "dest"
    files = select_materials(portal_client, Selection(title=show))
    files += select_materials(portal_client, Selection(title="harbour"))
    report = download_files(portal_client, files, dest, concurrency=2)
    assert not report.failures
    written = [p for p in dest.rglob("*") if p.is_file() and not p.name.startswith("manifest")]
    assert len(written) == 4 and len({p.parent for p in written}) == 4
    for path in written:
        assert path.resolve().parent.parent == dest.resolve()
        assert len(path.parent.name) <= 120 and path.name.endswith(".wav") and "\n" not in path.name


def test_a_later_run_keeps_an_episode_apart_from_a_folder_differing_only_in_case(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    """``Salt`` downloaded first, ``SALT`` later into the same place: one folder on Windows and macOS."""
    first = materials.assignment("81900005", show_name="Harbour", season_number=1, episode_title="Salt")
    second = materials.assignment("81900006", show_name="HARBOUR", season_number=1, episode_title="SALT")
    for movie in ("81900005", "81900006"):
        materials.material(movie, name="guide.pdf", size=1000)
    dest = tmp_path / "dest"
    download_files(portal_client, select_materials(portal_client, Selection(request_ids=[first])), dest)

    again = select_materials(portal_client, Selection(request_ids=[second]))
    report = download_files(portal_client, again, dest)

    folders = sorted(p.name for p in dest.iterdir() if p.is_dir())
    assert len(folders) == 2 and len({f.casefold() for f in folders}) == 2, folders
    assert report.outcomes[0].row.path.startswith(next(f for f in folders if "81900006" in f))
    assert report.outcomes[0].row.status is FileStatus.DOWNLOADED


def test_a_download_killed_half_way_resumes_by_range(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900010", title="Resume")
    materials.material("81900010", size=3 * 1024 * 1024)
    (item,) = select_materials(portal_client, Selection(title="Resume"))
    with pytest.raises(Killed):
        download_files(portal_client, [item], tmp_path, progress=Breaker(1024 * 1024, Killed()))
    target = tmp_path / item.folder / item.file_name
    left = part_path(target).stat().st_size
    assert 1024 * 1024 <= left < item.asset.size and not target.exists()

    report = download_files(portal_client, [item], tmp_path)
    (outcome,) = report.outcomes
    assert outcome.row.status is FileStatus.DOWNLOADED
    assert outcome.resumed_from == left
    assert outcome.bytes_transferred == item.asset.size - left  # only the missing bytes travelled
    assert sha256(target) == item.asset.checksum


def test_a_corrupted_download_is_detected_and_fetched_again(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900020", title="Corrupt")
    asset_id = materials.material("81900020", size=200_000)
    files = select_materials(portal_client, Selection(title="Corrupt"))
    portal.faults(corrupt_downloads=1)
    report = download_files(portal_client, files, tmp_path)
    assert report.outcomes[0].row.status is FileStatus.DOWNLOADED
    assert portal.calls(f"GET /v1/downloads/assets/{asset_id}/content") == 2
    assert sha256(tmp_path / files[0].relpath) == files[0].asset.checksum


def test_a_persistently_corrupt_file_is_reported_and_the_others_still_land(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900030", title="Mixed")
    materials.material("81900030", T.PRINTMASTER, size=50_000)
    materials.material("81900030", T.ME, size=50_000)
    files = select_materials(portal_client, Selection(title="Mixed"))
    portal.faults(corrupt_downloads=2)  # the first file, fetched twice, is bad both times
    report = download_files(portal_client, files, tmp_path, concurrency=1)
    bad, good = report.outcomes
    assert bad.row.status is FileStatus.FAILED and "checksum mismatch" in bad.row.error
    assert not (tmp_path / bad.row.path).exists() and not part_path(tmp_path / bad.row.path).exists()
    assert good.row.status is FileStatus.DOWNLOADED
    manifest = {r["asset_id"]: r for r in json.loads((tmp_path / "manifest.json").read_text())}
    assert manifest[bad.row.asset_id]["status"] == "failed"
    assert manifest[good.row.asset_id]["status"] == "downloaded"


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "permission denied")]
)
def test_a_failing_disk_stops_with_a_clear_error_and_a_true_manifest(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    materials: Materials,
    tmp_path: Path,
    code: int,
    words: str,
) -> None:
    materials.assignment("81900040", title="Disk")
    for kind in (T.PRINTMASTER, T.ME, T.SHOW_GUIDE):
        materials.material("81900040", kind, size=600_000)
    files = select_materials(portal_client, Selection(title="Disk"))
    failing = Breaker(900_000, OSError(code, "injected"))  # dies inside the second file
    with pytest.raises(StorageError, match=words) as caught:
        download_files(portal_client, files, tmp_path, concurrency=1, progress=failing)
    assert "the manifest" in str(caught.value) and caught.value.data["errno"] == code
    manifest = {r["path"]: r for r in json.loads((tmp_path / "manifest.json").read_text())}
    assert [manifest[f.relpath]["status"] for f in files] == ["downloaded", "partial", "failed"]
    for row in manifest.values():
        target = tmp_path / row["path"]
        on_disk = target.stat().st_size if target.exists() else 0
        if row["status"] == "partial":
            on_disk = part_path(target).stat().st_size
        assert on_disk == row["bytes_on_disk"]


def test_not_available_materials_are_listed_not_fetched(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    files = select_materials(
        portal_client, Selection(title="The Long Harbour", states=[AssetState.NOT_AVAILABLE])
    )
    report = download_files(portal_client, files, tmp_path)
    assert [o.row.status for o in report.outcomes] == [FileStatus.NOT_AVAILABLE]
    assert not (tmp_path / files[0].relpath).exists()


def test_the_content_partner_downloads_only_the_final_proxy(portal: PortalServer, tmp_path: Path) -> None:
    portal.seed(with_proxies=True)
    with portal.client(CP_CLIENT_ID, CP_SECRET) as studio:
        files = select_materials(
            studio, Selection(request_ids=["SR-81001001-00"], types=parse_types(["video"]))
        )
        report = download_files(studio, files, tmp_path)
    assert [(o.row.type, o.row.status) for o in report.outcomes] == [("Final Proxy", FileStatus.DOWNLOADED)]


class _PacedClock:
    """A clock that moves only when the limiter sleeps: pacing is checked without waiting for it."""

    def __init__(self) -> None:
        self.slept = 0.0

    def now(self) -> float:
        return self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


def test_the_rate_limit_holds(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900050", title="Paced")
    materials.material("81900050", T.PRINTMASTER, size=4_000_000)
    materials.material("81900050", T.ME, size=4_000_000)
    files = select_materials(portal_client, Selection(title="Paced"))
    clock = _PacedClock()
    bucket = rate_limiter(40, clock=clock.now, sleep=clock.sleep)
    taken: list[int] = []

    def limiter(nbytes: int) -> None:
        taken.append(nbytes)
        bucket(nbytes)

    report = download_files(portal_client, files, tmp_path, concurrency=1, limiter=limiter)
    # Every byte of both files went through the one budget, and the budget made the run wait as
    # long as 40 Mb/s takes for them, less the burst it allows at the start (rates: bench/).
    assert sum(taken) == report.bytes_transferred == 8_000_000
    expected = (report.bytes_transferred - bucket.burst) / bucket.rate
    assert clock.slept == pytest.approx(expected, rel=0.01)
    assert report.bytes_transferred * 8 / clock.slept / 1e6 == pytest.approx(40, rel=0.06)


def test_files_left_by_an_earlier_run_stay_in_the_manifest_when_a_run_stops(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900090", title="Earlier")
    for kind in (T.PRINTMASTER, T.ME, T.SHOW_GUIDE):
        materials.material("81900090", kind, size=300_000)
    files = select_materials(portal_client, Selection(title="Earlier"))
    download_files(portal_client, files, tmp_path)
    (tmp_path / files[1].relpath).unlink()  # the middle one goes missing
    with pytest.raises(StorageError, match="the disk is full"):
        download_files(
            portal_client,
            files,
            tmp_path,
            concurrency=1,
            progress=Breaker(100_000, OSError(errno.ENOSPC, "x")),
        )
    manifest = {r["path"]: r["status"] for r in json.loads((tmp_path / "manifest.json").read_text())}
    assert [manifest[f.relpath] for f in files] == ["present", "partial", "present"]
