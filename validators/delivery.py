"""Delivery preconditions: what must hold before a version may go to the portal.

Checked over the domain records, not the file's content (audio and timed-text QC do that):

* ``DELIVERY_SERVICE_TYPE`` — the request has a Service Type (our own required field, domain §4);
* ``DELIVERY_VERSION_STATE`` — the version belongs to the request and is the active one (LIGHT_BLUE);
* ``DELIVERY_REQUEST_STATUS`` — the portal accepts files only while the request is OPEN or
  REDELIVERY_REQUESTED;
* ``DELIVERY_MATERIAL_STATUS`` — the material is ACCEPTED (the portal requires it before delivery);
* ``DELIVERY_FILE_KIND`` — the file's extension (and the stored probe, when there is one) fits the
  source type's asset category: a WAV for audio, TTML/SCC/… for timed text;
* ``DELIVERY_LANGUAGE`` — the file's language, when known, is the request's (``*`` takes any);
* ``DELIVERY_CHECKSUM`` — the bytes still match the stored size, MD5 and SHA-256.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from slate.models import (
    FILE_EXTENSIONS,
    AssetCategory,
    AssetColor,
    AssetVersion,
    MaterialStatus,
    PortalStatus,
    SourceRequest,
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
    """A version about to be delivered, with what was measured of its bytes just now."""

    model_config = ConfigDict(frozen=True)

    request: SourceRequest
    version: AssetVersion
    #: Digests and size recomputed from the stored bytes (None: not recomputed).
    recomputed_md5: str | None = None
    recomputed_sha256: str | None = None
    recomputed_size: int | None = None
    #: The language the file declares (``xml:lang``, an IMF language tag), when known.
    file_language: str | None = None


def validate(subject: DeliveryCandidate, context: QCContext) -> Report:
    """All delivery preconditions of one candidate; a clean report means it may be delivered."""
    request, version = subject.request, subject.version
    findings = [
        *_service(request),
        *_version(request, version),
        *_status(request),
        *_file_kind(request, version),
        *_language(subject),
        *_checksums(subject),
    ]
    return Report(
        subject=f"{request.request_id} v{version.number} {version.file_name}",
        profile=context.profile_name,
        findings=findings,
        measurements={"category": request.source_type.category.value, "color": version.color.value},
    )


def _blocker(code: str, message: str, rule: str, **evidence: Any) -> Finding:
    return Finding(code=code, severity=Severity.BLOCKER, message=message, rule=rule, evidence=evidence)


def _service(request: SourceRequest) -> list[Finding]:
    if request.service is not None:
        return []
    return [
        _blocker(
            "DELIVERY_SERVICE_TYPE",
            f"request {request.request_id} has no Service Type",
            "a Service Type is set before delivery",
            request_id=request.request_id,
        )
    ]


def _version(request: SourceRequest, version: AssetVersion) -> list[Finding]:
    findings = []
    if version.request_id != request.request_id:
        findings.append(
            _blocker(
                "DELIVERY_VERSION_STATE",
                f"version {version.version_id} belongs to request {version.request_id}, "
                f"not {request.request_id}",
                "the version delivered belongs to the request",
                version_request=version.request_id,
            )
        )
    if version.color is not AssetColor.LIGHT_BLUE:
        findings.append(
            _blocker(
                "DELIVERY_VERSION_STATE",
                f"version {version.number} is {version.color.value}, not the active one",
                "only the active (LIGHT_BLUE) version is delivered",
                color=version.color.value,
            )
        )
    return findings


def _status(request: SourceRequest) -> list[Finding]:
    findings = []
    if request.portal_status not in _DELIVERABLE:
        findings.append(
            _blocker(
                "DELIVERY_REQUEST_STATUS",
                f"request {request.request_id} is {request.portal_status.value} on the portal",
                "the portal takes files for requests that are OPEN or REDELIVERY_REQUESTED",
                portal_status=request.portal_status.value,
            )
        )
    if request.material_status is not MaterialStatus.ACCEPTED:
        findings.append(
            _blocker(
                "DELIVERY_MATERIAL_STATUS",
                f"the material of {request.request_id} is {request.material_status.value}, not ACCEPTED",
                "material is ACCEPTED (validated clean or approved) before delivery",
                material_status=request.material_status.value,
            )
        )
    return findings


def _file_kind(request: SourceRequest, version: AssetVersion) -> list[Finding]:
    category = request.source_type.category
    suffix = "." + version.file_name.rsplit(".", 1)[-1].lower() if "." in version.file_name else ""
    problems = []
    if category_of(version.file_name) is not category:
        problems.append(f"a {suffix or 'extension-less'} file is not {category.value} material")
    kinds = _stream_kinds(version.probe)
    if kinds is not None:
        if category is AssetCategory.AUDIO and ("audio" not in kinds or "video" in kinds):
            problems.append(f"the probe shows {sorted(kinds) or 'no'} streams, not audio only")
        if category is AssetCategory.VIDEO and "video" not in kinds:
            problems.append("the probe shows no video stream")
    return [
        _blocker(
            "DELIVERY_FILE_KIND",
            f"{version.file_name}: {problem} ({request.source_type.value})",
            f"{request.source_type.value} takes {', '.join(sorted(FILE_EXTENSIONS[category]))} files",
            file_name=version.file_name,
            source_type=request.source_type.value,
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
    wanted = subject.request.language
    declared = subject.file_language or _probe_language(subject.version.probe)
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
    version = subject.version
    pairs = [
        ("size", version.size, subject.recomputed_size),
        ("md5", version.md5, subject.recomputed_md5),
        ("sha256", version.sha256, subject.recomputed_sha256),
    ]
    checked = [(name, stored, now) for name, stored, now in pairs if now is not None]
    if not checked:
        return [
            Finding(
                code="DELIVERY_CHECKSUM",
                severity=Severity.WARNING,
                message=f"{version.file_name}: the stored checksums were not verified",
                rule="the bytes match the stored size and digests",
            )
        ]
    return [
        _blocker(
            "DELIVERY_CHECKSUM",
            f"{version.file_name}: {name} is {now}, stored {stored}",
            "the bytes match the stored size and digests",
            what=name,
            stored=stored,
            recomputed=now,
        )
        for name, stored, now in checked
        if str(stored).lower() != str(now).lower()
    ]
