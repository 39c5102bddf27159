"""The studio's rules for an IMF delivery, beyond SMPTE conformance.

The portal (``dam.md`` §4.1) accepts AV masters as IMF packages under rules of its own: the first
package of a title is complete; a supplemental package references its original version; no
secondary assets (dubs, timed text, immersive audio) travel inside; the language tag matches the
request's exactly; and five checks run on every delivery against the title's last processed CPL,
where each virtual track is *New*, *Modified* or *Unmodified*. Each broken rule is one ERROR
finding with a code ``STUDIO_…`` and a sentence an operator can act on;
:func:`require_deliverable` turns them into one refusal.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from slate.errors import InvalidInput
from slate.imf.findings import Finding, Findings
from slate.imf.models import Composition, Resource, Sequence
from slate.imf.package import Package
from slate.imf.timeline import MARKER

__all__ = [
    "ImfRequest",
    "StudioContext",
    "TrackStatus",
    "check_delivery",
    "require_deliverable",
    "track_statuses",
]

#: Sequences that carry secondary assets, which the studio takes as their own deliveries.
SECONDARY = {
    "MainSubtitleSequence",
    "SubtitlesSequence",
    "HearingImpairedCaptionsSequence",
    "VisuallyImpairedTextSequence",
    "CommentarySequence",
    "KaraokeSequence",
    "ForcedNarrativeSequence",
    "IABSequence",
    "MGASADMSignalSequence",
}


class TrackStatus(StrEnum):
    NEW = "New"
    MODIFIED = "Modified"
    UNMODIFIED = "Unmodified"


class ImfRequest(BaseModel):
    """One IMF request (SR) of the title: the virtual track it is about and whether it awaits one."""

    request_id: str
    track_id: str
    expecting_delivery: bool = True


class StudioContext(BaseModel):
    """What the portal knows about the title when a package is delivered."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    language: str
    original_language: str = ""
    title_has_complete_package: bool = False
    original: Package | None = None
    requests: list[ImfRequest] = Field(default_factory=list)
    delivering_to: list[str] = Field(default_factory=list)
    last_processed: Composition | None = None
    uploaded_track_files: set[str] = Field(default_factory=set)


def _signature(resources: list[Resource]) -> list[tuple[object, ...]]:
    return [(r.track_file_id, r.edit_rate, r.entry_point or 0, r.duration()) for r in resources]


def _track_resources(sequences: list[Sequence]) -> list[Resource]:
    return [r for s in sequences for r in s.resources]


def track_statuses(composition: Composition, last: Composition | None) -> dict[str, TrackStatus]:
    """Each virtual track of ``composition`` as New, Modified or Unmodified against ``last``."""
    before = last.tracks() if last is not None else {}
    statuses = {}
    for track_id, sequences in composition.tracks().items():
        if sequences[0].kind == MARKER:
            continue
        if track_id not in before:
            statuses[track_id] = TrackStatus.NEW
        elif _signature(_track_resources(sequences)) == _signature(_track_resources(before[track_id])):
            statuses[track_id] = TrackStatus.UNMODIFIED
        else:
            statuses[track_id] = TrackStatus.MODIFIED
    return statuses


def _audio_languages(composition: Composition) -> set[str]:
    by_id = {d.id: d.descriptor for d in composition.descriptors}
    found = set()
    for sequences in composition.tracks().values():
        if sequences[0].kind != "MainAudioSequence":
            continue
        for resource in _track_resources(sequences):
            node = by_id.get(resource.source_encoding or "")
            if node is not None:
                found |= {n.text for n in node.walk() if n.name == "RFC5646SpokenLanguage" and n.text}
    return found


