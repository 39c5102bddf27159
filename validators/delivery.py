"""Delivery preconditions: what the file about to go must be, checked on plain values.

The request's and the version's states (Service Type set, material ACCEPTED, the version
LIGHT_BLUE and the request's own) are the lifecycle state machine's rules, checked by its
``deliver`` transition and nowhere else. This validator checks what the state machine cannot see:

* ``DELIVERY_REQUEST_STATUS`` — the portal accepts files only while the request is OPEN or
  REDELIVERY_REQUESTED (the portal's status, which Slate mirrors but does not drive);
* ``DELIVERY_FILE_KIND`` — the file's extension (and the stored probe, when there is one) fits the
  source type's asset category: a WAV for audio, TTML/SCC/… for timed text; an IMF package (a ZIP
  that ingest summarised as ``format: imf``) is video material, sent by the portal's IMF call;
* ``DELIVERY_LANGUAGE`` — the file's language, when known, is the request's (``*`` takes any);
* ``DELIVERY_CHECKSUM`` — the bytes still match the stored size, MD5 and SHA-256.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from slate.models import (
    FILE_EXTENSIONS,
    AssetCategory,
    AssetVersion,
    PortalStatus,
    SourceRequest,
    SourceType,
    category_of,
)
from validators.base import Finding, QCContext, Report, Severity

__all__ = ["DeliveryCandidate", "validate"]

_DELIVERABLE = (PortalStatus.OPEN, PortalStatus.REDELIVERY_REQUESTED)

#: ISO 639-2 codes (as media containers tag streams) to the ISO 639-1 codes requests use.
_ISO_639_2 = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "ita": "it",
    "por": "pt",
    "jpn": "ja",
    "kor": "ko",
    "zho": "zh",
    "chi": "zh",
    "ara": "ar",
    "hin": "hi",
    "tha": "th",
    "rus": "ru",
    "nld": "nl",
    "dut": "nl",
    "swe": "sv",
    "nor": "no",
    "dan": "da",
    "fin": "fi",
    "pol": "pl",
    "tur": "tr",
    "heb": "he",
    "ind": "id",
    "vie": "vi",
}


class DeliveryCandidate(BaseModel):
    """A file about to be delivered: what the request asks for, what is stored, what was measured now."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    source_type: SourceType
    #: The request's language (``*`` takes any).
    language: str
    portal_status: PortalStatus
    file_name: str
    #: The stored probe (ffprobe summary), empty when the file is not media.
    probe: dict[str, Any] = {}
    #: Size and digests recorded when the version was stored.
    size: int
    md5: str
    sha256: str
    #: Digests and size recomputed from the stored bytes (None: not recomputed).
    recomputed_md5: str | None = None
    recomputed_sha256: str | None = None
    recomputed_size: int | None = None
    #: The language the file declares (``xml:lang``, an IMF language tag), when known.
    file_language: str | None = None

    @classmethod
    def of(cls, request: SourceRequest, version: AssetVersion, **measured: Any) -> DeliveryCandidate:
        """The candidate for a version of a request, with the figures measured of its bytes."""
        return cls(
            request_id=request.request_id,
            source_type=request.source_type,
            language=request.language,
            portal_status=request.portal_status,
            file_name=version.file_name,
            probe=version.probe,
            size=version.size,
            md5=version.md5,
            sha256=version.sha256,
            **measured,
        )


def validate(subject: DeliveryCandidate, context: QCContext) -> Report:
    """All delivery preconditions of one candidate; a clean report means its content may be delivered."""
    findings = [*_status(subject), *_file_kind(subject), *_language(subject), *_checksums(subject)]
    return Report(
        subject=f"{subject.request_id} {subject.file_name}",
        profile=context.profile_name,
        findings=findings,
        measurements={"category": subject.source_type.category.value},
    )


def _blocker(code: str, message: str, rule: str, **evidence: Any) -> Finding:
    return Finding(code=code, severity=Severity.BLOCKER, message=message, rule=rule, evidence=evidence)


