"""The portal's HTTP contract: the records it shows, in its own vocabulary.

These models are the wire format shared by the client and the emulator, so the two cannot drift.
Field names are the portal's (``requestId``, ``movieId``, ``sourceType``, ``dueDate``, ``qcStatus``…;
JSON uses camelCase, Python snake_case). Where Slate has its own record, a ``to_domain`` method maps
to :mod:`slate.models`, which keeps the rest of Slate ignorant of the portal's spelling.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from slate.models import (
    AssetCategory,
    PortalStatus,
    Service,
    ServiceType,
    SourceRequest,
    SourceType,
)

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
    "PortalDelivery",
    "PortalSourceRequest",
    "QcOutcome",
    "QcStatus",
    "RedeliveryRequest",
    "TimeBase",
]

T = TypeVar("T")


class _Wire(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields from the portal are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DownloadCategory(StrEnum):
    """The four columns of the portal's Download Materials page."""

    VIDEO = "Video"
    AUDIO = "Audio"
    TIMED_TEXT = "Timed Text"
    DOCS = "Docs"

    @property
    def domain(self) -> AssetCategory:
        """The same column in Slate's own enumeration."""
        return AssetCategory[self.name]


class DownloadAssetType(StrEnum):
    """What a downloadable material is; each belongs to one :class:`DownloadCategory`."""

    LOCKED_PROXY = "Locked Proxy"
    FINAL_PROXY = "Final Proxy"
    PRINTMASTER = "Printmaster"
    ME = "M&E"
    ENGLISH_TEMPLATE = "English Template"
    SUBTITLE = "Subtitle"
    CLOSED_CAPTION = "Closed Caption"
    SHOW_GUIDE = "Show Guide"
    ME_NOTES = "M&E Notes"
    DIALOG_LIST = "Dialog List"

    @property
    def category(self) -> DownloadCategory:
        """The column this type is listed in."""
        return _TYPE_CATEGORY[self]


_TYPE_CATEGORY = {
    DownloadAssetType.LOCKED_PROXY: DownloadCategory.VIDEO,
    DownloadAssetType.FINAL_PROXY: DownloadCategory.VIDEO,
    DownloadAssetType.PRINTMASTER: DownloadCategory.AUDIO,
    DownloadAssetType.ME: DownloadCategory.AUDIO,
    DownloadAssetType.ENGLISH_TEMPLATE: DownloadCategory.TIMED_TEXT,
    DownloadAssetType.SUBTITLE: DownloadCategory.TIMED_TEXT,
    DownloadAssetType.CLOSED_CAPTION: DownloadCategory.TIMED_TEXT,
    DownloadAssetType.SHOW_GUIDE: DownloadCategory.DOCS,
    DownloadAssetType.ME_NOTES: DownloadCategory.DOCS,
    DownloadAssetType.DIALOG_LIST: DownloadCategory.DOCS,
}


class AssetState(StrEnum):
    """Whether a material can be downloaded."""

    ACTIVE = "Active"
    NOT_AVAILABLE = "Not Available"
    UPGRADED = "Upgraded"  # superseded by a newer material of the same type


class TimeBase(StrEnum):
    """How a timed-text file counts time (TTML ``ttp:timeBase``)."""

    MEDIA = "media"
    SMPTE = "smpte"
    CLOCK = "clock"


class DeliveryStatus(StrEnum):
    """Where one delivery to the portal stands."""

    AWAITING_UPLOAD = "AWAITING_UPLOAD"  # metadata registered, no bytes yet
    PENDING_INSPECTION = "PENDING_INSPECTION"  # bytes received, automated inspection running
    PROCESSED = "PROCESSED"  # passed automated inspection, awaiting manual QC
    FAILED = "FAILED"  # failed automated inspection (see the QC outcome's reason code)
    REJECTED = "REJECTED"  # failed manual QC: a redelivery request was issued
    ACCEPTED = "ACCEPTED"  # final


class QcStatus(StrEnum):
    """The QC verdict on a delivery."""

    PENDING = "PENDING"
    PASSED = "PASSED"
    FAILED = "FAILED"


class InspectionReason(StrEnum):
    """Reason codes of the portal's automated inspection."""

    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    WRONG_FILE_TYPE = "WRONG_FILE_TYPE"
    TIMED_TEXT_UNPARSEABLE = "TIMED_TEXT_UNPARSEABLE"
    TIME_BASE_MISMATCH = "TIME_BASE_MISMATCH"
    AUDIO_CHANNEL_MISMATCH = "AUDIO_CHANNEL_MISMATCH"
    INSPECTION_ERROR = "INSPECTION_ERROR"  # the inspection itself could not run


