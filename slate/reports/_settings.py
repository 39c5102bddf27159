"""Settings of the reports (``SLATE_REPORTS_*``): the time zone days are counted in, the default currency."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slate.reports._models import Currency

__all__ = ["ReportSettings"]


class ReportSettings(BaseSettings):
    """Read once per command or flow run; tests build one directly."""

    model_config = SettingsConfigDict(env_prefix="SLATE_REPORTS_", env_file=".env", extra="ignore")

    #: Where a due date ends and a period's days begin: a delivery at 23:30 on the due date in
    #: Los Angeles is on time there, though it is the next day in UTC.
    timezone: str = "UTC"
    #: The currency of costs entered without one and of the request's own cost fields.
    currency: Currency = "EUR"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Madrid)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone as an object."""
        return ZoneInfo(self.timezone)