def _check_package_rules(
    package: Package, composition: Composition, context: StudioContext, out: Findings
) -> None:
    in_pkl = package.pkl_asset_ids()
    absent = {r.track_file_id for r in _all_resources(composition)} - in_pkl
    if absent and not context.title_has_complete_package:
        out.add(
            "STUDIO_FIRST_NOT_COMPLETE",
            "the first package of a title must be complete; this one "
            f"references {len(absent)} track file(s) it does not carry",
        )
    if absent and context.title_has_complete_package:
        known = context.original.pkl_asset_ids() if context.original is not None else set()
        missing = sorted(str(a) for a in absent - known)
        if context.original is None or missing:
            out.add(
                "STUDIO_SUPPLEMENTAL_ORIGINAL",
                "a supplemental package must reference its original "
                f"version; track files not found there: {', '.join(missing) or 'no original given'}",
            )
    kinds = sorted({s.kind for seg in composition.segments for s in seg.sequences} & SECONDARY)
    if kinds:
        out.add(
            "STUDIO_SECONDARY_ASSET",
            f"secondary assets are delivered on their own requests, not "
            f"inside the package: {', '.join(kinds)}",
        )


def _check_language(composition: Composition, context: StudioContext, out: Findings) -> None:
    wanted = context.original_language if context.language == "*" else context.language
    tags = _audio_languages(composition) | set(composition.languages)
    wrong = sorted(t for t in tags if t != wanted)
    if wrong:
        out.add(
            "STUDIO_LANGUAGE",
            f"language tag(s) {', '.join(wrong)} do not match the request's "
            f"{wanted!r} exactly (a dub or a regional tag blocks delivery)",
        )


def _all_resources(composition: Composition) -> list[Resource]:
    return [r for seg in composition.segments for s in seg.sequences if s.kind != MARKER for r in s.resources]


def _check_five(package: Package, composition: Composition, context: StudioContext, out: Findings) -> None:
    statuses = track_statuses(composition, context.last_processed)
    concerned = [r for r in context.requests if r.track_id in statuses]
    left_out = sorted(r.request_id for r in concerned if r.request_id not in context.delivering_to)
    if left_out:
        out.add(
            "STUDIO_PARTIAL_DELIVERY",
            f"the CPL must be delivered to all its IMF requests; left out: {', '.join(left_out)}",
        )
    for request in concerned:
        status = statuses[request.track_id]
        if request.expecting_delivery and status == TrackStatus.UNMODIFIED:
            out.add(
                "STUDIO_UNMODIFIED_EXPECTED",
                f"request {request.request_id} expects a delivery but track "
                f"{request.track_id} is unmodified since the last processed CPL",
            )
        if not request.expecting_delivery and status != TrackStatus.UNMODIFIED:
            out.add(
                "STUDIO_MODIFIED_UNEXPECTED",
                f"track {request.track_id} is {status.value.lower()} but "
                f"request {request.request_id} expects no delivery",
            )
    if context.last_processed is not None:
        for track_id in sorted(set(context.last_processed.tracks()) - set(composition.tracks())):
            out.add(
                "STUDIO_TRACK_MISSING",
                f"the CPL lacks track {track_id}, which a previous CPL delivered and the studio processed",
            )
    listed = package.pkl_asset_ids() | context.uploaded_track_files
    for file_id in sorted({str(r.track_file_id) for r in _all_resources(composition)} - listed):
        out.add(
            "STUDIO_ESSENCE_NOT_UPLOADED",
            f"track file {file_id} was never uploaded and is not in the PKL: include it in the package",
        )


def check_delivery(package: Package, cpl_id: str, context: StudioContext) -> list[Finding]:
    """Every studio rule CPL ``cpl_id`` of ``package`` breaks for this delivery."""
    composition = package.cpls[cpl_id]
    out = Findings(package.files.get(cpl_id, cpl_id))
    _check_package_rules(package, composition, context, out)
    _check_language(composition, context, out)
    _check_five(package, composition, context, out)
    return out.items


def require_deliverable(package: Package, cpl_id: str, context: StudioContext) -> dict[str, TrackStatus]:
    """The track statuses when the delivery may go; :class:`InvalidInput` naming every refusal if not."""
    findings = check_delivery(package, cpl_id, context)
    if findings:
        raise InvalidInput(
            "the IMF delivery is refused: " + "; ".join(f"{f.code}: {f.message}" for f in findings),
            codes=[f.code for f in findings],
        )
    return track_statuses(package.cpls[cpl_id], context.last_processed)
