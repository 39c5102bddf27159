"""Settings of the workspace (``SLATE_WORKSPACE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WorkspaceSettings"]


class WorkspaceSettings(BaseSettings):
    """Where the workspace listens, how its cookies behave, where the Prefect UI is."""

    model_config = SettingsConfigDict(env_prefix="SLATE_WORKSPACE_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8783
    #: The Prefect UI that run links point at.
    prefect_ui_url: str = "http://127.0.0.1:4200"
    #: Send the session cookie only over HTTPS (set it when a TLS proxy fronts the workspace).
    secure_cookies: bool = False
    session_hours: float = Field(default=12.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    #: A request due within this many days and not yet accepted is flagged at risk.
    at_risk_days: int = Field(default=3, ge=0)
    #: Ask Prefect (``PREFECT_API_URL``) for a request's paused validations and failed steps, and
    #: offer their decision form and Retry button; off, the page shows neither (no Prefect at hand).
    prefect_runs: bool = True
    #: Largest upload accepted through the browser, in bytes.
    max_upload_bytes: int = Field(default=8 * 1024 * 1024 * 1024, gt=0)
    #: How long a download link to S3 stays valid once a person was allowed the download: long
    #: enough for the browser to follow the redirect, short enough that a copied link soon dies.
    download_link_seconds: int = Field(default=300, ge=1, le=3600)
    #: Send browsers to S3 for downloads; off where the S3 endpoint is not reachable from the
    #: people's browsers (a private MinIO, say), and the bytes then stream through the workspace.
    download_redirect: bool = True
