"""Timed-text QC on a 100,000-event subtitle file: parse time, validation time, whole run.

Goal (issue 4): validation no slower than parsing, the whole run under 3 s. For scale, the same
file is also parsed by pysubs2 in the same run. The file is generated with a defect every 50
events (a bridge gap, a short event, a long line) so the checks produce findings as in real use.

Usage: ``uv run python bench/tt_qc.py [--events N] [--format srt|ttml]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import pysubs2

from validators import QCContext
from validators.profiles import load_profile
from validators.timed_text.model import Document, Event
from validators.timed_text.readers import read_path
from validators.timed_text.validate import validate_document
from validators.timed_text.writers import write

FPS = Fraction(24000, 1001)


def make_document(count: int) -> Document:
    """Events on frames, 2 s each, 1 s apart, with a defect every 50 events."""
    frame = 1001  # units at 24000 a second
    events = []
    for i in range(count):
        begin = (72 * i + 24) * frame
        end = begin + 48 * frame
        # Two speakers: two short lines that the text rules keep apart (2 s allows 40 characters).
        text = [f"-Subtitle {i}.", "-A second line."]
        if i % 50 == 1:
            end = begin + 10 * frame  # too short
        elif i % 50 == 2:
            end += 18 * frame  # 6-frame bridge gap before the next
        elif i % 50 == 3:
            text = ["x" * 50]
        events.append(Event(begin, end, text))
    return Document(format="srt", timescale=24000, events=events, frame_rate=FPS, language="en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--format", choices=("srt", "ttml"), default="srt")
    args = parser.parse_args()
    profile = load_profile("netflix")
    context = QCContext(asset_type="subtitle", language="en", fps=FPS, profile=profile)
    with tempfile.TemporaryDirectory(prefix="slate-bench-tt-") as tmp:
        path = Path(tmp) / f"bench.{'xml' if args.format == 'ttml' else 'srt'}"
        path.write_text(write(make_document(args.events), args.format, fps=FPS), encoding="utf-8")
        size = path.stat().st_size

        start, cpu = time.perf_counter(), time.process_time()
        result = read_path(path)
        parse, parse_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert result.document is not None and len(result.document.events) == args.events

        start, cpu = time.perf_counter(), time.process_time()
        report = validate_document(result.document, context, profile)
        validation, validation_cpu = time.perf_counter() - start, time.process_time() - cpu

        start = time.perf_counter()
        pysubs2.load(str(path)) if args.format == "srt" else None
        baseline = time.perf_counter() - start

    findings = len(report.findings)
    ratio, ratio_cpu = validation / parse, validation_cpu / parse_cpu
    print(f"file: {args.events:,} events, {args.format}, {size / 1e6:.1f} MB")
    print(f"parse:      {parse:6.3f} s wall, {parse_cpu:6.3f} s CPU")
    print(f"validation: {validation:6.3f} s wall, {validation_cpu:6.3f} s CPU  ({findings:,} findings)")
    print(
        f"whole run:  {parse + validation:6.3f} s wall, {parse_cpu + validation_cpu:6.3f} s CPU  (goal < 3 s)"
    )
    print(f"validation / parse = {ratio:.2f} wall, {ratio_cpu:.2f} CPU  (goal <= 1)")
    if args.format == "srt":
        print(f"baseline pysubs2.load: {baseline:6.3f} s  (Slate parse / pysubs2 = {parse / baseline:.2f})")


if __name__ == "__main__":
    main()
