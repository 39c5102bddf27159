"""Conformance runs of Slate's validators against public test suites (see ``run.py``)."""
