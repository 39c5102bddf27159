"""The lifecycle state machine: every change of material status and asset colour goes through here.

* :mod:`~slate.lifecycle._table` — the allowed transitions as data, and the guards each must pass.
* :mod:`~slate.lifecycle._machine` — :func:`apply` checks a transition, writes the change and its
  audit rows in the caller's transaction and returns the events to emit; a refusal raises
  :class:`~slate.errors.TransitionError` and writes nothing.
* :mod:`~slate.lifecycle._rows` — the operations that create rows (a request, a version, a portal
  material), so that no row ever exists in a state the machine did not put it in.
"""

from __future__ import annotations

from slate.lifecycle._machine import LifecycleEvent, apply, check
from slate.lifecycle._rows import (
    attach_material,
    create_request,
    ensure_asset,
    receive_version,
    record_note,
    record_portal_status,
    set_service,
    uncancel,
)
from slate.lifecycle._table import DELIVERABLE, MATERIAL, TRANSITIONS, Transition, deliverable_versions

__all__ = [
    "DELIVERABLE",
    "MATERIAL",
    "TRANSITIONS",
    "LifecycleEvent",
    "Transition",
    "apply",
    "attach_material",
    "check",
    "create_request",
    "deliverable_versions",
    "ensure_asset",
    "receive_version",
    "record_note",
    "record_portal_status",
    "set_service",
    "uncancel",
]
