"""Settings, read once from the environment (prefix ``SLATE_``) and an optional ``.env`` file.

Code asks :func:`get_settings` rather than ``os.environ`` so that every setting has one name, one
type and one default, and tests can point Slate at a temporary home with :func:`reset_settings`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from slate.errors import ConfigurationError

__all__ = [
    "DEV_WEBHOOK_SECRET",
    "BlobStoreSettings",
    "ConformanceSettings",
    "DatabaseSettings",
    "DownloadSettings",
    "FlowSettings",
    "HomeSettings",
    "PortalClientSettings",
    "PortalEmulatorSettings",
    "Settings",
    "StackSettings",
    "WebhookSettings",
    "get_settings",
    "reset_settings",
]

#: The webhook secret Slate ships with: good enough on loopback (demo, tests), nowhere else.
DEV_WEBHOOK_SECRET = "slate-dev-webhook-secret"


def _default_home() -> Path:
    return Path.home() / ".slate"


_ENV = SettingsConfigDict(env_prefix="SLATE_", env_file=".env", extra="ignore")


class HomeSettings(BaseSettings):
    """Where Slate keeps its files, how it logs, and who it says is acting (every component)."""

    model_config = _ENV

    #: Slate's own folder: the SQLite database, local objects, rule profiles, the emulator's data.
    home: Path = Field(default_factory=_default_home)
    #: ``console`` for people, ``json`` for machines; empty picks by whether stderr is a terminal.
    log_format: str = ""
    #: The lowest level logged (``DEBUG``, ``INFO``, ``WARNING``…), read by :mod:`slate.logging`.
    log_level: str = "INFO"
    #: Who Slate says is acting when no person is named (the audit log's ``actor``).
    actor: str = "slate"


class DatabaseSettings(HomeSettings):
    """The domain database (:mod:`slate.store`)."""

    #: SQLAlchemy URL of the domain database; empty means a SQLite file under ``home``.
    database_url: str = ""

    @property
    def effective_database_url(self) -> str:
        """The URL to connect to: the configured one, or SQLite under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'slate.db'}"


class BlobStoreSettings(HomeSettings):
    """The blob store that keeps every version's bytes (:mod:`slate.objects`)."""

    #: ``local`` (a folder under ``home``) or ``s3``.
    blob_backend: str = "local"
    #: The local store's folder; empty means ``home/objects``.
    blob_root: Path | None = None
    #: The S3 bucket objects go to (created on first use when missing).
    s3_bucket: str = "slate"
    #: An S3-compatible endpoint (MinIO, the test server); empty means AWS itself.
    s3_endpoint_url: str | None = None
    #: The S3 region requests are signed for.
    s3_region: str = "us-east-1"
    #: S3 credentials; empty means botocore's own chain (environment, profile, instance role).
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    #: Files at or above this size go up in parallel multipart uploads.
    s3_multipart_threshold: int = 16 * 1024 * 1024
    #: Part size and parts in flight (16 MiB × 6 measured fastest against the loopback S3 server).
    s3_multipart_chunksize: int = 16 * 1024 * 1024
    s3_max_concurrency: int = 6
    #: Attempts per S3 call (the first one included), in botocore's standard retry mode.
    s3_max_attempts: int = 5
    #: Seconds to wait for an S3 answer; completing a multi-GiB upload can take minutes.
    s3_read_timeout: float = 300.0

    @property
    def effective_blob_root(self) -> Path:
        """Where ``LocalStore`` keeps objects."""
        return self.blob_root or self.home / "objects"


