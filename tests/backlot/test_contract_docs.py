"""The documented contract is the emulator's: the OpenAPI file is current and names every operation."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from slate.backlot.emulator import openapi_json

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_openapi_file_is_current() -> None:
    stored = (DOCS / "openapi.json").read_text(encoding="utf-8")
    assert stored == openapi_json(), "run: uv run slate backlot-emulator --openapi docs/openapi.json"


def _camel(path: str) -> str:
    for snake, camel in (("request_id", "requestId"), ("delivery_id", "deliveryId"), ("asset_id", "assetId")):
        path = path.replace(f"{{{snake}}}", f"{{{camel}}}")
    return path


def test_contract_doc_names_every_public_path() -> None:
    paths = json.loads((DOCS / "openapi.json").read_text(encoding="utf-8"))["paths"]
    doc = (DOCS / "portal-contract.md").read_text(encoding="utf-8")
    public = [p for p in paths if not p.startswith("/admin")]
    missing = [p for p in public if _camel(p) not in doc]
    assert missing == []


def test_cli_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = CliRunner().invoke(app, ["backlot-emulator", "--openapi", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["info"]["title"] == "Slate portal emulator"
