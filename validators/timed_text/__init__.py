"""Timed-text QC: SRT, WebVTT, TTML/DFXP/IMSC 1.x and SCC read into one exact-time model, checked
against a rule profile, corrected into new files.

* ``model`` — :class:`Document` and :class:`Event`; integer times in a per-document timescale.
* ``readers`` — one reader per format; every problem is a finding, never an exception.
* ``checks`` — the ``TT_…`` checks, run in the order of ``checks.CHECKS``.
* ``validate`` — the registered validator: read, resolve the profile, run the checks.
* ``fixes`` / ``writers`` — corrections that give new documents, and SRT/WebVTT/TTML output.
* ``options`` — frame rates, durations and shot-change lists as people type them.

To add a check: write ``check_<rule>(c: Checker) -> None`` in the ``checks`` module it belongs to,
call ``c.finding(code, severity, message, index=…, rule=…)`` for each defect (the index gives the
location: event number and timecode), add it to ``CHECKS``, put its thresholds in
``TimedTextRules`` and ``netflix.toml``, and test a clean file and each defect in
``tests/validators/test_tt_checks.py``.
"""
