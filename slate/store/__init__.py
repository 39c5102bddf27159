"""The domain database: rows, the connection and its migrations, and the queries Slate needs."""

from slate.store import reconcile_failures as _reconcile_failures  # noqa: F401  # its table in Base
from slate.store._billing import CostLineRow, InvoicedRequestRow, InvoiceLineRow, InvoiceRow, RateRow
from slate.store._database import Database, open_database
from slate.store._queries import (
    audit_trail,
    current_version,
    deliverable_versions,
    get_request,
    get_version,
    list_requests,
    list_versions,
    update_request,
)
from slate.store._schema import (
    AssetRow,
    AssetVersionRow,
    AuditEventRow,
    Base,
    DeliveryRow,
    QCReportRow,
    RateBucketRow,
    RejectionRow,
    SourceRequestRow,
    WatermarkRow,
)

__all__ = [
    "AssetRow",
    "AssetVersionRow",
    "AuditEventRow",
    "Base",
    "CostLineRow",
    "Database",
    "DeliveryRow",
    "InvoiceLineRow",
    "InvoiceRow",
    "InvoicedRequestRow",
    "QCReportRow",
    "RateBucketRow",
    "RateRow",
    "RejectionRow",
    "SourceRequestRow",
    "WatermarkRow",
    "audit_trail",
    "current_version",
    "deliverable_versions",
    "get_request",
    "get_version",
    "list_requests",
    "list_versions",
    "open_database",
    "update_request",
]
