"""Costs of a request and the rate card: entered by people, or computed from rates and runtime.

A request's cost lines share one currency (Slate converts nothing, so a request whose costs were
in two currencies could not be totalled); a line in another currency is refused when entered.
The rate line that applies to a request is the most specific one: the partner's own rate for the
language, then the partner's rate, then the language's, then the general one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.errors import InvalidInput, NotFound
from slate.models import ServiceType
from slate.reports._models import (
    ANY,
    CostKind,
    CostLine,
    NewCost,
    Rate,
    RateKind,
    RateSpec,
    RateUnit,
)
from slate.reports._runtime import runtimes
from slate.store import CostLineRow, DeliveryRow, RateRow, SourceRequestRow

__all__ = [
    "add_cost",
    "best_rates",
    "cost_from_rate_card",
    "costs_by_request",
    "delivery_counts",
    "list_rates",
    "quantity_for",
    "set_rate",
]

_CENT = Decimal("0.01")
_DELIVERED = ("DELIVERED", "ACCEPTED")
_CHUNK = 500


def chunks(ids: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    """``ids`` in slices small enough for an ``IN (...)`` on every engine."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def add_cost(session: Session, request_id: str, cost: NewCost, *, actor: str) -> CostLine:
    """Record a cost line; refused when the request's other lines are in another currency."""
    if session.get(SourceRequestRow, request_id) is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    other = session.scalar(
        select(CostLineRow.currency).where(
            CostLineRow.request_id == request_id, CostLineRow.currency != cost.currency
        )
    )
    if other is not None:
        raise InvalidInput(
            f"{request_id}: its costs are in {other}; a line in {cost.currency} could not be totalled "
            "with them (Slate converts no currency)",
            request_id=request_id,
            currency=cost.currency,
            rule="one currency per request",
        )
    row = CostLineRow(
        request_id=request_id,
        **cost.model_dump(),
        entered_by=actor,
        entered_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return CostLine.model_validate(row)


def costs_by_request(session: Session, request_ids: Sequence[str]) -> dict[str, list[CostLine]]:
    """Every cost line of each request, in the order entered."""
    out: dict[str, list[CostLine]] = {r: [] for r in request_ids}
    for part in chunks(list(request_ids)):
        rows = session.scalars(
            select(CostLineRow).where(CostLineRow.request_id.in_(part)).order_by(CostLineRow.cost_id)
        )
        for row in rows:
            out[row.request_id].append(CostLine.model_validate(row))
    return out


def set_rate(session: Session, spec: RateSpec, *, actor: str) -> Rate:
    """Create or replace the rate for the spec's kind, service, unit, language and partner."""
    row = session.scalar(
        select(RateRow).where(
            RateRow.kind == spec.kind.value,
            RateRow.service_type == spec.service_type.value,
            RateRow.unit == spec.unit.value,
            RateRow.language == spec.language,
            RateRow.partner == spec.partner,
        )
    )
    if row is None:
        row = RateRow(
            kind=spec.kind.value,
            service_type=spec.service_type.value,
            unit=spec.unit.value,
            language=spec.language,
            partner=spec.partner,
        )
        session.add(row)
    row.amount = spec.amount
    row.currency = spec.currency
    row.updated_by = actor
    row.updated_at = datetime.now(UTC)
    session.flush()
    return Rate.model_validate(row)


def list_rates(session: Session, kind: RateKind | None = None) -> list[Rate]:
    """The rate card (one kind, or both), by service, unit, then most general first."""
    query = select(RateRow).order_by(RateRow.kind, RateRow.service_type, RateRow.unit, RateRow.rate_id)
    if kind is not None:
        query = query.where(RateRow.kind == kind.value)
    return [Rate.model_validate(r) for r in session.scalars(query)]


def best_rates(
    rates: Sequence[Rate], kind: RateKind, service: ServiceType, language: str, partner: str | None
) -> list[Rate]:
    """For each unit the service is rated in, the most specific rate that applies to this request."""
    best: dict[RateUnit, Rate] = {}
    for rate in rates:
        if rate.kind is not kind or rate.service_type is not service:
            continue
        if rate.language not in (ANY, language) or rate.partner not in (ANY, partner):
            continue
        held = best.get(rate.unit)
        if held is None or rate.specificity() > held.specificity():
            best[rate.unit] = rate
    return [best[u] for u in RateUnit if u in best]


def quantity_for(unit: RateUnit, runtime_seconds: Decimal | None, deliveries: int) -> Decimal | None:
    """How many units a request counts: started runtime minutes, one file, or its deliveries.

    None when the runtime is unknown: a per-minute rate cannot be applied then, and guessing
    would bill the wrong amount.
    """
    if unit is RateUnit.FILE:
        return Decimal(1)
    if unit is RateUnit.EVENT:
        return Decimal(deliveries)
    if runtime_seconds is None:
        return None
    return (Decimal(runtime_seconds) / 60).to_integral_value(rounding=ROUND_CEILING)


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half up (as an accountant would)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def delivery_counts(session: Session, request_ids: Sequence[str]) -> dict[str, int]:
    """How many deliveries the portal received for each request."""
    out = dict.fromkeys(request_ids, 0)
    for part in chunks(list(request_ids)):
        rows = session.execute(
            select(DeliveryRow.request_id, func.count())
            .where(DeliveryRow.request_id.in_(part), DeliveryRow.outcome.in_(_DELIVERED))
            .group_by(DeliveryRow.request_id)
        )
        for request_id, count in rows:
            out[request_id] = int(count)
    return out


def cost_from_rate_card(session: Session, request_id: str, *, actor: str, payee: str) -> list[CostLine]:
    """Internal cost lines computed from the COST rates of the request's service, one per unit."""
    request = session.get(SourceRequestRow, request_id)
    if request is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    if not request.service_type:
        raise InvalidInput(
            f"{request_id} has no Service Type; the rate card is keyed by it",
            request_id=request_id,
            rule="a Service Type to price",
        )
    rates = best_rates(
        list_rates(session, RateKind.COST),
        RateKind.COST,
        ServiceType(request.service_type),
        request.language,
        request.content_partner,
    )
    if not rates:
        raise InvalidInput(
            f"{request_id}: the rate card has no cost rate for {request.service_type}",
            request_id=request_id,
            rule="a cost rate for the service",
        )
    runtime = runtimes(session, [request_id])[request_id]
    deliveries = delivery_counts(session, [request_id])[request_id]
    lines = []
    for rate in rates:
        quantity = quantity_for(rate.unit, runtime, deliveries)
        if quantity is None:
            raise InvalidInput(
                f"{request_id}: its runtime is unknown (not stated, no Final Proxy or AV file probed); "
                "a per-minute rate cannot be applied",
                request_id=request_id,
                rule="a known runtime",
            )
        cost = NewCost(
            kind=CostKind.INTERNAL,
            payee=payee,
            description=f"{rate.service_type.value} per {rate.unit.value.lower()} (rate card)",
            amount=money(quantity * rate.amount),
            currency=rate.currency,
            quantity=quantity,
            unit=rate.unit,
        )
        lines.append(add_cost(session, request_id, cost, actor=actor))
    return lines
