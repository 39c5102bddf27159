"""Audio QC on a feature-length printmaster, beside ffmpeg's own meters on the same file.

Generates a 5.1, 24-bit, 48 kHz WAV (60 minutes by default, about 3.1 GB) from a 30-second block of
programme-like content repeated (speech in the centre, a dynamic bed in L/R, quieter surrounds,
band-limited LFE; about -24 LKFS), then times, each as its own process on the same file:

* ``python -m validators.audio FILE --layout 5.1`` (every audio check, one pass);
* ``slate qc FILE --type printmaster --layout 5.1 --json`` (the same, plus the command line's start-up);
* ``ffmpeg -af astats -f null -`` and ``ffmpeg -af ebur128=peak=true -f null -``.

It prints wall time and peak RSS of each and the ratio of the audio checks' time to the two ffmpeg
passes together (goal: at most 0.5, with peak RSS under 300 MB). The file is deleted afterwards.

    uv run python bench/audio_qc.py                 # full size
    uv run python bench/audio_qc.py --minutes 5     # a quick run
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_GENERATOR = Path(__file__).with_name("_audio_programme.py")


def measure(command: list[str]) -> tuple[float, float, float, int]:
    """Run a command; return its wall seconds, CPU seconds, peak RSS in MB and exit code.

    CPU time (user + system, the process and its children) is the steadier figure on a shared
    machine, where wall time also counts the time spent waiting for a core.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def main() -> int:
    """Generate, measure, print, delete."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    slate = Path(sys.executable).with_name("slate")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or not slate.exists():
        print("needs ffmpeg on PATH and the slate console script in this environment", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="slate-audio-bench-", dir=args.dir))
    path = workdir / "printmaster_51.wav"
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, str(_GENERATOR), str(path), str(args.minutes)], check=True)
        size = path.stat().st_size
        print(
            f"file: {path} ({args.minutes:g} min 5.1 24-bit 48 kHz, {size / 1e9:.2f} GB) "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (shared)")
        runs = {
            "ffmpeg astats": [
                ffmpeg,
                "-nostdin",
                "-hide_banner",
                "-i",
                str(path),
                "-af",
                "astats",
                "-f",
                "null",
                "-",
            ],
            "ffmpeg ebur128 (true peak)": [
                ffmpeg,
                "-nostdin",
                "-hide_banner",
                "-i",
                str(path),
                "-af",
                "ebur128=peak=true",
                "-f",
                "null",
                "-",
            ],
            "audio checks (python -m)": [
                sys.executable,
                "-m",
                "validators.audio",
                str(path),
                "--layout",
                "5.1",
            ],
            "slate qc (all audio checks)": [
                str(slate),
                "qc",
                str(path),
                "--type",
                "printmaster",
                "--layout",
                "5.1",
                "--json",
            ],
        }
        results = {name: measure(command) for name, command in runs.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'run':<30} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'exit':>5}")
    for name, (wall, cpu, rss, code) in results.items():
        print(f"{name:<30} {wall:>8.1f} {cpu:>8.1f} {rss:>12.0f} {code:>5}")
    ffmpeg_runs = [results["ffmpeg astats"], results["ffmpeg ebur128 (true peak)"]]
    wall_base, cpu_base = sum(r[0] for r in ffmpeg_runs), sum(r[1] for r in ffmpeg_runs)
    for name in ("audio checks (python -m)", "slate qc (all audio checks)"):
        wall, cpu, rss, _ = results[name]
        print(
            f"{name}: vs astats + ebur128: wall {wall:.1f} / {wall_base:.1f} = {wall / wall_base:.2f}, "
            f"CPU {cpu:.1f} / {cpu_base:.1f} = {cpu / cpu_base:.2f} (goal <= 0.50); "
            f"peak RSS {rss:.0f} MB (goal < 300)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
