"""The demo: a short season taken from the portal's assignments to its acceptance, on the embedded stack.

It drives only the outside of Slate, as people would: the studio (the emulator's admin API)
creates the assignments, whose webhooks start intake; the vendor's files are made with ffmpeg —
one printmaster with its channels in the wrong order and one subtitle file an hour off — and
handed to the ``lifecycle`` deployment; an operator's answer to each paused validation is
"auto-correct"; the studio's manual QC asks for one redelivery and accepts the rest;
reconciliation runs; a summary table closes. Everything else happens in Slate's flows, visible in
the Prefect UI. It can run again on the same stack: every run makes new assignments.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL, temporary_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from deployments.stack import StackInfo
from slate.media import synth
from slate.models import MaterialStatus
from slate.settings import Settings
from slate.store import Database, DeliveryRow, QCReportRow, get_request, open_database

__all__ = ["Item", "run_demo"]

LINES = {
    "en": ["Where were you last night?", "At home. Alone.", "That is not what she said.", "Then she lied."],
    "es": ["¿Dónde estabas anoche?", "En casa. Sola.", "Eso no es lo que ella dijo.", "Entonces mintió."],
}
#: The programme's length: the subtitles (events up to 15 s) must fit in it, or QC rightly blocks them.
PROGRAMME_SECONDS = 20
FINAL = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}


@dataclass
class Item:
    """One assignment of the demo: what the studio asks for and what is wrong with the vendor's file."""

    episode: int
    source_type: str
    language: str
    service: str
    channels: int | None = None
    defect: str = ""  # "mismap" (printmaster channel order) or "hour" (subtitles an hour late)
    request_id: str = ""
    run_id: UUID | None = None


def _season() -> list[Item]:
    items: list[Item] = []
    for ep in (1, 2):
        items += [
            Item(ep, "AV_MUXED", "en", "MASTERING_CONFORM"),
            Item(ep, "AUDIO_PRINTMASTER", "en", "MIXING", 6, "mismap" if ep == 1 else ""),
            Item(ep, "AUDIO_ME", "en", "MIXING", 6),
            Item(ep, "SUBTITLE", "en", "SUBTITLING", defect="hour" if ep == 1 else ""),
            Item(ep, "SUBTITLE", "es", "SUBTITLING"),
            Item(ep, "SDH_CC", "en", "SDH"),
            Item(ep, "FORCED_NARRATIVE", "en", "FORCED_NARRATIVE"),
            Item(ep, "DIALOG_LIST", "en", "OTHER: dialog list"),
        ]
    return items


def make_file(item: Item, media: Path) -> Path:
    """The vendor's file for ``item``, made with ffmpeg/espeak-ng (or as text)."""
    folder = media / f"ep{item.episode}"
    kind = item.source_type
    if kind == "AV_MUXED":
        return synth.av_file(folder / "av.mp4", seconds=PROGRAMME_SECONDS)
    if kind in ("AUDIO_PRINTMASTER", "AUDIO_ME"):
        order = (0, 2, 1, 3, 4, 5) if item.defect == "mismap" else (0, 1, 2, 3, 4, 5)  # L C R … is the mismap
        name = "printmaster_51.wav" if kind == "AUDIO_PRINTMASTER" else "me_51.wav"
        # As long as the programme: the portal's proxies of the AV file state its runtime, and QC
        # holds the audio to it once a proxy has arrived.
        return synth.printmaster(
            folder / name, seconds=PROGRAMME_SECONDS, order=order, dialogue=kind == "AUDIO_PRINTMASTER"
        )
    if kind == "DIALOG_LIST":
        return _text(folder / "dialog_list.txt", "\n".join(LINES["en"]))
    lines = {"SDH_CC": ["[door slams]", *LINES["en"][:2]], "FORCED_NARRATIVE": LINES["en"][:1]}.get(
        kind, LINES[item.language]
    )
    name = f"{kind.lower()}_{item.language}.xml"
    return synth.subtitle_ttml(
        folder / name, lines, lang=item.language, offset_hours=1 if item.defect == "hour" else 0
    )


