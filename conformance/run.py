"""Run the timed-text readers over the public conformance corpora and say what they must.

The corpora (``SLATE_CORPORA_DIR``, by default ``../shared/corpora`` beside the repository) are
read in place, never copied. Each suite states what Slate must do with its documents:

* ``w3c-imsc-tests`` and ``skynav-ttml1/valid``: read every document with no parse or
  time-expression finding (``TT_PARSE_ERROR``, ``TT_FRAME_RATE_INVALID``, ``TT_TIMEBASE``);
* ``skynav-ttml1/invalid``: report each document with one of those codes, never accept it
  silently and never crash;
* ``photon-imf``: the IMF validator against Photon's cases, as :mod:`conformance.imf` says.

For every document of a valid suite, the displayed timeline (what is on screen from each time on)
is also compared with the reference reader's (ttconv's ISDs, as an IMSC player renders them): a
document where they differ fails (``conformance.timeline``). So does one whose text states when it
must appear ("This text must appear at 5 seconds and disappear at 15 seconds", "must not appear",
as the W3C timing tests write) and is shown otherwise.

Only the reading stage is judged: the profile's own rules (Netflix frame rates, a missing
``ttp:timeBase``) are delivery rules, not conformance, and these documents are not deliveries.

Usage: ``uv run python -m conformance.run [--corpora DIR] [--verbose]``; exit 0 when every document
behaves, 1 when one does not, 2 when the corpora are missing.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conformance.imf import FOLDER as IMF_FOLDER
from conformance.imf import run_imf
from conformance.timeline import compare, reference_timeline, stated_expectations
from slate.settings import get_settings
from validators.timed_text.readers import read_path

REPO = Path(__file__).resolve().parent.parent
TIME_CODES = frozenset({"TT_PARSE_ERROR", "TT_FRAME_RATE_INVALID", "TT_TIMEBASE"})


@dataclass(frozen=True)
class Suite:
    """A folder of documents and whether they must read clean (``valid``) or be reported."""

    name: str
    folder: str
    valid: bool


SUITES = (
    Suite("W3C IMSC tests (valid)", "w3c-imsc-tests", valid=True),
    Suite("skynav TTML1 (valid)", "skynav-ttml1/valid", valid=True),
    Suite("skynav TTML1 (invalid)", "skynav-ttml1/invalid", valid=False),
)


@dataclass
class Outcome:
    """How one suite went: documents seen and those that did not behave, with why."""

    suite: Suite
    total: int = 0
    failures: list[tuple[Path, str]] = field(default_factory=list)


def corpora_dir(given: str | None = None) -> Path:
    """The corpora folder: the argument, else the setting, relative paths from the repository."""
    path = Path(given) if given else get_settings().corpora_dir
    return path if path.is_absolute() else (REPO / path).resolve()


def documents(folder: Path) -> Iterator[Path]:
    """The TTML documents of a suite, in a stable order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in {".xml", ".ttml", ".dfxp"}:
            yield path


def judge(path: Path, valid: bool) -> str | None:
    """None when the document behaves as its suite requires, else what went wrong."""
    try:
        result = read_path(path)
    except Exception:  # a crash is exactly what conformance must catch and report
        return "reader crashed: " + traceback.format_exc(limit=3).strip().splitlines()[-1]
    flagged = [f for f in result.findings if f.code in TIME_CODES]
    if valid and (flagged or result.document is None):
        return "; ".join(f"{f.code} {f.location}: {f.message}" for f in flagged) or "no document read"
    if not valid and not flagged:
        return "accepted silently (no parse, frame-rate or time-base finding)"
    if valid and result.document is not None:
        reference = reference_timeline(path)
        differences = compare(reference, result.document) if reference is not None else []
        if differences:
            return f"displayed timeline differs from the reference reader's: {'; '.join(differences[:3])}"
        stated = stated_expectations(result.document)
        if stated:
            return f"not shown as the document's own text says: {'; '.join(stated[:3])}"
    return None


def run_suite(root: Path, suite: Suite) -> Outcome:
    outcome = Outcome(suite)
    for path in documents(root / suite.folder):
        outcome.total += 1
        problem = judge(path, suite.valid)
        if problem is not None:
            outcome.failures.append((path, problem))
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", help="corpora folder (default: the SLATE_CORPORA_DIR setting)")
    parser.add_argument("--verbose", action="store_true", help="list every document that failed")
    args = parser.parse_args(argv)
    root = corpora_dir(args.corpora)
    if not root.is_dir():
        print(f"conformance: no corpora at {root} (set SLATE_CORPORA_DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    outcomes = [run_suite(root, suite) for suite in SUITES if (root / suite.folder).is_dir()]
    for outcome in outcomes:
        passed = outcome.total - len(outcome.failures)
        verdict = "ok" if not outcome.failures and outcome.total else "FAIL"
        print(f"{verdict:4}  {outcome.suite.name}: {passed}/{outcome.total} behave")
        shown = outcome.failures if args.verbose else outcome.failures[:10]
        for path, problem in shown:
            print(f"      {path.relative_to(root)}: {problem}")
    imf_failed = _report_imf(root, args.verbose)
    print(f"conformance: {sum(o.total for o in outcomes)} documents in {time.perf_counter() - started:.1f} s")
    if imf_failed:
        return 1
    if not outcomes:
        print(f"conformance: none of the suites found under {root}", file=sys.stderr)
        return 2
    return 1 if any(o.failures or not o.total for o in outcomes) else 0


def _report_imf(root: Path, verbose: bool) -> bool:
    """Run and print the IMF suite when its corpus is there; True when a case misbehaved."""
    if not (root / IMF_FOLDER).is_dir():
        return False
    started = time.perf_counter()
    outcome = run_imf(root)
    passed = outcome.total - len(outcome.failures)
    verdict = "ok" if not outcome.failures and outcome.total else "FAIL"
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(outcome.tally.items()))
    print(
        f"{verdict:4}  Photon IMF cases: {passed}/{outcome.total} meet their expectation ({kinds}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for path, problem in outcome.failures if verbose else outcome.failures[:10]:
        print(f"      {path}: {problem}")
    return bool(outcome.failures) or not outcome.total


if __name__ == "__main__":
    sys.exit(main())
