"""A wrong database URL or password: one line naming the setting and cause, status 1, no secret (item 7)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from cli import main
from slate.settings import reset_settings
from tests.deployments.helpers import free_port

SECRET = "hunter2-not-for-logs"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> int:
    monkeypatch.setenv("SLATE_DATABASE_URL", url)
    monkeypatch.setattr(sys, "argv", ["slate", *args])
    reset_settings()
    with pytest.raises(SystemExit) as ended:
        main()
    return int(ended.value.code or 0)


URLS = {
    "nobody listening": (f"postgresql://slate:{SECRET}@127.0.0.1:{free_port()}/slate", "refused"),
    "not a URL": (f"nonsense:{SECRET}@@", "does not parse"),
    "unknown driver": (f"nosuchdb://slate:{SECRET}@127.0.0.1/slate", "no database driver"),
}


@pytest.mark.parametrize("case", sorted(URLS))
@pytest.mark.parametrize("command", [["status", "SR-1"], ["db", "upgrade"], ["webhooks"]], ids=" ".join)
def test_every_command_says_in_one_line_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], case: str, command: list[str]
) -> None:
    url, cause = URLS[case]
    assert _run(monkeypatch, url, *command) == 1
    out, err = capfd.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: cannot use the database SLATE_DATABASE_URL=") and cause in lines[0]
    assert SECRET not in out + err and "Traceback" not in err


@pytest.mark.postgres
def test_a_wrong_password_is_named_and_masked(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], postgres_admin: str
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_admin).set(password=SECRET).render_as_string(hide_password=False)
    assert _run(monkeypatch, url, "status", "SR-1") == 1
    _, err = capfd.readouterr()
    assert "password authentication failed" in err and "***" in err
    assert SECRET not in err and len(err.strip().splitlines()) == 1