def _text(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body + "\n", encoding="utf-8")
    return path


class Demo:
    """One run of the demo against a running stack."""

    def __init__(self, info: StackInfo, settings: Settings, console: Console) -> None:
        self.info = info
        self.console = console
        self.admin = httpx.Client(base_url=f"{info.emulator_url}/admin", timeout=120)
        self.database = open_database(settings.effective_database_url)
        self.media = settings.home / "demo-media" / time.strftime("%Y%m%d-%H%M%S")
        self.started = time.time()

    def say(self, text: str) -> None:
        self.console.print(f"[dim]{time.time() - self.started:6.1f}s[/] {text}")

    def assign(self, items: list[Item]) -> None:
        for item in items:
            spec = {
                "movieId": "81000100",
                "title": "The Long Night",
                "showName": "The Long Night",
                "seasonNumber": 1,
                "episodeNumber": item.episode,
                "episodeTitle": f"Chapter {item.episode}",
                "packageId": "PKG-LN-S1",
                "sourceType": item.source_type,
                "language": item.language,
                "audioChannels": item.channels,
            }
            response = self.admin.post("/assignments", json=spec)
            response.raise_for_status()
            item.request_id = response.json()["requestId"]
        self.say(f"the studio created {len(items)} assignments; their webhooks start intake")

    def wait_intake(self, items: list[Item], timeout: float = 300) -> None:
        wanted = {i.request_id for i in items}
        deadline = time.monotonic() + timeout
        while True:
            with self.database.session() as session:
                known = {r for r in wanted if _exists(session, r)}
            if known == wanted:
                self.say("every assignment is in Slate (NOT_RECEIVED)")
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"intake did not create {sorted(wanted - known)} within {timeout:.0f}s")
            time.sleep(1)

    def start_lifecycles(self, items: list[Item]) -> None:
        for item in items:
            source = make_file(item, self.media)
            run = run_deployment(
                "lifecycle/lifecycle",
                parameters={
                    "request_id": item.request_id,
                    "source": str(source),
                    "service_type": item.service,
                },
                timeout=0,
            )
            assert isinstance(run, FlowRun)  # the sync call returns the run, not a coroutine
            item.run_id = run.id
        self.say(f"made the vendor's {len(items)} files and started a lifecycle run for each")

    def steer(self, run_ids: list[UUID], timeout: float = 1200) -> None:
        """Answer each pause of a validation: auto-correct first; reject if it pauses again."""
        deadline = time.monotonic() + timeout
        answered: set[UUID] = set()  # pause states already answered
        asked: dict[UUID, int] = {}  # pauses per run
        with get_client(sync_client=True) as client:
            while True:
                states = {r: client.read_flow_run(r).state_type for r in run_ids}
                paused = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                    )
                )
                for run in paused:
                    if run.state is None or run.state.id in answered:
                        continue
                    answered.add(run.state.id)
                    asked[run.id] = asked.get(run.id, 0) + 1
                    self._answer(run.id, run.name, asked[run.id])
                if all(s in FINAL for s in states.values()):
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"runs still going after {timeout:.0f}s: {states}")
                time.sleep(2)

    def _answer(self, run_id: UUID, name: str, times: int) -> None:
        if times == 1:
            resume_flow_run(run_id, run_input={"action": "autocorrect"})
            self.say(f"operator: auto-correct for [bold]{name}[/]")
        else:
            reason = "auto-correction could not fix it; a new file is needed"
            resume_flow_run(run_id, run_input={"action": "reject", "reason": reason})
            self.say(f"operator: reject [bold]{name}[/] ({reason})")

    def studio_qc(self, redeliver: Item) -> None:
        """Manual QC asks for one redelivery (metadata only); Slate's redelivery run is steered to its end."""
        self.admin.post("/idle").raise_for_status()
        order = {"reasonCode": "METADATA_ONLY", "reason": "delivery metadata incomplete", "timecodes": []}
        self.admin.post(f"/requests/{redeliver.request_id}/redelivery", json=order).raise_for_status()
        self.say(
            f"the studio asks for a redelivery of {redeliver.request_id} ({redeliver.source_type} "
            f"{redeliver.language}); its webhook starts the redelivery flow"
        )
        run_id = self._find_run("redelivery", redeliver.request_id)
        self.steer([run_id])
        self.say("the redelivery run is over")

    def accept_all(self) -> int:
        """The studio accepts every delivery its inspection processed."""
        self.admin.post("/idle").raise_for_status()
        accepted = 0
        with self.database.session() as session:
            ids = [d for d in session.scalars(select(DeliveryRow.portal_delivery_id)) if d]
        for delivery_id in ids:
            if self.admin.post(f"/deliveries/{delivery_id}/accept").status_code == 200:
                accepted += 1
        return accepted

    def _find_run(self, deployment: str, request_id: str, timeout: float = 300) -> UUID:
        """The run of ``deployment`` for ``request_id`` (named after it once it starts)."""
        deadline = time.monotonic() + timeout
        wanted = FlowRunFilter(name=FlowRunFilterName(like_=f"{deployment} {request_id}"))
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                runs = client.read_flow_runs(flow_run_filter=wanted)
                if runs:
                    return runs[0].id
                time.sleep(2)
        raise RuntimeError(f"no {deployment} run for {request_id} within {timeout:.0f}s")


