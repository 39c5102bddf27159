"""Structured logging for Slate.

structlog renders each event; the line then goes through the standard ``logging`` logger named
``slate`` so that whatever handlers the host attaches receive it. Inside a Prefect run the host is
Prefect: with ``PREFECT_LOGGING_EXTRA_LOGGERS=slate`` (set by the flows' entry points) Prefect
attaches its API handler to that logger, so the same lines appear in the run's logs in the UI
without ``slate/`` knowing anything about Prefect.

Context such as the request id is bound with :func:`bind` (contextvars), so every line logged
while handling a request carries it. Values under keys that look secret are never printed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

__all__ = ["bind", "bound", "configure_logging", "get_logger", "redact_secrets", "render_sentence"]

_SECRET_MARKERS = ("secret", "password", "token", "authorization", "api_key", "signature")
_REDACTED = "***"
_configured = False


def redact_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor that hides the value of any key that names a secret."""
    for key in list(event):
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            event[key] = _REDACTED
    return event


#: Keys a sentence leaves out: the host (Prefect's run logs) shows time and level itself.
_NOT_IN_SENTENCES = ("timestamp", "level", "logger")


def render_sentence(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> str:
    """``message (request id SR-1, version subtitle_es.xml v2)``: a line people read, in a run's logs.

    The message comes first as written; the facts follow in words, without JSON punctuation.
    """
    message = str(event.pop("event", ""))
    facts = [
        f"{key.replace('_', ' ')} {value}"
        for key, value in event.items()
        if key not in _NOT_IN_SENTENCES and value not in (None, "")
    ]
    return f"{message} ({', '.join(facts)})" if facts else message


def _renderer(fmt: str) -> Any:
    if fmt == "text":
        return render_sentence
    if fmt == "json" or (not fmt and not sys.stderr.isatty()):
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=False)


def configure_logging(level: str = "INFO", fmt: str = "") -> None:
    """Configure structlog and the ``slate`` stdlib logger once per process.

    ``fmt`` is ``console``, ``json`` (for machines: the stack's own logs) or ``text`` (sentences,
    for people: served runs use it, so their lines read well in the Prefect UI); empty picks
    ``console`` when stderr is a terminal and ``json`` otherwise.
    """
    global _configured
    renderer = _renderer(fmt)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _merge_provided,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            renderer,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger("slate")
    root.setLevel(level.upper())
    # When the host already prints records (Prefect puts a console handler on the root logger),
    # Slate's lines reach it by propagation; a handler of our own would print each line twice.
    host_prints = bool(logging.getLogger().handlers)
    if host_prints:  # configured again after the host started printing (a served process)
        for own in [h for h in root.handlers if getattr(h, "_slate", False)]:
            root.removeHandler(own)
    elif not any(getattr(h, "_slate", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._slate = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    _configured = True


def get_logger(name: str = "slate") -> Any:
    """A structlog logger writing through the stdlib logger ``name`` (under ``slate``)."""
    if not _configured:
        from slate.settings import get_settings

        settings = get_settings()
        configure_logging(settings.log_level, settings.log_format)
    return structlog.get_logger(name)


#: Callables giving values for every line (e.g. the request of the current Prefect run).
_providers: list[Callable[[], Mapping[str, Any]]] = []


def add_context_provider(provider: Callable[[], Mapping[str, Any]]) -> None:
    """Add values to every line from ``provider`` (called per line; values bound explicitly win).

    The flow layer uses it for the request of the current run: binding it would outlive the run
    when flows are called in-process, and tag the caller's later lines with the wrong request.
    """
    if provider not in _providers:
        _providers.append(provider)


def _merge_provided(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for provider in _providers:
        for key, value in provider().items():
            event.setdefault(key, value)
    return event


def bind(**values: Any) -> None:
    """Bind values (``request_id=…``, ``asset_id=…``) to every later line in this context."""
    structlog.contextvars.bind_contextvars(**values)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind values for the duration of a ``with`` block only."""
    with structlog.contextvars.bound_contextvars(**values):
        yield
