"""Records of costs, rates and invoices: what the CLI, the workspace and the workbooks exchange.

Money is :class:`~decimal.Decimal` with a three-letter currency beside it; amounts in different
currencies are never added together (Slate converts nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from slate.models import ServiceType

__all__ = [
    "ANY",
    "CostKind",
    "CostLine",
    "Currency",
    "Invoice",
    "InvoiceLine",
    "InvoiceLineKind",
    "NewCost",
    "Rate",
    "RateKind",
    "RateSpec",
    "RateUnit",
]

#: A rate's language or partner when it applies to every one.
ANY = "*"


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


#: An ISO 4217 code; ``eur`` is read as ``EUR``.
Currency = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]


class CostKind(StrEnum):
    """Whose money a cost line is."""

    INTERNAL = "INTERNAL"  # our own work (staff time, machines)
    THIRD_PARTY = "THIRD_PARTY"  # a fee paid to someone else (freelancer, subcontractor, lab)


class RateKind(StrEnum):
    """What a rate card line prices."""

    PRICE = "PRICE"  # what we bill the content partner
    COST = "COST"  # what the work costs us


class RateUnit(StrEnum):
    """What a rate is counted in."""

    RUNTIME_MINUTE = "RUNTIME_MINUTE"  # per started minute of the programme's runtime
    FILE = "FILE"  # once per request (one deliverable file)
    EVENT = "EVENT"  # per delivery the portal received (redeliveries count again)


class InvoiceLineKind(StrEnum):
    """A line billed to the partner, or a cost the invoice's margin is net of."""

    SERVICE = "SERVICE"
    INTERNAL_COST = "INTERNAL_COST"
    THIRD_PARTY_FEE = "THIRD_PARTY_FEE"


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid", frozen=True)


class NewCost(_Record):
    """A cost to record against a request, as a person enters it."""

    kind: CostKind
    payee: str = Field(min_length=1, max_length=256)
    description: str = ""
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Currency
    quantity: Decimal | None = None
    unit: RateUnit | None = None


class CostLine(_Record):
    """A stored cost line."""

    cost_id: int
    request_id: str
    kind: CostKind
    payee: str
    description: str
    quantity: Decimal | None
    unit: RateUnit | None
    amount: Decimal
    currency: str
    entered_by: str
    entered_at: datetime


class RateSpec(_Record):
    """One line of the rate card to set: a service, a unit and, where they differ, a language or partner."""

    kind: RateKind = RateKind.PRICE
    service_type: ServiceType
    unit: RateUnit
    language: str = Field(default=ANY, min_length=1, max_length=35)
    partner: str = Field(default=ANY, min_length=1, max_length=256)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=4)
    currency: Currency

    def specificity(self) -> int:
        """How narrowly it applies: a partner's own rate beats a language's, which beats the general one."""
        return 2 * (self.partner != ANY) + (self.language != ANY)


class Rate(RateSpec):
    """A stored rate card line."""

    rate_id: int
    updated_by: str
    updated_at: datetime


class InvoiceLine(_Record):
    """One line of an invoice."""

    request_id: str
    kind: InvoiceLineKind
    title: str
    service: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class Invoice(_Record):
    """An invoice: its lines (services, then costs), totals and the margin."""

    invoice_id: int
    number: str
    partner: str
    period_from: date
    period_to: date
    currency: str
    lines: list[InvoiceLine]
    billed: Decimal
    costs: Decimal
    created_by: str
    created_at: datetime

    @property
    def margin(self) -> Decimal:
        """What the invoice leaves once internal costs and third-party fees are paid."""
        return self.billed - self.costs
