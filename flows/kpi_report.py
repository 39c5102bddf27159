"""Flow: the programme's KPIs, charted and posted as an artifact; an event for each one missed.

Scheduled (prefect.yaml); an automation on ``slate.kpi.threshold-crossed`` can notify someone.
"""

from __future__ import annotations

from prefect import flow

from tasks.reports import kpi_report_task


@flow(name="kpi-report")
def kpi_report(quarters_back: int = 4) -> dict[str, object]:
    """KPIs of the last ``quarters_back`` quarters and 30 days; the chart's key and what was missed."""
    return kpi_report_task(quarters_back)
