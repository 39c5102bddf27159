"""The domain model: enumerations and records. Validators may import this package, nothing else of Slate."""

from slate.models._enums import (
    AssetCategory,
    AssetColor,
    AssetRole,
    DeliveryOutcome,
    DispatchState,
    MaterialStatus,
    PortalStatus,
    RejectionOrigin,
    ServiceType,
    SourceType,
)
from slate.models._files import FILE_EXTENSIONS, StoredFile, category_of
from slate.models._records import (
    ID_MAX_LENGTH,
    ID_PATTERN,
    Asset,
    AssetVersion,
    AuditEvent,
    Delivery,
    Rejection,
    Service,
    SourceRequest,
    version_label,
)

__all__ = [
    "FILE_EXTENSIONS",
    "ID_MAX_LENGTH",
    "ID_PATTERN",
    "Asset",
    "AssetCategory",
    "AssetColor",
    "AssetRole",
    "AssetVersion",
    "AuditEvent",
    "Delivery",
    "DeliveryOutcome",
    "DispatchState",
    "MaterialStatus",
    "PortalStatus",
    "Rejection",
    "RejectionOrigin",
    "Service",
    "ServiceType",
    "SourceRequest",
    "SourceType",
    "StoredFile",
    "category_of",
    "version_label",
]
