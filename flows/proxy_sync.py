"""Flow: store the proxies the portal reports and attach them to their requests.

Started by the webhook that announces a proxy (with its request id) or by reconciliation (all open
requests). Running it twice changes nothing the second time.
"""

from __future__ import annotations

from prefect import flow

from tasks.downloads import sync_proxies_task


@flow(name="proxy-sync", flow_run_name="proxy sync {request_ids}")
def proxy_sync(request_ids: list[str] | None = None) -> dict[str, int]:
    """Sync the proxies of ``request_ids`` (every open request when None); counts by outcome."""
    results = sync_proxies_task(request_ids)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
