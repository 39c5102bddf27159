"""The domain model: enumerations and records. Validators may import this package, nothing else of Slate."""

from slate.models._enums import (
    AssetCategory,
    AssetColor,
    DeliveryOutcome,
    DispatchState,
    MaterialStatus,
    PortalStatus,
    RejectionOrigin,
    ServiceType,
    SourceType,
)
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
)

__all__ = [
    "ID_MAX_LENGTH",
    "ID_PATTERN",
    "Asset",
    "AssetCategory",
    "AssetColor",
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
]
