"""``slate cost …`` and ``slate ratecard …``: what a request cost, and what each service is billed at."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from slate.errors import InvalidInput, NotFound, SlateError
from slate.models import ServiceType

# slate.reports is imported inside each command: it brings the database layer, which
# `slate --help` should not wait for.

cost_app = typer.Typer(help="Internal costs and third-party fees of a request.", no_args_is_help=True)
rate_app = typer.Typer(help="The rate card: prices and costs per service and unit.", no_args_is_help=True)
_err = Console(stderr=True)
T = TypeVar("T")


@contextmanager
def refusals() -> Iterator[None]:
    """A refusal prints one line and exits 2 (bad input) or 1 (anything else Slate knows of)."""
    try:
        yield
    except (InvalidInput, NotFound, ValidationError, ValueError) as exc:
        _err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except SlateError as exc:
        _err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput(f"{text!r} is not an amount", value=text, rule="a decimal amount") from exc


def in_session(action: Callable[..., T]) -> T:
    from slate.settings import get_settings
    from slate.store import open_database

    database = open_database()
    try:
        with database.session() as session:
            return action(session, get_settings().actor)
    finally:
        database.dispose()


@cost_app.command("add")
def cost_add(
    request_id: str = typer.Argument(..., help="The request the cost belongs to."),
    amount: str = typer.Argument(..., help="The amount, e.g. 120.50."),
    payee: str = typer.Option(..., "--payee", help="Who was (or will be) paid."),
    what: str = typer.Option("", "--for", help="What for."),
    third_party: bool = typer.Option(False, "--third-party", help="A fee paid to someone else."),
    currency: str = typer.Option("", "--currency", help="ISO code; SLATE_REPORTS_CURRENCY by default."),
) -> None:
    """Record an internal cost (or, with --third-party, a third-party fee) against a request."""
    from slate.reports import CostKind, NewCost, ReportSettings, add_cost

    with refusals():
        cost = NewCost(
            kind=CostKind.THIRD_PARTY if third_party else CostKind.INTERNAL,
            payee=payee,
            description=what,
            amount=_amount(amount),
            currency=currency or ReportSettings().currency,
        )
        line = in_session(lambda s, actor: add_cost(s, request_id, cost, actor=actor))
    Console().print(f"cost {line.cost_id}: {line.kind.value} {line.amount} {line.currency} to {line.payee}")


@cost_app.command("from-rates")
def cost_from_rates(
    request_id: str = typer.Argument(..., help="The request to cost."),
    payee: str = typer.Option("internal", "--payee", help="Whose work the cost is."),
) -> None:
    """Compute the request's internal cost from the rate card's COST rates and its runtime."""
    from slate.reports import cost_from_rate_card

    with refusals():
        lines = in_session(lambda s, actor: cost_from_rate_card(s, request_id, actor=actor, payee=payee))
    for line in lines:
        Console().print(
            f"cost {line.cost_id}: {line.description}: {line.quantity} → {line.amount} {line.currency}"
        )


@cost_app.command("list")
def cost_list(
    request_id: str = typer.Argument(..., help="The request."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every cost line of a request."""
    from slate.reports import costs_by_request

    with refusals():
        lines = in_session(lambda s, _actor: costs_by_request(s, [request_id])[request_id])
    if as_json:
        typer.echo(json.dumps([line.model_dump(mode="json") for line in lines], indent=2))
        return
    table = Table("id", "kind", "payee", "for", "amount", "currency", "entered by")
    for line in lines:
        table.add_row(
            str(line.cost_id), line.kind.value, line.payee, line.description, str(line.amount),
            line.currency, line.entered_by,
        )  # fmt: skip
    Console().print(table)


@rate_app.command("set")
def rate_set(
    service: Annotated[ServiceType, typer.Argument(help="The Service Type the rate prices.")],
    unit: Annotated[str, typer.Argument(help="What is counted: RUNTIME_MINUTE, FILE or EVENT.")],
    amount: str = typer.Argument(..., help="Per unit, e.g. 4.25."),
    currency: str = typer.Option("", "--currency", help="ISO code; SLATE_REPORTS_CURRENCY by default."),
    language: str = typer.Option("*", "--language", help="Only for this language ('*': any)."),
    partner: str = typer.Option("*", "--partner", help="Only for this content partner ('*': any)."),
    cost: bool = typer.Option(False, "--cost", help="A cost rate (what the work costs us), not a price."),
) -> None:
    """Set (or replace) one line of the rate card."""
    from slate.reports import RateKind, RateSpec, RateUnit, ReportSettings, set_rate

    with refusals():
        spec = RateSpec(
            kind=RateKind.COST if cost else RateKind.PRICE,
            service_type=service,
            unit=RateUnit(unit.strip().upper()),
            language=language,
            partner=partner,
            amount=_amount(amount),
            currency=currency or ReportSettings().currency,
        )
        rate = in_session(lambda s, actor: set_rate(s, spec, actor=actor))
    Console().print(
        f"rate {rate.rate_id}: {rate.kind.value} {rate.service_type.value} per {rate.unit.value} "
        f"(language {rate.language}, partner {rate.partner}) = {rate.amount} {rate.currency}"
    )


@rate_app.command("list")
def rate_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The whole rate card."""
    from slate.reports import list_rates

    with refusals():
        rates = in_session(lambda s, _actor: list_rates(s))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rates], indent=2))
        return
    table = Table("kind", "service", "unit", "language", "partner", "amount", "currency")
    for r in rates:
        table.add_row(
            r.kind.value, r.service_type.value, r.unit.value, r.language, r.partner, str(r.amount), r.currency
        )
    Console().print(table)