def _status(subject: DeliveryCandidate) -> list[Finding]:
    if subject.portal_status in _DELIVERABLE:
        return []
    return [
        _blocker(
            "DELIVERY_REQUEST_STATUS",
            f"request {subject.request_id} is {subject.portal_status.value} on the portal",
            "the portal takes files for requests that are OPEN or REDELIVERY_REQUESTED",
            portal_status=subject.portal_status.value,
        )
    ]


def _file_kind(subject: DeliveryCandidate) -> list[Finding]:
    category = subject.source_type.category
    suffix = "." + subject.file_name.rsplit(".", 1)[-1].lower() if "." in subject.file_name else ""
    problems = []
    imf_package = subject.probe.get("format") == "imf" and category is AssetCategory.VIDEO
    if category_of(subject.file_name) is not category and not imf_package:
        problems.append(f"a {suffix or 'extension-less'} file is not {category.value} material")
    kinds = _stream_kinds(subject.probe)
    if kinds is not None:
        if category is AssetCategory.AUDIO and ("audio" not in kinds or "video" in kinds):
            problems.append(f"the probe shows {sorted(kinds) or 'no'} streams, not audio only")
        if category is AssetCategory.VIDEO and "video" not in kinds:
            problems.append("the probe shows no video stream")
    return [
        _blocker(
            "DELIVERY_FILE_KIND",
            f"{subject.file_name}: {problem} ({subject.source_type.value})",
            f"{subject.source_type.value} takes {', '.join(sorted(FILE_EXTENSIONS[category]))} files",
            file_name=subject.file_name,
            source_type=subject.source_type.value,
            category=category.value,
            streams=sorted(kinds) if kinds is not None else None,
        )
        for problem in problems
    ]


def _stream_kinds(probe: dict[str, Any]) -> set[str] | None:
    streams = probe.get("streams")
    if not isinstance(streams, list | tuple):
        return None
    return {str(s.get("codec_type")) for s in streams if isinstance(s, dict)}


def _language(subject: DeliveryCandidate) -> list[Finding]:
    wanted = subject.language
    declared = subject.file_language or _probe_language(subject.probe)
    if declared is None or wanted == "*" or _same_language(declared, wanted):
        return []
    return [
        _blocker(
            "DELIVERY_LANGUAGE",
            f"the file is in {declared!r}, the request asks for {wanted!r}",
            "the file's language tag matches the request's exactly",
            file_language=declared,
            request_language=wanted,
        )
    ]


def _probe_language(probe: dict[str, Any]) -> str | None:
    for stream in probe.get("streams") or []:
        if isinstance(stream, dict):
            tag = (stream.get("tags") or {}).get("language")
            if tag and tag != "und":
                return str(tag)
    return None


def _same_language(declared: str, wanted: str) -> bool:
    a, b = declared.lower().replace("_", "-"), wanted.lower().replace("_", "-")
    if a in _ISO_639_2:  # a container's three-letter tag carries no region: compare the language
        return _ISO_639_2[a] == b.split("-")[0]
    return a == b


def _checksums(subject: DeliveryCandidate) -> list[Finding]:
    pairs = [
        ("size", subject.size, subject.recomputed_size),
        ("md5", subject.md5, subject.recomputed_md5),
        ("sha256", subject.sha256, subject.recomputed_sha256),
    ]
    checked = [(name, stored, now) for name, stored, now in pairs if now is not None]
    if not checked:
        return [
            Finding(
                code="DELIVERY_CHECKSUM",
                severity=Severity.WARNING,
                message=f"{subject.file_name}: the stored checksums were not verified",
                rule="the bytes match the stored size and digests",
            )
        ]
    return [
        _blocker(
            "DELIVERY_CHECKSUM",
            f"{subject.file_name}: {name} is {now}, stored {stored}",
            "the bytes match the stored size and digests",
            what=name,
            stored=stored,
            recomputed=now,
        )
        for name, stored, now in checked
        if str(stored).lower() != str(now).lower()
    ]
