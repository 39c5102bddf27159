"""The work of bench/pipeline.py: the assignments and their files, CPU accounting, the direct run.

The direct run does what the stack's flows do for each assignment (intake from the portal's
record, ingest, QC with the validators the flows use, acceptance, delivery) by plain calls in this
one process, against an emulator of its own, so the stack's figures can be set beside the cost
of the domain work alone. Prefect is imported only through ``tasks.qc`` and ``tasks.deliver``,
whose plain functions (``validate_file``, ``qc_context``, ``check_preconditions``) never call it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _portal import BenchPortal

from slate import lifecycle
from slate.backlot import HttpPortalClient
from slate.delivery import deliver_request, version_to_deliver
from slate.downloads.proxy_sync import program_timing
from slate.errors import PortalRejected
from slate.ingest import ingest_file, materialize
from slate.intake import sync_request
from slate.media import synth
from slate.models import MaterialStatus
from slate.objects import BlobStore, open_blob_store
from slate.settings import get_settings
from slate.store import Database, QCReportRow, SourceRequestRow, get_request, open_database
from tasks.deliver import check_preconditions, parse_service
from tasks.qc import qc_context, qc_kind, validate_file

ACTOR = "bench"
#: Lines of a clean subtitle file: four events of 2 s, inside a 20 s programme, short enough to read.
LINES = {
    "en": ["Where were you last night?", "At home. Alone.", "That is not what she said.", "Then she lied."],
    "es": ["¿Dónde estabas anoche?", "En casa. Sola.", "Eso no es lo que ella dijo.", "Entonces mintió."],
    "fr": ["Où étais-tu hier soir ?", "Chez moi. Seule.", "Ce n'est pas ce qu'elle a dit.", "Elle a menti."],
    "de": ["Wo warst du gestern Abend?", "Zu Hause. Allein.", "Das hat sie nicht gesagt.", "Dann log sie."],
}
#: (source type, language, Service Type, audio channels): the clean material, cycled over N.
SUBTITLES = [
    ("SUBTITLE", "en", "SUBTITLING", None),
    ("SUBTITLE", "es", "SUBTITLING", None),
    ("SUBTITLE", "fr", "SUBTITLING", None),
    ("SUBTITLE", "de", "SUBTITLING", None),
    ("SDH_CC", "en", "SDH", None),
    ("FORCED_NARRATIVE", "en", "FORCED_NARRATIVE", None),
]
MIXED = [*SUBTITLES, ("AUDIO_PRINTMASTER", "en", "MIXING", 6), ("AV_MUXED", "en", "MASTERING_CONFORM", None)]


@dataclass
class Item:
    """One assignment: what the studio asks for and the vendor's (clean) file for it."""

    index: int
    source_type: str
    language: str
    service: str
    channels: int | None
    source: Path
    episode: int

    def spec(self) -> dict[str, Any]:
        """The studio's assignment, as the emulator's admin API takes it."""
        return {
            "movieId": "81900100",
            "title": "Bench Reel",
            "showName": "Bench Reel",
            "seasonNumber": 1,
            "episodeNumber": self.episode,
            "episodeTitle": f"Reel {self.episode}",
            "packageId": "PKG-BENCH",
            "sourceType": self.source_type,
            "language": self.language,
            "audioChannels": self.channels,
        }


def make_items(n: int, media: Path, mixed: bool) -> list[Item]:
    """N assignments cycling over the mix, each subtitle file its own; audio and AV files shared."""
    mix = MIXED if mixed else SUBTITLES
    shared: dict[str, Path] = {}
    items = []
    for index in range(n):
        source_type, language, service, channels = mix[index % len(mix)]
        episode = index // len(mix) + 1
        source = _file(source_type, language, index, media, shared)
        items.append(Item(index, source_type, language, service, channels, source, episode))
    return items


def _file(source_type: str, language: str, index: int, media: Path, shared: dict[str, Path]) -> Path:
    if source_type == "AUDIO_PRINTMASTER":
        if source_type not in shared:
            shared[source_type] = synth.printmaster(media / "printmaster_51.wav")
        return shared[source_type]
    if source_type == "AV_MUXED":
        if source_type not in shared:
            shared[source_type] = synth.av_file(media / "av.mp4", seconds=20)
        return shared[source_type]
    lines = list(LINES[language])
    if source_type == "SDH_CC":
        lines = ["[door slams]", *lines[:2]]
    elif source_type == "FORCED_NARRATIVE":
        lines = lines[:1]
    lines[-1] = f"{lines[-1]} ({index + 1})"  # each file its own bytes, as each assignment's would be
    name = f"{index + 1:03d}_{source_type.lower()}_{language}.xml"
    return synth.subtitle_ttml(media / name, lines, lang=language)


# --- CPU accounting of process trees (Linux /proc) ---

