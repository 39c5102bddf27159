"""Invoices: the delivered and accepted work of one partner in a period, priced by the rate card.

Billable is a request of the partner that Slate delivered, that the portal accepted (its status,
or a delivery it answered ACCEPTED), whose last delivery falls in the period (days counted in
the report's time zone), and that no invoice has billed yet. Each is priced with the most
specific PRICE rate of its Service Type for every unit rated; its cost lines (internal, and
third-party fees) come beside as costs, so the invoice shows its margin. A request without a
price, or priced or costed in another currency, stops the invoice and is named: billing it at
zero, or adding two currencies, would be wrong without anyone noticing.

Writing the invoice marks its requests in ``invoiced_requests`` in the same transaction; that
table's key refuses a request already billed, even by an invoice written at the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError
from sqlalchemy.orm import Session

from slate.errors import ConflictError, InvalidInput
from slate.models import ServiceType
from slate.reports._costs import (
    best_rates,
    costs_by_request,
    delivery_counts,
    list_rates,
    money,
    quantity_for,
)
from slate.reports._models import CostKind, Invoice, InvoiceLine, InvoiceLineKind, Rate, RateKind
from slate.reports._runtime import runtimes
from slate.store import DeliveryRow, InvoicedRequestRow, InvoiceLineRow, InvoiceRow, SourceRequestRow

__all__ = ["billable_requests", "make_invoice", "period_bounds"]

_DELIVERED = ("DELIVERED", "ACCEPTED")
_SHOWN = 10  # how many offending requests an error names


def period_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a period of whole days begins and ends (exclusive) in ``zone``, as UTC."""
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})", rule="from ≤ to")
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return first, after


def billable_requests(
    session: Session, partner: str, start: date, end: date, zone: ZoneInfo
) -> list[SourceRequestRow]:
    """The partner's delivered, accepted and not yet invoiced requests last delivered in the period."""
    first, after = period_bounds(start, end, zone)
    last = (
        select(DeliveryRow.request_id, func.max(DeliveryRow.finished_at).label("last"))
        .where(DeliveryRow.outcome.in_(_DELIVERED))
        .group_by(DeliveryRow.request_id)
        .subquery()
    )
    accepted = exists().where(
        DeliveryRow.request_id == SourceRequestRow.request_id, DeliveryRow.outcome == "ACCEPTED"
    )
    invoiced = exists().where(InvoicedRequestRow.request_id == SourceRequestRow.request_id)
    query = (
        select(SourceRequestRow)
        .join(last, last.c.request_id == SourceRequestRow.request_id)
        .where(
            SourceRequestRow.content_partner == partner,
            SourceRequestRow.material_status == "DELIVERED",
            or_(SourceRequestRow.portal_status == "ACCEPTED", accepted),
            ~invoiced,
            last.c.last >= first,
            last.c.last < after,
        )
        .order_by(SourceRequestRow.title, SourceRequestRow.service_type, SourceRequestRow.request_id)
    )
    return list(session.scalars(query))


def _refuse(problems: list[str], what: str, rule: str) -> None:
    if problems:
        shown = "; ".join(problems[:_SHOWN]) + (
            f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        )
        raise InvalidInput(f"cannot invoice: {what}: {shown}", rule=rule, count=len(problems))


def _service_lines(
    rows: Sequence[SourceRequestRow], rates: Sequence[Rate], session: Session, currency: str
) -> list[InvoiceLine]:
    ids = [r.request_id for r in rows]
    runtime = runtimes(session, ids)
    deliveries = delivery_counts(session, ids)
    lines: list[InvoiceLine] = []
    problems: list[str] = []
    for r in rows:
        service = ServiceType(r.service_type) if r.service_type else None
        chosen = best_rates(rates, RateKind.PRICE, service, r.language, r.content_partner) if service else []
        if not chosen:
            problems.append(
                f"{r.request_id} ({r.service_type or 'no Service Type'}, {r.language}) has no price"
            )
        for rate in chosen:
            quantity = quantity_for(rate.unit, runtime[r.request_id], deliveries[r.request_id])
            if rate.currency != currency:
                problems.append(f"{r.request_id} is priced in {rate.currency}")
            elif quantity is None:
                problems.append(f"{r.request_id} has no known runtime for a per-minute price")
            else:
                lines.append(
                    InvoiceLine(
                        request_id=r.request_id,
                        kind=InvoiceLineKind.SERVICE,
                        title=r.title,
                        service=str(r.service_type),
                        description=f"{r.source_type} {r.language}",
                        quantity=quantity,
                        unit=rate.unit.value,
                        unit_price=rate.amount,
                        amount=money(quantity * rate.amount),
                    )
                )
    _refuse(problems, "no price for some requests", "a price for every billed request")
    return lines


