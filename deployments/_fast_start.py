"""Start served runs from a fork server that has Prefect and the flows already imported.

Prefect's runner starts every served run in a fresh *spawned* interpreter, which imports Prefect,
pydantic, SQLAlchemy, NumPy and the flow's modules again: about two CPU-seconds a run on this kind
of machine, most of the cost of a small assignment (intake, ingest, QC and delivery of a subtitle
file take well under a second of real work). A ``forkserver`` context with those modules preloaded
forks each run from a warm process instead: same isolation (one process per run, killed and
reported as Prefect expects), a fraction of the start-up.

Prefect 3.8 asks for ``multiprocessing.get_context("spawn")`` by name inside
``prefect.flow_engine``; :func:`use_fork_server` answers that one call with the preloaded fork
server and leaves every other use of multiprocessing alone. It is pinned with Prefect's version
(``pyproject.toml``); ``SLATE_STACK_FORK_SERVER=false`` turns it off.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["use_fork_server"]

#: Imported once in the fork server so each run starts with them.
BASE_PRELOAD = ("prefect", "prefect.flow_engine", "prefect.runner", "slate.store", "numpy", "httpx")


class _ContextChooser(ModuleType):
    """Stands in for ``multiprocessing`` in ``prefect.flow_engine``: ``spawn`` becomes the fork server."""

    def __init__(self, server: multiprocessing.context.BaseContext) -> None:
        super().__init__("multiprocessing")
        self._server = server

    def get_context(self, method: str | None = None) -> Any:
        return self._server if method == "spawn" else multiprocessing.get_context(method)

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


def use_fork_server(flow_modules: Sequence[str]) -> None:
    """Make served runs fork from a server that preloads Prefect and ``flow_modules``."""
    import prefect.flow_engine as engine

    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload([*BASE_PRELOAD, *flow_modules])
    setattr(engine, "multiprocessing", _ContextChooser(server))  # noqa: B010 - a module attribute of Prefect
