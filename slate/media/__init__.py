"""Media tools: ffprobe summaries and ffmpeg channel remapping, with errors that name the file.

Validators do not import this package (they depend on ``slate.models`` only); commands, tasks and
flows do.
"""

from slate.media._probe import CHANNEL_BITS, ProbeSummary, StreamSummary, ffprobe_json, probe
from slate.media._remap import fix_channel_order, remap_channels
from slate.media._timing import ProgramTiming, probe_timing, timecode_at

__all__ = [
    "CHANNEL_BITS",
    "ProbeSummary",
    "ProgramTiming",
    "StreamSummary",
    "ffprobe_json",
    "fix_channel_order",
    "probe",
    "probe_timing",
    "remap_channels",
    "timecode_at",
]
