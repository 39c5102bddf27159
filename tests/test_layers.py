"""The dependency rule, held by parsing every import of the project's packages.

Dependencies point one way: the command line on top, then ``deployments → flows → tasks →
(validators, slate)``; ``validators`` sees only ``slate.models``; ``slate`` (the domain) imports
none of the layers above it and nothing of Prefect, so it runs and is tested without a server.
An import inside a function counts as much as one at the top: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("cli", "workspace", "deployments", "flows", "tasks", "validators", "slate")

#: Which of the project's packages (and Prefect) each package may import.
ALLOWED: dict[str, set[str]] = {
    "cli": {"cli", "workspace", "deployments", "flows", "tasks", "validators", "slate", "prefect"},
    "workspace": {"workspace", "deployments", "flows", "tasks", "slate", "prefect"},
    "deployments": {"deployments", "flows", "tasks", "validators", "slate", "prefect"},
    "flows": {"flows", "tasks", "validators", "slate", "prefect"},
    "tasks": {"tasks", "validators", "slate", "prefect"},
    "validators": {"validators", "slate.models"},
    "slate": {"slate"},
}


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute module a file imports, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def governed(module: str) -> str | None:
    """The project package (or ``prefect``) an import names, or None for everything else."""
    top = module.split(".", maxsplit=1)[0]
    return top if top in (*PROJECT, "prefect") else None


def allowed(package: str, module: str) -> bool:
    """Whether ``package`` may import ``module`` (``slate.models`` allows its submodules)."""
    return any(module == rule or module.startswith(rule + ".") for rule in ALLOWED[package])


def violations(package: str, root: Path = ROOT) -> list[str]:
    """Each forbidden import in ``package`` as ``file:line imports module``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imports_of(path):
            if governed(module) and not allowed(package, module):
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", PROJECT)
def test_each_package_imports_only_what_the_rule_allows(package: str) -> None:
    assert violations(package) == []


@pytest.mark.parametrize(
    ("package", "source", "forbidden"),
    [
        ("slate", "from deployments.demo import run_demo\n", "deployments.demo"),
        ("slate", "def f():\n    from prefect.runtime import flow_run\n", "prefect.runtime"),
        ("tasks", "from deployments.dispatcher import dispatch_pending\n", "deployments.dispatcher"),
        ("validators", "from slate.store import Database\n", "slate.store"),
        ("slate", "from validators.base import Report\n", "validators.base"),
        ("flows", "import cli\n", "cli"),
    ],
)
def test_the_rule_catches_each_kind_of_violation(
    tmp_path: Path, package: str, source: str, forbidden: str
) -> None:
    """Each of the violations the rule was written against is reported with its file and line."""
    (tmp_path / package).mkdir()
    (tmp_path / package / "bad.py").write_text(source)
    found = violations(package, tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{package}/bad.py:") and found[0].endswith(forbidden)