class PortalClientSettings(BaseSettings):
    """How Slate reaches the partner portal (:class:`slate.backlot.HttpPortalClient`)."""

    model_config = _ENV

    #: Base URL of the portal's API (the emulator by default).
    portal_base_url: str = "http://127.0.0.1:8765"
    #: OAuth2 token endpoint; empty means ``{portal_base_url}/as/token.oauth2``.
    portal_token_url: str = ""
    #: Slate's OAuth2 client credentials on the portal, and the scope it asks for.
    portal_client_id: str = "slate-fp"
    portal_client_secret: SecretStr = SecretStr("slate-fp-secret")
    portal_scope: str = "sourcedelivery"
    #: Seconds: connecting, reading one chunk, writing one chunk, waiting for a pooled connection.
    portal_connect_timeout: float = 5.0
    portal_read_timeout: float = 30.0
    portal_write_timeout: float = 60.0
    portal_pool_timeout: float = 10.0
    #: Attempts per call (the first one included) on 429, 5xx and connection errors.
    portal_max_attempts: int = 5
    #: The first wait between attempts and the longest, in seconds (doubling, with jitter).
    portal_backoff_base: float = 0.5
    portal_backoff_max: float = 30.0
    #: A ``Retry-After`` longer than this is not waited for: the call fails as unavailable.
    portal_retry_after_max: float = 120.0
    #: Refresh the token when it has fewer seconds than this left.
    portal_token_refresh_margin: float = 60.0
    #: Items asked for per page of a listing.
    portal_page_size: int = 100
    #: Bytes read or sent at a time in downloads and uploads (the rate limiter's step).
    portal_chunk_size: int = 1024 * 1024
    #: Times a download is resumed (by Range) after an interruption before giving up.
    portal_download_resumes: int = 5

    @property
    def effective_portal_token_url(self) -> str:
        """The OAuth2 token endpoint: the configured one, or the portal's own."""
        return self.portal_token_url or f"{self.portal_base_url.rstrip('/')}/as/token.oauth2"


class PortalEmulatorSettings(HomeSettings):
    """The portal emulator (:mod:`slate.backlot.emulator`): the portal Slate runs against locally."""

    #: Where the emulator keeps its SQLite file and stored files; empty means under ``home``.
    portal_emulator_data_dir: Path | None = None
    #: Where the emulator sends its webhooks; empty sends none (they wait in its outbox).
    portal_emulator_webhook_url: str = ""
    #: Lifetime of the emulator's access tokens, in seconds (the real portal's is 7199).
    portal_emulator_token_ttl: int = 7199

    @property
    def effective_portal_emulator_data_dir(self) -> Path:
        """Where the portal emulator keeps its database and files."""
        return self.portal_emulator_data_dir or self.home / "portal-emulator"


class WebhookSettings(BaseSettings):
    """The portal's webhooks: the receiver that verifies and stores them, the dispatcher that runs flows."""

    model_config = _ENV

    #: Shared HMAC secret of the portal's webhooks (the emulator signs, the receiver verifies).
    webhook_secret: SecretStr = SecretStr(DEV_WEBHOOK_SECRET)
    #: Seconds a webhook's signed timestamp may differ from our clock before it counts as a replay.
    webhook_tolerance_seconds: int = 300
    #: Where ``slate webhook-receiver`` listens.
    webhook_receiver_host: str = "127.0.0.1"
    webhook_receiver_port: int = 8780
    #: Largest webhook body accepted, in bytes (bigger gets 413, nothing stored).
    webhook_max_body_bytes: int = 1024 * 1024
    #: Seconds between the dispatcher's looks at the outbox when nothing wakes it sooner.
    webhook_dispatch_interval: float = 2.0
    #: Events claimed per dispatcher batch (their runs are created in bulk, up to 100 a request).
    webhook_dispatch_batch: int = 100
    #: Non-transient failures (e.g. no such deployment) tolerated before an event is ``failed``.
    webhook_dispatch_max_attempts: int = 8
    #: Longest wait between retries of one event, and between passes while Prefect is down.
    webhook_dispatch_backoff_max: float = 60.0
    #: Prefect API the dispatcher starts runs on; empty means Prefect's own ``PREFECT_API_URL``.
    webhook_prefect_api_url: str = ""

    def check_webhook_receiver_host(self, host: str) -> None:
        """Refuse to expose the receiver beyond this machine with the shipped secret.

        Anyone can read :data:`DEV_WEBHOOK_SECRET` in the source and sign events that start flow
        runs, so a receiver reachable from other hosts must have its own secret.
        """
        if self.webhook_secret.get_secret_value() == DEV_WEBHOOK_SECRET and not _is_loopback(host):
            raise ConfigurationError(
                f"the webhook receiver would listen on {host} with the built-in development secret; "
                "set SLATE_WEBHOOK_SECRET to the secret shared with the portal, or listen on 127.0.0.1",
                setting="webhook_secret",
                host=host,
            )