def _cost_lines(rows: Sequence[SourceRequestRow], session: Session, currency: str) -> list[InvoiceLine]:
    costs = costs_by_request(session, [r.request_id for r in rows])
    lines: list[InvoiceLine] = []
    problems: list[str] = []
    for r in rows:
        entries = [(c.kind, c.payee, c.description, c.amount, c.currency) for c in costs[r.request_id]]
        if r.internal_cost:
            entries.append((CostKind.INTERNAL, "", "request's internal cost", r.internal_cost, currency))
        if r.third_party_fee:
            entries.append(
                (CostKind.THIRD_PARTY, "", "request's third-party fee", r.third_party_fee, currency)
            )
        for kind, payee, what, amount, cost_currency in entries:
            if cost_currency != currency:
                problems.append(f"{r.request_id} has costs in {cost_currency}")
                continue
            internal = kind is CostKind.INTERNAL
            lines.append(
                InvoiceLine(
                    request_id=r.request_id,
                    kind=InvoiceLineKind.INTERNAL_COST if internal else InvoiceLineKind.THIRD_PARTY_FEE,
                    title=r.title,
                    service=str(r.service_type),
                    description=", ".join(p for p in (payee, what) if p),
                    quantity=Decimal(1),
                    unit="ITEM",
                    unit_price=amount,
                    amount=amount,
                )
            )
    _refuse(problems, "costs in another currency", "one currency per invoice")
    return lines


def _store(session: Session, draft: Invoice, ids: list[str]) -> int:
    row = InvoiceRow(
        number="pending",
        **draft.model_dump(include={"partner", "period_from", "period_to", "currency", "billed", "costs"}),
        created_by=draft.created_by,
        created_at=draft.created_at,
    )
    session.add(row)
    session.flush()
    row.number = f"INV-{row.invoice_id:06d}"
    lines = [{**line.model_dump(mode="python"), "invoice_id": row.invoice_id} for line in draft.lines]
    for line in lines:
        line["kind"] = line["kind"].value
    session.execute(insert(InvoiceLineRow), lines)
    try:
        session.execute(
            insert(InvoicedRequestRow), [{"request_id": r, "invoice_id": row.invoice_id} for r in ids]
        )
    except DatabaseIntegrityError as exc:
        raise ConflictError(
            "another invoice billed some of these requests meanwhile; nothing was written, make it again",
            partner=draft.partner,
        ) from exc
    session.flush()
    return row.invoice_id


def make_invoice(
    session: Session, partner: str, start: date, end: date, *, currency: str, zone: ZoneInfo, actor: str
) -> Invoice:
    """Price, record and return the partner's invoice for the period; its requests are marked billed."""
    rows = billable_requests(session, partner, start, end, zone)
    if not rows:
        raise InvalidInput(
            f"nothing to invoice for {partner!r} from {start} to {end}: no delivered, accepted and "
            "not yet invoiced request was last delivered in that period",
            partner=partner,
            rule="something to bill",
        )
    rates = list_rates(session, RateKind.PRICE)
    services = _service_lines(rows, rates, session, currency)
    costs = _cost_lines(rows, session, currency)
    draft = Invoice(
        invoice_id=0,
        number="",
        partner=partner,
        period_from=start,
        period_to=end,
        currency=currency,
        lines=services + costs,
        billed=sum((line.amount for line in services), Decimal(0)),
        costs=sum((line.amount for line in costs), Decimal(0)),
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    invoice_id = _store(session, draft, [r.request_id for r in rows])
    return draft.model_copy(update={"invoice_id": invoice_id, "number": f"INV-{invoice_id:06d}"})
