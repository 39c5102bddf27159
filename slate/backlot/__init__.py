"""The partner portal: its contract, the resilient client, and the local emulator.

Slate uses :class:`PortalClient` (the interface) and gets one from
:meth:`HttpPortalClient.from_settings`. The wire records are in the portal's vocabulary
(:class:`PortalSourceRequest`, :class:`DownloadAsset`, …); the webhook contract is in
:mod:`slate.backlot.webhooks`; the emulator is :mod:`slate.backlot.emulator`.
"""

from slate.backlot._client import HttpPortalClient
from slate.backlot._contract import (
    AssetState,
    CancelRequest,
    Comment,
    DeliveryDeclaration,
    DeliveryStatus,
    DownloadAsset,
    DownloadAssetSearch,
    DownloadAssetType,
    DownloadCategory,
    ImfDelivery,
    ImfDeliveryResult,
    ImfTrackState,
    ImfTrackStatus,
    InspectionReason,
    Manifest,
    ManifestEntry,
    ManifestQuery,
    NewComment,
    Page,
    PortalDelivery,
    PortalSourceRequest,
    QcOutcome,
    QcStatus,
    RedeliveryRequest,
    TimeBase,
)
from slate.backlot._errors import translate_errors
from slate.backlot._interface import DownloadResult, PortalClient, RateLimiter, iterate_pages
from slate.backlot._ratelimit import TokenBucket
from slate.backlot._transport import RetryPolicy

__all__ = [
    "AssetState",
    "CancelRequest",
    "Comment",
    "DeliveryDeclaration",
    "DeliveryStatus",
    "DownloadAsset",
    "DownloadAssetSearch",
    "DownloadAssetType",
    "DownloadCategory",
    "DownloadResult",
    "HttpPortalClient",
    "ImfDelivery",
    "ImfDeliveryResult",
    "ImfTrackState",
    "ImfTrackStatus",
    "InspectionReason",
    "Manifest",
    "ManifestEntry",
    "ManifestQuery",
    "NewComment",
    "Page",
    "PortalClient",
    "PortalDelivery",
    "PortalSourceRequest",
    "QcOutcome",
    "QcStatus",
    "RateLimiter",
    "RedeliveryRequest",
    "RetryPolicy",
    "TimeBase",
    "TokenBucket",
    "iterate_pages",
    "translate_errors",
]