class StackSettings(BaseSettings):
    """The embedded stack of ``slate up`` (:mod:`deployments.stack`) and its served deployments."""

    model_config = _ENV

    #: Port of the stack's Prefect server (UI and API). With ``slate up --port-base N`` the
    #: server, receiver and emulator take N, N+1 and N+2 instead of their own settings.
    stack_prefect_port: int = 4200
    #: Database of the stack's Prefect server; empty means SQLite under ``home``. A PostgreSQL URL
    #: (``postgresql+asyncpg://user:pass@host/db``) creates runs several times faster under a burst
    #: of webhooks (bench/webhook_load.py: 2,000 runs in 26 s against 152 s on SQLite).
    stack_prefect_database_url: SecretStr = SecretStr("")
    #: Seconds between the serving process's looks for runs to start (Prefect's default is 10).
    stack_poll_seconds: int = 2
    #: Flow runs the serving process runs at once. Four, not more: beyond it, the embedded Prefect
    #: server on SQLite locked up for 60 s at a time under a burst (``bench/pipeline.py``: 16
    #: assignments in 54–72 s at 4, 65–333 s at 8). With runs on threads, runs waiting for an
    #: operator's decision do not count (up to ``stack_waiting_limit`` of them).
    stack_run_limit: int = 4
    stack_waiting_limit: int = 32
    #: Where the serving process runs each flow run: ``threads`` of its own (flows imported once;
    #: a cancel takes effect at the run's next Python step) or a spawned ``processes`` each
    #: (Prefect's runner: isolation and hard kill, 5–8 CPU seconds of start-up per run).
    stack_run_in: Literal["threads", "processes"] = "threads"
    #: Prefect's per-flow heartbeat threads for runs on threads (about a second per flow and
    #: subflow); not needed, the serving process beats for the runs it holds (below).
    stack_heartbeats: bool = False
    #: Seconds between the heartbeats a serving process sends for each run it holds; a run silent
    #: for three periods lost its process and the zombie automation marks it Crashed.
    stack_heartbeat_seconds: int = Field(default=30, ge=1)
    #: Seconds each part of the stack may take to become ready when it starts.
    #: (A first start migrates Prefect's database: minutes on a busy two-core machine.)
    stack_start_timeout: float = 300.0
    #: Seconds each part may take to stop after SIGTERM before it is killed.
    stack_stop_timeout: float = 20.0
    #: Whether served deployments keep prefect.yaml's schedules active (reconcile's cron).
    stack_schedules_active: bool = True


class FlowSettings(BaseSettings):
    """The lifecycle flows: validation's operator pause, delivery, reconciliation (``flows/``)."""

    model_config = _ENV

    #: The QC rule profile flows use (shipped, or a file in ``home/profiles``).
    qc_profile: str = "netflix"
    #: How long a validation with blockers waits for an operator's decision, in seconds.
    pause_timeout_seconds: int = 3600
    #: How often a paused run looks for the operator's answer, in seconds.
    pause_poll_seconds: int = 5
    #: Delivery bandwidth when no rate is given, in Mb/s (steps of 10 from 10 to 1000).
    delivery_rate_mbps: int = 100
    #: A delivering worker's claim on its request lasts this long unless renewed (it renews every
    #: quarter); a worker that died blocks a restarted delivery at most about this long, in seconds.
    delivery_lease_seconds: float = Field(default=60.0, gt=0)
    #: Portal requests applied per reconcile task (keeps task runs per flow in the tens).
    reconcile_page_size: int = 500


class DownloadSettings(BaseSettings):
    """Bulk download of portal materials and proxy sync (:mod:`slate.downloads`)."""

    model_config = _ENV

    #: Who Slate is on the portal; a locked proxy is stored only for requests assigned to this partner.
    fulfillment_partner_name: str = "Slate Localization"
    #: Connections ``slate download`` opens at once unless told otherwise.
    download_concurrency: int = 4


class ConformanceSettings(BaseSettings):
    """The QC conformance run (``make conformance``, :mod:`conformance.run`)."""

    model_config = _ENV

    #: Public conformance corpora, read in place; relative to the repository.
    corpora_dir: Path = Path("../shared/corpora")


class Settings(
    DatabaseSettings,
    BlobStoreSettings,
    PortalClientSettings,
    PortalEmulatorSettings,
    WebhookSettings,
    StackSettings,
    FlowSettings,
    DownloadSettings,
    ConformanceSettings,
):
    """Every setting Slate reads, one group per component above. Environment variables are ``SLATE_<NAME>``.

    A component may read its own group alone (``PortalClientSettings()``); most code asks
    :func:`get_settings` for all of them, read once.
    """

    model_config = _ENV


def _is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another name: it may resolve to anything


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings so that the next :func:`get_settings` reads them again."""
    get_settings.cache_clear()