class Page(_Wire, Generic[T]):
    """One page of a listing; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None = None


class PortalSourceRequest(_Wire):
    """A source request as the portal shows it: one deliverable asset of one title."""

    request_id: str
    movie_id: str
    title: str
    show_name: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    episode_title: str | None = None
    package_id: str | None = None
    source_type: SourceType
    language: str
    due_date: date | None = None
    status: PortalStatus
    content_partner: str
    fulfillment_partner: str | None = None
    #: Channels the delivered audio must have (audio and AV requests), e.g. 6 for 5.1.
    audio_channels: int | None = None
    runtime_seconds: Decimal | None = None
    created_at: datetime
    updated_at: datetime

    def to_domain(self) -> SourceRequest:
        """Slate's record of this request (material status starts as Slate's default)."""
        return SourceRequest(
            request_id=self.request_id,
            movie_id=self.movie_id,
            title=self.title,
            show_name=self.show_name,
            season=self.season_number,
            episode_number=self.episode_number,
            episode_title=self.episode_title,
            package_id=self.package_id,
            source_type=self.source_type,
            language=self.language,
            due_date=self.due_date,
            content_partner=self.content_partner,
            fulfillment_partner=self.fulfillment_partner,
            portal_status=self.status,
            runtime_seconds=self.runtime_seconds,
            audio_channels=self.audio_channels,
        )


class DeliveryDeclaration(_Wire):
    """What the vendor declares with a file: service, checksums, channel mapping, time base."""

    file_name: str = Field(min_length=1, max_length=255, pattern=r"^[^/\\]+$")
    size: int = Field(ge=0)
    md5: str = Field(pattern=r"^[0-9a-f]{32}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    service_type: ServiceType
    service_other: str | None = None
    #: Channel labels in file order, e.g. ``["L", "R", "C", "LFE", "Ls", "Rs"]``.
    channel_mapping: list[str] | None = None
    time_base: TimeBase | None = None
    #: Frame rate as a rational string, e.g. ``"24000/1001"``.
    frame_rate: str | None = Field(default=None, pattern=r"^\d+(/\d+)?$")

    @property
    def service(self) -> Service:
        """The declared service as Slate's record (validates the OTHER text rule)."""
        return Service(type=self.service_type, other=self.service_other)


class QcOutcome(_Wire):
    """The verdict of the portal's inspection or manual QC on one delivery."""

    status: QcStatus = QcStatus.PENDING
    reason_code: str | None = None
    message: str | None = None


class PortalDelivery(_Wire):
    """One file delivered (or being delivered) to a source request."""

    delivery_id: str
    request_id: str
    declaration: DeliveryDeclaration
    status: DeliveryStatus
    qc: QcOutcome = Field(default_factory=QcOutcome)
    bytes_received: int = 0
    created_at: datetime
    updated_at: datetime


class RedeliveryRequest(_Wire):
    """The portal asking for a new file: manual QC rejected a delivery."""

    redelivery_id: str
    request_id: str
    delivery_id: str | None = None
    reason_code: str
    reason: str
    timecodes: list[str] = Field(default_factory=list)
    created_at: datetime


class DownloadAsset(_Wire):
    """A material the vendor can download (a proxy, a printmaster, a template, a document)."""

    asset_id: str
    movie_id: str
    request_id: str | None = None
    category: DownloadCategory
    type: DownloadAssetType
    type_display_name: str
    state: AssetState
    language: str | None = None
    file_name: str
    size: int
    checksum: str
    checksum_algorithm: str = "sha256"
    qc_status: QcStatus = QcStatus.PASSED
    created_at: datetime
    #: For a locked proxy: the fulfillment partner whose name is burned into it (who it was made
    #: for, which need not be the request's partner today). None for other materials.
    watermark_partner: str | None = None


class DownloadAssetSearch(_Wire):
    """Body of ``searchDownloadAssets``: every list narrows the search; empty lists mean any."""

    request_ids: list[str] = Field(default_factory=list)
    movie_ids: list[str] = Field(default_factory=list)
    categories: list[DownloadCategory] = Field(default_factory=list)
    types: list[DownloadAssetType] = Field(default_factory=list)
    states: list[AssetState] = Field(default_factory=list)
    cursor: str | None = None
    limit: int = Field(default=100, ge=1, le=500)


class ManifestQuery(_Wire):
    """Body of ``getDownloadAssetsManifests``."""

    asset_ids: list[str] = Field(min_length=1, max_length=500)


class ManifestEntry(_Wire):
    """One file of a manifest, with where to fetch it."""

    asset_id: str
    type: DownloadAssetType
    type_display_name: str
    qc_status: QcStatus
    file_name: str
    size: int
    checksum: str
    checksum_algorithm: str = "sha256"
    download_path: str


class Manifest(_Wire):
    """The files to download for one title."""

    movie_id: str
    entries: list[ManifestEntry]


class Comment(_Wire):
    """A comment on a source request."""

    comment_id: str
    request_id: str
    author: str
    body: str
    created_at: datetime


class NewComment(_Wire):
    """Body of a new comment."""

    body: str = Field(min_length=1, max_length=10_000)


class CancelRequest(_Wire):
    """Body of ``/v1/requests/cancel`` and ``/uncancel``."""

    request_id: str
    reason: str = ""


class ImfTrackState(StrEnum):
    """What the portal made of one virtual track of a delivered CPL."""

    NEW = "NEW"
    MODIFIED = "MODIFIED"
    UNMODIFIED = "UNMODIFIED"
    ERROR = "ERROR"


class ImfDelivery(_Wire):
    """An IMF delivery: the package's ASSETMAP, PKL and CPL, to every IMF request the CPL answers.

    The track files travel apart (the portal's file transfer); this call declares the package.
    """

    request_ids: list[str]
    asset_map_xml: str
    packing_list_xml: str
    composition_playlist_xml: str


class ImfTrackStatus(_Wire):
    request_id: str
    track_id: str
    status: ImfTrackState


class ImfDeliveryResult(_Wire):
    """The portal's answer for one CPL: SUCCESS, or ERROR with the reasons; a status per track."""

    cpl_id: str
    status: Literal["SUCCESS", "ERROR"]
    errors: list[str] = Field(default_factory=list)
    track_status: list[ImfTrackStatus] = Field(default_factory=list)