def _exists(session: Any, request_id: str) -> bool:
    from slate.store import SourceRequestRow

    return session.get(SourceRequestRow, request_id) is not None


def summary(database: Database, items: list[Item]) -> Table:
    """Request, type, material status, portal status, findings and deliveries, one row each."""
    table = Table(title="The Long Night, season 1: what Slate did", expand=True)
    for column in ("episode", "request", "type", "lang", "material", "portal", "findings", "deliveries"):
        table.add_column(column)
    with database.session() as session:
        for item in items:
            request = get_request(session, item.request_id)
            findings = session.scalar(
                select(func.count()).select_from(QCReportRow).where(QCReportRow.request_id == item.request_id)
            )
            reports = session.scalars(
                select(QCReportRow.report).where(QCReportRow.request_id == item.request_id)
            )
            codes = sorted({f["code"] for r in reports for f in r.get("findings", []) if f["severity"] >= 2})
            deliveries = session.scalar(
                select(func.count()).select_from(DeliveryRow).where(DeliveryRow.request_id == item.request_id)
            )
            table.add_row(
                str(item.episode), item.request_id, item.source_type, item.language,
                request.material_status.value, request.portal_status.value,
                ", ".join(codes) or ("clean" if findings else "-"), str(deliveries),
            )  # fmt: skip
    return table


def run_demo(info: StackInfo, settings: Settings, console: Console) -> bool:
    """Run the whole scenario on the stack ``info`` describes; True when everything ended delivered."""
    with temporary_settings(updates={PREFECT_API_URL: info.prefect_api_url}):
        demo = Demo(info, settings, console)
        items = _season()
        demo.assign(items)
        demo.wait_intake(items)
        demo.start_lifecycles(items)
        demo.steer([i.run_id for i in items if i.run_id is not None])
        demo.say("every lifecycle run is over")
        redeliver = next(
            i for i in items if i.episode == 2 and i.source_type == "SUBTITLE" and i.language == "es"
        )
        demo.studio_qc(redeliver)
        demo.say(f"the studio accepted {demo.accept_all()} deliveries")
        run_deployment("reconcile/reconcile", timeout=600)
        demo.say("reconcile ran: the portal's statuses are in Slate")
        console.print(summary(demo.database, items))
        with demo.database.session() as session:
            delivered = all(
                get_request(session, i.request_id).material_status is MaterialStatus.DELIVERED for i in items
            )
        demo.database.dispose()
    console.print(
        f"Prefect UI: [bold]{info.prefect_ui_url}[/] — the runs, their artifacts and QC reports are there."
    )
    return delivered
