"""Settings come from the environment once; logs carry the bound request id and never a secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from slate import settings as settings_module
from slate.logging import bind, bound, configure_logging, get_logger
from slate.settings import PortalClientSettings, Settings, get_settings, reset_settings


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path))
    monkeypatch.delenv("SLATE_DATABASE_URL", raising=False)
    reset_settings()
    yield tmp_path
    reset_settings()


def test_defaults_live_under_slate_home(fresh_settings: Path) -> None:
    settings = get_settings()
    assert settings.home == fresh_settings
    assert settings.effective_database_url == f"sqlite:///{fresh_settings / 'slate.db'}"
    assert settings.effective_blob_root == fresh_settings / "objects"


def test_settings_are_read_once(fresh_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("SLATE_LOG_LEVEL", "DEBUG")
    assert get_settings() is first
    reset_settings()
    assert get_settings().log_level == "DEBUG"


def test_each_setting_belongs_to_one_components_group(fresh_settings: Path) -> None:
    """Settings is the sum of the groups; each field but ``home`` is declared by exactly one of them."""
    groups = [c for c in Settings.__mro__[1:] if c.__module__ == settings_module.__name__]
    declared: dict[str, list[str]] = {}
    for group in groups:
        for name in group.__annotations__:
            if not name.startswith("model_"):
                declared.setdefault(name, []).append(group.__name__)
    assert set(declared) == set(Settings.model_fields)
    assert {name: owners for name, owners in declared.items() if len(owners) > 1} == {}
    for group in groups:
        assert group.__doc__, group.__name__


def test_a_component_reads_its_group_alone_under_the_same_names(
    fresh_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLATE_PORTAL_BASE_URL", "http://portal.example:9000")
    alone = PortalClientSettings()
    assert alone.portal_base_url == "http://portal.example:9000"
    assert alone.effective_portal_token_url == "http://portal.example:9000/as/token.oauth2"
    assert get_settings().portal_base_url == alone.portal_base_url


def test_log_lines_are_json_with_request_id_and_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO", "json")
    log = get_logger("slate.test")
    with caplog.at_level(logging.INFO, logger="slate"), bound(request_id="SR-7", asset_id=3):
        log.info("delivered", client_secret="hunter2", token="abc", size=10)
    line = json.loads(caplog.records[-1].getMessage())
    assert line["request_id"] == "SR-7" and line["asset_id"] == 3 and line["size"] == 10
    assert line["client_secret"] == "***" and line["token"] == "***"
    assert "hunter2" not in caplog.text


def test_bound_values_stay_in_their_block(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO", "json")
    log = get_logger("slate.test")
    with caplog.at_level(logging.INFO, logger="slate"):
        with bound(request_id="SR-8"):
            log.info("inside")
        log.info("outside")
    inside, outside = (json.loads(r.getMessage()) for r in caplog.records[-2:])
    assert inside["request_id"] == "SR-8"
    assert "request_id" not in outside


def test_bind_is_visible_to_later_lines(caplog: pytest.LogCaptureFixture) -> None:
    import structlog

    configure_logging("INFO", "json")
    log = get_logger("slate.test")
    try:
        bind(request_id="SR-9")
        with caplog.at_level(logging.INFO, logger="slate"):
            log.info("later")
        assert json.loads(caplog.records[-1].getMessage())["request_id"] == "SR-9"
    finally:
        structlog.contextvars.clear_contextvars()
