"""How an emulator instance is set up: its data folder, accounts, token lifetime, webhook target."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from slate.settings import Settings, get_settings

__all__ = ["Account", "EmulatorConfig", "Role"]

#: The partners the seeded data and the default accounts speak of.
FULFILLMENT_PARTNER = "Slate Localization"
CONTENT_PARTNER = "Northlight Pictures"


class Role(StrEnum):
    """Who an account acts for; it decides what the account can see."""

    FULFILLMENT_PARTNER = "FULFILLMENT_PARTNER"  # the vendor: sees requests assigned to it
    CONTENT_PARTNER = "CONTENT_PARTNER"  # the studio's partner: sees its titles, never locked proxies


class Account(BaseModel):
    """An API client of the portal (client-credentials pair) and the partner it belongs to."""

    client_id: str
    client_secret: SecretStr
    role: Role
    partner: str


class EmulatorConfig(BaseModel):
    """Everything an emulator instance needs; tests build one, the CLI reads it from settings."""

    data_dir: Path
    accounts: list[Account]
    token_ttl: int = Field(default=7199, ge=1)
    webhook_url: str = ""
    webhook_secret: SecretStr
    #: Delay before the n-th resend of a webhook: base * 2**(n-1), capped at max.
    webhook_backoff_base: float = 1.0
    webhook_backoff_max: float = 60.0
    webhook_timeout: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> EmulatorConfig:
        """The default instance: Slate's own account as fulfillment partner, plus a content partner."""
        s = settings or get_settings()
        values: dict[str, object] = {
            "data_dir": s.effective_portal_emulator_data_dir,
            "accounts": default_accounts(s.portal_client_id, s.portal_client_secret),
            "token_ttl": s.portal_emulator_token_ttl,
            "webhook_url": s.portal_emulator_webhook_url,
            "webhook_secret": s.webhook_secret,
        }
        values.update(overrides)
        return cls.model_validate(values)


def default_accounts(client_id: str, client_secret: SecretStr) -> list[Account]:
    """The fulfillment partner account Slate uses, and a content partner account for visibility."""
    return [
        Account(
            client_id=client_id,
            client_secret=client_secret,
            role=Role.FULFILLMENT_PARTNER,
            partner=FULFILLMENT_PARTNER,
        ),
        Account(
            client_id="northlight-cp",
            client_secret=SecretStr("northlight-cp-secret"),
            role=Role.CONTENT_PARTNER,
            partner=CONTENT_PARTNER,
        ),
    ]
