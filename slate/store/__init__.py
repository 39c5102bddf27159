"""The domain database: rows, the connection and its migrations, and the queries Slate needs."""

from slate.store._database import Database, open_database
from slate.store._schema import (
    AssetRow,
    AssetVersionRow,
    AuditEventRow,
    Base,
    DeliveryRow,
    RejectionRow,
    SourceRequestRow,
)

__all__ = [
    "AssetRow",
    "AssetVersionRow",
    "AuditEventRow",
    "Base",
    "Database",
    "DeliveryRow",
    "RejectionRow",
    "SourceRequestRow",
    "open_database",
]
