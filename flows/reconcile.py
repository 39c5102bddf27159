"""Flow: scheduled reconciliation with the portal — repairs whatever a webhook missed."""

from __future__ import annotations

from typing import TypeVar, cast

from prefect import flow
from prefect.utilities.annotations import quote

from slate.reconcile import Change, ChangeKind
from slate.settings import get_settings
from tasks.downloads import sync_proxies_task
from tasks.reconcile import (
    apply_redelivery_requests,
    apply_request_chunk,
    dispatch_stored_webhooks,
    failed_inspections,
    failed_records,
    fetch_changes,
    publish_changes,
    record_delivery_verdicts,
    save_watermarks,
)

T = TypeVar("T")


def _whole(items: T) -> T:
    """Hand a large list to a task as is: Prefect would otherwise walk every item for futures, twice."""
    return cast(T, quote(items))


@flow(name="reconcile")
def reconcile() -> int:
    """Apply the portal's changes since the watermark; returns how many things changed."""
    requests, redeliveries = fetch_changes()
    old_requests, old_redeliveries = failed_records(_whole(requests), _whole(redeliveries))
    size = get_settings().reconcile_page_size
    changes = []
    todo = requests + old_requests
    for start in range(0, len(todo), size):
        changes += apply_request_chunk(_whole(todo[start : start + size]))
    found = failed_inspections(_whole(requests))
    changes += apply_redelivery_requests(_whole(redeliveries + old_redeliveries + found))
    changes += record_delivery_verdicts(_whole(requests))
    save_watermarks(_whole(requests), _whole(redeliveries), _whole(changes))
    changes += [
        Change(request_id=p.request_id, kind=ChangeKind.PROXY, detail=f"{p.kind.value} attached")
        for p in sync_proxies_task()
        if p.outcome == "attached"
    ]
    started = dispatch_stored_webhooks()
    if started:
        changes.append(
            Change(
                request_id="-",
                kind=ChangeKind.WEBHOOKS,
                detail=f"{started} stored event(s) started",
            )
        )
    publish_changes(changes, len(requests) + len(redeliveries))
    return len(
        [c for c in changes if c.kind not in (ChangeKind.SKIPPED, ChangeKind.RETRY, ChangeKind.FAILED)]
    )
