"""Reports people bill from: costs and the rate card, the request export, invoices, rejection metrics, KPIs.

Plain functions over a database session, with pydantic records out, so the command line, the
Prefect flows and the web workspace all show the same figures. Nothing here imports Prefect.
"""

from slate.reports._charts import crossed, kpi_chart, kpi_markdown
from slate.reports._costs import (
    add_cost,
    best_rates,
    cost_from_rate_card,
    costs_by_request,
    delivery_counts,
    list_rates,
    quantity_for,
    set_rate,
)
from slate.reports._export import ASSET_COLUMNS, HISTORY_COLUMNS, export_request, write_package_workbook
from slate.reports._invoice import billable_requests, make_invoice, period_bounds
from slate.reports._invoice_xlsx import INVOICE_COLUMNS, write_invoice_workbook
from slate.reports._kpi import (
    THRESHOLDS,
    CostlyItem,
    Kpi,
    KpiReport,
    costliest,
    kpi_overview,
    kpi_report,
    quarters,
)
from slate.reports._metrics import (
    DIMENSIONS,
    RejectionCount,
    RejectionFact,
    RejectionMetrics,
    rejection_metrics,
)
from slate.reports._models import (
    ANY,
    CostKind,
    CostLine,
    Currency,
    Invoice,
    InvoiceLine,
    InvoiceLineKind,
    NewCost,
    Rate,
    RateKind,
    RateSpec,
    RateUnit,
)
from slate.reports._package import AssetLine, HistoryLine, PackageReport, package_report
from slate.reports._runtime import runtimes
from slate.reports._settings import ReportSettings
from slate.reports._severity import SEVERITIES, Severity, severity_of

__all__ = [
    "ANY",
    "ASSET_COLUMNS",
    "DIMENSIONS",
    "HISTORY_COLUMNS",
    "INVOICE_COLUMNS",
    "SEVERITIES",
    "THRESHOLDS",
    "AssetLine",
    "CostKind",
    "CostLine",
    "CostlyItem",
    "Currency",
    "HistoryLine",
    "Invoice",
    "InvoiceLine",
    "InvoiceLineKind",
    "Kpi",
    "KpiReport",
    "NewCost",
    "PackageReport",
    "Rate",
    "RateKind",
    "RateSpec",
    "RateUnit",
    "RejectionCount",
    "RejectionFact",
    "RejectionMetrics",
    "ReportSettings",
    "Severity",
    "add_cost",
    "best_rates",
    "billable_requests",
    "cost_from_rate_card",
    "costliest",
    "costs_by_request",
    "crossed",
    "delivery_counts",
    "export_request",
    "kpi_chart",
    "kpi_markdown",
    "kpi_overview",
    "kpi_report",
    "list_rates",
    "make_invoice",
    "package_report",
    "period_bounds",
    "quantity_for",
    "quarters",
    "rejection_metrics",
    "runtimes",
    "set_rate",
    "severity_of",
    "write_invoice_workbook",
    "write_package_workbook",
]
