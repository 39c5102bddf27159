"""Settings, read once from the environment (prefix ``SLATE_``) and an optional ``.env`` file.

Code asks :func:`get_settings` rather than ``os.environ`` so that every setting has one name, one
type and one default, and tests can point Slate at a temporary home with :func:`reset_settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "reset_settings"]


def _default_home() -> Path:
    return Path.home() / ".slate"


class Settings(BaseSettings):
    """Every setting Slate reads. Environment variables are ``SLATE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SLATE_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    #: SQLAlchemy URL of the domain database; empty means a SQLite file under ``home``.
    database_url: str = ""
    #: ``local`` (a folder under ``home``) or ``s3``.
    blob_backend: str = "local"
    blob_root: Path | None = None
    s3_bucket: str = "slate"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    #: Files at or above this size go up in parallel multipart uploads.
    s3_multipart_threshold: int = 64 * 1024 * 1024
    s3_multipart_chunksize: int = 64 * 1024 * 1024
    s3_max_concurrency: int = 8
    #: ``console`` for people, ``json`` for machines; empty picks by whether stderr is a terminal.
    log_format: str = ""
    log_level: str = "INFO"
    #: Who Slate says is acting when no person is named (the audit log's ``actor``).
    actor: str = "slate"

    @property
    def effective_database_url(self) -> str:
        """The URL to connect to: the configured one, or SQLite under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'slate.db'}"

    @property
    def effective_blob_root(self) -> Path:
        """Where ``LocalStore`` keeps objects."""
        return self.blob_root or self.home / "objects"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings so that the next :func:`get_settings` reads them again."""
    get_settings.cache_clear()