_TICK = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, tuple[int, float]]:
    """pid → (parent pid, CPU seconds of the process and of its children it has reaped)."""
    found: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        found[int(stat.parent.name)] = (int(fields[1]), ticks / _TICK)
    return found


def tree_cpu(roots: Iterable[int]) -> dict[int, float]:
    """CPU seconds of each root's process tree: live descendants plus every exited child reaped.

    A child's CPU moves into its parent's ``cutime``/``cstime`` when the parent reaps it, so a
    flow-run process that started and ended between two readings is still counted. (A grandchild
    orphaned before being reaped would be lost; the stack's parts reap their children.)
    """
    stats = _stats()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)
    totals = {}
    for root in roots:
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            if pid in stats:
                total += stats[pid][1]
                stack.extend(children[pid])
        totals[root] = total
    return totals


# --- the direct run ---


@dataclass
class DirectRun:
    """What the direct run took: wall, CPU (this process and its emulator), and each step's times."""

    seconds: float
    cpu: float
    emulator_cpu: float
    steps: dict[str, list[float]] = field(default_factory=dict)


class _Steps:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.times[name].append(time.perf_counter() - began)


def run_direct(items: list[Item], portal: BenchPortal) -> DirectRun:
    """Every assignment from its creation on the portal to DELIVERED, one after the other, no Prefect."""
    settings = get_settings()
    database = open_database()
    blobs = open_blob_store()
    client = HttpPortalClient.from_settings()
    step = _Steps()
    try:
        with suppress(
            PortalRejected
        ):  # a 404, after logging in: the clock starts with a token, as the stack's
            client.list_deliveries("SR-NONE")
        before = tree_cpu([os.getpid(), portal.pid])
        began = time.perf_counter()
        for item in items:
            with step("assign (emulator admin)"):
                request_id = str(portal.call("POST", "/assignments", json=item.spec())["requestId"])
            with step("intake"):
                record = client.get_source_request(request_id)
                with database.session() as session:
                    sync_request(session, record, actor=ACTOR)
            with step("ingest"):
                ingest_file(database, blobs, request_id, str(item.source), actor=ACTOR)
            with step("QC"):
                version_id = _qc(database, blobs, request_id)
            with step("accept"), database.session() as session:
                lifecycle.apply(
                    session,
                    request_id,
                    "accept",
                    actor=ACTOR,
                    reason="validated: no blocker",
                    version_id=version_id,
                )
            with step("deliver"):
                deliver_request(
                    database, blobs, client, request_id,
                    service=parse_service(item.service), rate_mbps=settings.delivery_rate_mbps, actor=ACTOR,
                    preflight=check_preconditions, lease_seconds=settings.delivery_lease_seconds,
                )  # fmt: skip
            with database.session() as session:
                status = get_request(session, request_id).material_status
            if status is not MaterialStatus.DELIVERED:
                raise RuntimeError(f"direct run: {request_id} ended {status.value}, not DELIVERED")
        seconds = time.perf_counter() - began
        after = tree_cpu([os.getpid(), portal.pid])
    finally:
        client.close()
        database.dispose()
    emulator = after[portal.pid] - before[portal.pid]
    # This process's tree holds the emulator (its child): count it once.
    own = after[os.getpid()] - before[os.getpid()]
    return DirectRun(seconds, own, emulator, dict(step.times))


def _qc(database: Database, blobs: BlobStore, request_id: str) -> int:
    """What the ``run QC`` task does, minus its artifact: validate the current version, store the report."""
    version = version_to_deliver(database, request_id)
    with database.session() as session:
        request = get_request(session, request_id)
    kind = qc_kind(request.source_type)
    context = qc_context(request, kind or "none", program_timing(database, blobs, request_id))
    with tempfile.TemporaryDirectory(prefix="slate-bench-qc-") as scratch:
        path = materialize(blobs, version.blob_key, Path(scratch))
        report = validate_file(path, kind, context, subject=version.file_name)
    if report.blocked:
        codes = sorted({f.code for f in report.findings if f.severity >= 2})
        raise RuntimeError(f"direct run: {request_id} ({version.file_name}) is not clean: {codes}")
    with database.session() as session:
        session.add(
            QCReportRow(
                version_id=version.version_id,
                request_id=request_id,
                profile=report.profile,
                worst=str(report.worst) if report.worst is not None else None,
                blocked=report.blocked,
                report=report.model_dump(mode="json"),
                created_at=datetime.now(UTC),
            )
        )
    return version.version_id


def material_statuses(database: Database, request_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """request id → (material status, portal status) of those Slate knows."""
    from sqlalchemy import select

    ids = list(request_ids)
    with database.session() as session:
        row = SourceRequestRow
        query = select(row.request_id, row.material_status, row.portal_status).where(row.request_id.in_(ids))
        rows = session.execute(query)
        return {r: (m, p) for r, m, p in rows}
