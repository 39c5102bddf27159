"""Checks of a composition's timeline: resources, sequences, segments and their edit rates.

All arithmetic is exact (:class:`fractions.Fraction`): a segment's duration is compared across its
sequences in seconds as a fraction, never as a float, so 48048 samples at 48 kHz and 24 frames at
24000/1001 are equal and 48047 samples are not.
"""

from __future__ import annotations

from fractions import Fraction

from slate.imf.findings import Findings, Level
from slate.imf.models import Composition, Resource, Sequence

__all__ = ["check_timeline", "resource_rate", "sequence_seconds"]

MARKER = "MarkerSequence"
#: Core-constraints namespaces under which the first segment must carry main audio.
_AUDIO_REQUIRED = (
    "http://www.smpte-ra.org/schemas/2067-2/2013",
    "http://www.smpte-ra.org/schemas/2067-2/2016",
)


#: Namespaces of the sequences Slate knows: ST 2067-3 itself (MarkerSequence), the core
#: constraints and the plug-ins (IAB, ISXD, ADM).
SEQUENCE_NAMESPACES = frozenset(
    {
        *_AUDIO_REQUIRED,
        "http://www.smpte-ra.org/schemas/2067-3/2013",
        "http://www.smpte-ra.org/schemas/2067-3/2016",
        "http://www.smpte-ra.org/ns/2067-2/2020",
        "http://www.smpte-ra.org/ns/2067-201/2019",
        "http://www.smpte-ra.org/ns/2067-202/2022",
        "http://www.smpte-ra.org/ns/2067-203/2022",
        "http://www.smpte-ra.org/ns/2067-204/2022",
    }
)


def resource_rate(resource: Resource, composition: Composition) -> Fraction | None:
    """The resource's edit rate, defaulting to the composition's (ST 2067-3)."""
    return resource.edit_rate or composition.edit_rate


def sequence_seconds(sequence: Sequence, composition: Composition) -> Fraction | None:
    """How long a sequence plays, exactly, or None when an edit rate is unknown."""
    total = Fraction(0)
    for resource in sequence.resources:
        rate = resource_rate(resource, composition)
        if rate is None:
            return None
        total += Fraction(resource.duration()) / rate
    return total


def _check_resource(resource: Resource, composition: Composition, out: Findings) -> None:
    entry = resource.entry_point or 0
    intrinsic = resource.intrinsic_duration
    played = resource.source_duration if resource.source_duration is not None else (intrinsic or 0) - entry
    if intrinsic is not None and entry + played > intrinsic:
        out.add(
            "IMF_CPL_RESOURCE_RANGE",
            f"resource {resource.id}: EntryPoint {entry} + SourceDuration "
            f"{played} exceeds IntrinsicDuration {intrinsic}",
        )
    if played <= 0:
        out.add("IMF_CPL_RESOURCE_EMPTY", f"resource {resource.id} plays {played} edit units")
    for offset in resource.marker_offsets:
        if offset >= played:
            out.add(
                "IMF_CPL_MARKER_OFFSET",
                f"a marker of resource {resource.id} at offset {offset} lies "
                f"outside the resource's {played} edit units",
                Level.FATAL,
            )
    if resource_rate(resource, composition) is None:
        out.add("IMF_CPL_EDIT_RATE", f"resource {resource.id} has no usable edit rate")


def _check_rates(sequence: Sequence, composition: Composition, out: Findings) -> None:
    """Image and data tracks run at the composition rate; others divide into whole frames."""
    base = composition.edit_rate
    if base is None:
        return
    for resource in sequence.resources:
        rate = resource_rate(resource, composition)
        if rate is None:
            continue
        if sequence.kind in {"MainImageSequence", "ISXDSequence"} and rate != base:
            out.add(
                "IMF_CPL_EDIT_RATE",
                f"{sequence.kind} resource {resource.id} runs at {rate}, not the "
                f"composition edit rate {base}",
            )
        elif sequence.kind == "IABSequence" and (rate / base).denominator != 1:
            out.add(
                "IMF_CPL_EDIT_RATE",
                f"IAB resource {resource.id} edit rate {rate} is not an integer "
                f"multiple of the composition edit rate {base}",
            )
    seconds = sequence_seconds(sequence, composition)
    if seconds is not None and sequence.kind != MARKER and (seconds * base).denominator != 1:
        out.add(
            "IMF_CPL_EDIT_RATE",
            f"{sequence.kind} {sequence.id} lasts {seconds} s, not a whole number "
            f"of composition edit units at {base}",
        )


def _check_segments(composition: Composition, out: Findings) -> None:
    first_tracks: set[str] | None = None
    for index, segment in enumerate(composition.segments, start=1):
        tracks = {s.track_id for s in segment.sequences}
        if first_tracks is None:
            first_tracks = tracks
        elif tracks != first_tracks:
            out.add(
                "IMF_CPL_FRAGMENTED_TRACK",
                f"segment {index} has virtual tracks "
                f"{sorted(tracks ^ first_tracks)} that another segment lacks",
            )
        durations = {
            s.id: d
            for s in segment.sequences
            if s.kind != MARKER and s.resources and (d := sequence_seconds(s, composition)) is not None
        }
        if len(set(durations.values())) > 1:
            listed = ", ".join(f"{sid} {float(d):.6f} s" for sid, d in durations.items())
            out.add("IMF_CPL_SEGMENT_DURATION", f"segment {index}: sequences differ in duration ({listed})")


def _check_tracks(composition: Composition, out: Findings) -> None:
    for track_id, sequences in composition.tracks().items():
        kinds = {s.kind for s in sequences}
        if len(kinds) > 1:
            out.add(
                "IMF_CPL_TRACK_KIND", f"virtual track {track_id} is {sorted(kinds)} in different segments"
            )
        if not any(s.resources for s in sequences):
            out.add(
                "IMF_CPL_EMPTY_TRACK",
                f"virtual track {track_id} ({sequences[0].kind}) has no resource",
                Level.FATAL,
            )
    first = composition.segments[0].sequences if composition.segments else []
    kinds = {s.kind for s in first}
    if "MainImageSequence" not in kinds:
        out.add("IMF_CPL_NO_MAIN_IMAGE", "the first segment has no MainImageSequence")
    image = next((s for s in first if s.kind == "MainImageSequence"), None)
    if "MainAudioSequence" not in kinds and image is not None and image.ns in _AUDIO_REQUIRED:
        out.add(
            "IMF_CPL_NO_AUDIO",
            "the core constraints of this composition "
            f"({image.ns}) require a MainAudioSequence in the first segment",
        )


def check_timeline(composition: Composition, out: Findings) -> None:
    """Add findings for every timeline rule the composition breaks."""
    if not composition.segments:
        return
    for segment in composition.segments:
        for sequence in segment.sequences:
            for resource in sequence.resources:
                _check_resource(resource, composition, out)
            _check_rates(sequence, composition, out)
    _check_segments(composition, out)
    _check_tracks(composition, out)
    unknown = sorted({s.ns for seg in composition.segments for s in seg.sequences} - SEQUENCE_NAMESPACES)
    for ns in unknown:
        out.add(
            "IMF_CPL_SEQUENCE_NAMESPACE",
            f"sequences in namespace {ns!r}, which no core-constraints "
            "edition or plug-in Slate knows defines",
            Level.WARNING,
        )
