"""``python -m validators.audio FILE… [--type printmaster] [--layout 5.1]``: print the report as JSON.

A plain entry point for benchmarks and debugging; ``slate qc`` is the command for people.
"""

from __future__ import annotations

import argparse
import sys

from validators.audio.validator import validate
from validators.base import QCContext


def main(argv: list[str] | None = None) -> int:
    """Validate the files as one subject and print the report; exit 1 when a BLOCKER is found."""
    parser = argparse.ArgumentParser(prog="python -m validators.audio")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--type", default="printmaster")
    parser.add_argument("--layout", default=None)
    parser.add_argument("--profile", default="netflix")
    args = parser.parse_args(argv)
    context = QCContext(asset_type=args.type, channel_layout=args.layout, profile_name=args.profile)
    subject = args.files[0] if len(args.files) == 1 else args.files
    report = validate(subject, context)
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 1 if report.blocked else 0


if __name__ == "__main__":
    raise SystemExit(main())
