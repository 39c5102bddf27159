"""Flow: the Excel export of a request's package, stored in the blob store and linked from an artifact.

Started from the workspace's button (or ``prefect deployment run export/export``); the command
line writes the same workbook to a local file with ``slate export request``.
"""

from __future__ import annotations

from prefect import flow

from tasks.reports import export_workbook


@flow(name="export", flow_run_name="export {request_id}")
def export(request_id: str) -> str:
    """Export ``request_id``'s package; returns the blob key of the workbook."""
    return export_workbook(request_id).key
