"""The enumerations of the domain. Values are the strings stored in the database and sent on the wire."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AssetCategory",
    "AssetColor",
    "DeliveryOutcome",
    "MaterialStatus",
    "PortalStatus",
    "RejectionOrigin",
    "ServiceType",
    "SourceType",
]


class MaterialStatus(StrEnum):
    """The vendor's own view of an assignment's material."""

    NOT_RECEIVED = "NOT_RECEIVED"  # assigned, nothing uploaded yet
    RECEIVED = "RECEIVED"  # a file is stored, not yet validated or approved
    ACCEPTED = "ACCEPTED"  # validated clean or approved by an operator; ready to deliver
    DELIVERED = "DELIVERED"  # delivered to the portal
    REDELIVERY_REQUESTED = "REDELIVERY_REQUESTED"  # rejected by the portal's QC or by us
    CANCELED = "CANCELED"  # the portal canceled the request


class AssetRole(StrEnum):
    """What an asset of a request holds: the vendor's own work, or the portal's reference material.

    Only a deliverable has a "current version" that is validated and delivered; materials (the
    portal's proxies, templates) are shown beside it, never in its place.
    """

    DELIVERABLE = "deliverable"  # the file the request asks the vendor for
    MATERIAL = "material"  # a reference the portal gave (a proxy, a template)


class AssetColor(StrEnum):
    """The colour of one stored asset version, as the portal shows it."""

    GRAY = "GRAY"  # not available
    LIGHT_BLUE = "LIGHT_BLUE"  # active: the version that can be delivered
    DARK_BLUE = "DARK_BLUE"  # upgraded: superseded by a newer version
    RED = "RED"  # rejected, redelivery requested

    @property
    def current(self) -> bool:
        """Whether a version of this colour is its asset's current one (neither superseded nor rejected)."""
        return self in (AssetColor.GRAY, AssetColor.LIGHT_BLUE)


class PortalStatus(StrEnum):
    """The portal's status of a source request; shown beside ours, never merged into it."""

    OPEN = "OPEN"
    DELIVERED = "DELIVERED"
    PROCESSED = "PROCESSED"
    REDELIVERY_REQUESTED = "REDELIVERY_REQUESTED"
    ACCEPTED = "ACCEPTED"
    CANCELED = "CANCELED"
    UPGRADED = "UPGRADED"


class AssetCategory(StrEnum):
    """The portal's four asset columns."""

    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    TIMED_TEXT = "TIMED_TEXT"
    DOCS = "DOCS"


class SourceType(StrEnum):
    """What a source request asks for. Each type belongs to one :class:`AssetCategory`."""

    AV_MUXED = "AV_MUXED"
    SECONDARY_AV_MUXED = "SECONDARY_AV_MUXED"
    AUDIO_PRINTMASTER = "AUDIO_PRINTMASTER"
    AUDIO_ME = "AUDIO_ME"
    SECONDARY_AUDIO = "SECONDARY_AUDIO"
    AUDIO_DESCRIPTION = "AUDIO_DESCRIPTION"
    SUBTITLE = "SUBTITLE"
    SDH_CC = "SDH_CC"
    FORCED_NARRATIVE = "FORCED_NARRATIVE"
    ENGLISH_TEMPLATE = "ENGLISH_TEMPLATE"
    SHOW_GUIDE = "SHOW_GUIDE"
    ME_NOTES = "ME_NOTES"
    DIALOG_LIST = "DIALOG_LIST"
    FINAL_SCRIPT = "FINAL_SCRIPT"
    LOCKED_PROXY = "LOCKED_PROXY"
    FINAL_PROXY = "FINAL_PROXY"

    @property
    def category(self) -> AssetCategory:
        """The asset column this source type falls in."""
        return _CATEGORY[self]


_CATEGORY: dict[SourceType, AssetCategory] = {
    SourceType.AV_MUXED: AssetCategory.VIDEO,
    SourceType.SECONDARY_AV_MUXED: AssetCategory.VIDEO,
    SourceType.LOCKED_PROXY: AssetCategory.VIDEO,
    SourceType.FINAL_PROXY: AssetCategory.VIDEO,
    SourceType.AUDIO_PRINTMASTER: AssetCategory.AUDIO,
    SourceType.AUDIO_ME: AssetCategory.AUDIO,
    SourceType.SECONDARY_AUDIO: AssetCategory.AUDIO,
    SourceType.AUDIO_DESCRIPTION: AssetCategory.AUDIO,
    SourceType.SUBTITLE: AssetCategory.TIMED_TEXT,
    SourceType.SDH_CC: AssetCategory.TIMED_TEXT,
    SourceType.FORCED_NARRATIVE: AssetCategory.TIMED_TEXT,
    SourceType.ENGLISH_TEMPLATE: AssetCategory.TIMED_TEXT,
    SourceType.SHOW_GUIDE: AssetCategory.DOCS,
    SourceType.ME_NOTES: AssetCategory.DOCS,
    SourceType.DIALOG_LIST: AssetCategory.DOCS,
    SourceType.FINAL_SCRIPT: AssetCategory.DOCS,
}


class ServiceType(StrEnum):
    """The vendor's service for a request; required before delivery. ``OTHER`` carries text."""

    SUBTITLING = "SUBTITLING"
    SDH = "SDH"
    FORCED_NARRATIVE = "FORCED_NARRATIVE"
    TEMPLATE_CREATION = "TEMPLATE_CREATION"
    DUBBING = "DUBBING"
    AUDIO_DESCRIPTION = "AUDIO_DESCRIPTION"
    MIXING = "MIXING"
    MASTERING_CONFORM = "MASTERING_CONFORM"
    ENCODING = "ENCODING"
    QC = "QC"
    OTHER = "OTHER"


class DeliveryOutcome(StrEnum):
    """Where one delivery attempt stands."""

    PENDING = "PENDING"  # started, not yet confirmed by the portal
    DELIVERED = "DELIVERED"  # the portal has the file
    FAILED = "FAILED"  # the transfer or the portal's inspection failed
    ACCEPTED = "ACCEPTED"  # the portal accepted it


class RejectionOrigin(StrEnum):
    """Who rejected a version."""

    PORTAL = "PORTAL"
    INTERNAL = "INTERNAL"


class DispatchState(StrEnum):
    """Where an accepted portal webhook stands in the outbox (pending, dispatched, ignored, failed)."""

    #: Stored; no flow run yet (new, or the last attempt failed and will be retried).
    PENDING = "pending"
    #: A flow run was created for it; ``flow_run_id`` says which.
    DISPATCHED = "dispatched"
    #: No route for its type: recorded, deliberately not run.
    IGNORED = "ignored"
    #: Non-transient errors until the attempt limit; an operator can requeue it.
    FAILED = "failed"
