"""One error tree for all of Slate.

Every error Slate raises on purpose derives from :class:`SlateError`, so a caller (a flow, the
command line, the webhook receiver) can tell a known condition from a bug with one ``except``.
Each error keeps its inputs as attributes and pickles with them, because errors cross process
boundaries in Prefect (task results, subprocess runs)::

    SlateError
    ├── ConfigurationError          a setting is missing or malformed
    ├── NotFound                    a record or object does not exist
    ├── ConflictError               an optimistic-concurrency check failed
    ├── TransitionError             the lifecycle state machine refused a transition
    ├── IntegrityError              stored bytes do not match their recorded size or digest
    ├── StorageError                the blob store failed (disk full, permission, S3 error)
    ├── FrozenRecord                a delivered version's metadata cannot change
    ├── InvalidInput                a value given by a person or a file breaks a rule
    ├── MediaError                  ffmpeg/ffprobe could not read or write a file
    ├── StepFailed                  a lifecycle step failed; says what failed and what to do next
    ├── AccessDenied                a person may not do this (role, share or the asset's state)
    │   ├── LoginRefused            wrong name or password, or a disabled user
    │   └── TooManyAttempts         too many failed logins lately: wait
    └── PortalError                 the partner portal failed
        ├── PortalUnavailable       transient: retry later (429, 5xx, timeouts)
        └── PortalRejected          final: the portal said no, with its message
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessDenied",
    "ConfigurationError",
    "ConflictError",
    "FrozenRecord",
    "IntegrityError",
    "InvalidInput",
    "LoginRefused",
    "MediaError",
    "NotFound",
    "PortalError",
    "PortalRejected",
    "PortalUnavailable",
    "SlateError",
    "StepFailed",
    "StorageError",
    "TooManyAttempts",
    "TransitionError",
]


class SlateError(Exception):
    """Root of every error Slate raises on purpose.

    Subclasses call ``super().__init__(message, **data)``; the keyword data become attributes and
    survive pickling, because ``__reduce__`` rebuilds the error from the same arguments.
    """

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
        for key, value in data.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.data))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[SlateError], message: str, data: dict[str, Any]) -> SlateError:
    """Recreate an error without calling a subclass's own ``__init__`` signature."""
    error = cls.__new__(cls)
    SlateError.__init__(error, message, **data)
    return error


class ConfigurationError(SlateError):
    """A setting is missing or malformed."""


class NotFound(SlateError):
    """A record or stored object does not exist."""


class ConflictError(SlateError):
    """Someone else changed the record since it was read (optimistic concurrency)."""


class TransitionError(SlateError):
    """The lifecycle state machine refused a transition; nothing was written."""


class IntegrityError(SlateError):
    """Stored bytes do not match their recorded size or digest."""


class StorageError(SlateError):
    """The blob store could not complete an operation; no half object is left behind."""


class InvalidInput(SlateError):
    """A value given by a person or read from a file breaks a rule."""


class MediaError(SlateError):
    """ffmpeg or ffprobe could not read or write a media file."""


class PortalError(SlateError):
    """The partner portal failed."""


class PortalUnavailable(PortalError):
    """A transient portal failure (429, 5xx, timeout, connection): worth retrying."""


class PortalRejected(PortalError):
    """The portal refused the request; retrying the same request will not help."""


class FrozenRecord(SlateError):
    """A delivered version's metadata cannot change; make a new version instead."""


class StepFailed(SlateError):
    """A lifecycle step (ingest, validate, deliver, redelivery) failed: what failed, in the domain's
    words, and the next step for the operator; recorded in the request's audit trail."""


class AccessDenied(SlateError):
    """A person may not do this: their role, their shares or the asset's state forbid it."""


class LoginRefused(AccessDenied):
    """Wrong name or password, or a disabled user (the message never says which)."""


class TooManyAttempts(AccessDenied):
    """Too many failed logins for this name or client lately; refused without checking."""
