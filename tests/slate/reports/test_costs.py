"""Costs as data: lines in one currency per request, the rate card's most specific line, runtimes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slate.errors import InvalidInput
from slate.models import ServiceType, SourceType
from slate.reports import (
    CostKind,
    NewCost,
    RateKind,
    RateSpec,
    RateUnit,
    add_cost,
    best_rates,
    cost_from_rate_card,
    costs_by_request,
    list_rates,
    quantity_for,
    runtimes,
    set_rate,
)
from slate.store import Database
from tests.slate.reports import history


def _fee(amount: str, currency: str = "EUR") -> NewCost:
    return NewCost(
        kind=CostKind.THIRD_PARTY, payee="Lena (freelance)", amount=Decimal(amount), currency=currency
    )


def test_cost_lines_are_kept_exactly_and_in_one_currency_per_request(db: Database) -> None:
    history.request(db, "SR-1")
    with db.session() as session:
        add_cost(session, "SR-1", _fee("120.10"), actor="ops")
        add_cost(session, "SR-1", _fee("0.20"), actor="ops")
    with pytest.raises(InvalidInput, match="in EUR; a line in USD"), db.session() as session:
        add_cost(session, "SR-1", _fee("5", "usd"), actor="ops")
    with db.session() as session:
        lines = costs_by_request(session, ["SR-1"])["SR-1"]
    assert [line.amount for line in lines] == [Decimal("120.10"), Decimal("0.20")]
    assert sum(line.amount for line in lines) == Decimal("120.30")  # no float drift
    assert {line.currency for line in lines} == {"EUR"}
    assert lines[0].entered_by == "ops"


def test_the_most_specific_rate_applies_and_setting_a_rate_again_replaces_it(db: Database) -> None:
    def rate(amount: str, **where: str) -> RateSpec:
        return RateSpec(
            service_type=ServiceType.SUBTITLING,
            unit=RateUnit.RUNTIME_MINUTE,
            amount=Decimal(amount),
            currency="EUR",
            **where,
        )

    with db.session() as session:
        set_rate(session, rate("3.00"), actor="ops")
        set_rate(session, rate("4.00", language="ko"), actor="ops")
        set_rate(session, rate("5.00", partner="Northlight Studios"), actor="ops")
        set_rate(session, rate("3.50"), actor="ops")  # replaces the general rate
        rates = list_rates(session)
    assert len(rates) == 3

    def pick(language: str, partner: str | None) -> Decimal:
        (chosen,) = best_rates(rates, RateKind.PRICE, ServiceType.SUBTITLING, language, partner)
        return chosen.amount

    assert pick("en", "Someone") == Decimal("3.50")
    assert pick("ko", "Someone") == Decimal("4.00")
    assert pick("ko", "Northlight Studios") == Decimal("5.00")  # the partner's own rate wins
    assert best_rates(rates, RateKind.COST, ServiceType.SUBTITLING, "en", None) == []


def test_quantities_count_started_minutes_files_and_deliveries() -> None:
    assert quantity_for(RateUnit.RUNTIME_MINUTE, Decimal("2712.5"), 0) == 46  # 45 min 12.5 s: 46 started
    assert quantity_for(RateUnit.RUNTIME_MINUTE, Decimal("2700"), 0) == 45
    assert quantity_for(RateUnit.RUNTIME_MINUTE, None, 3) is None
    assert quantity_for(RateUnit.FILE, None, 3) == 1
    assert quantity_for(RateUnit.EVENT, None, 3) == 3


def test_runtime_is_stated_else_the_final_proxy_else_the_av_file_else_the_title(db: Database) -> None:
    history.request(db, "SR-STATED", runtime_seconds=Decimal("1500"))
    history.request(db, "SR-PROXY")
    history.proxy(db, "SR-PROXY", 2712500)
    history.request(db, "SR-AV", source_type=SourceType.AV_MUXED, movie_id="m2", language="en")
    history.version(db, "SR-AV", probe={"duration_seconds": 1800.04})
    history.request(db, "SR-SUB", movie_id="m2", language="fr")
    history.request(db, "SR-NONE", movie_id="m3")
    with db.session() as session:
        found = runtimes(session, ["SR-STATED", "SR-PROXY", "SR-AV", "SR-SUB", "SR-NONE"])
    assert found == {
        "SR-STATED": Decimal("1500"),
        "SR-PROXY": Decimal("2712.5"),
        "SR-AV": Decimal("1800.040"),
        "SR-SUB": Decimal("1800.040"),  # the AV request of its title
        "SR-NONE": None,
    }


def test_runtime_reads_the_final_proxy_where_proxy_sync_attaches_it() -> None:
    from slate.backlot import DownloadAssetType
    from slate.downloads.proxy_sync import ASSET_NAMES
    from slate.reports._runtime import FINAL_PROXY_ASSET

    assert ASSET_NAMES[DownloadAssetType.FINAL_PROXY] == FINAL_PROXY_ASSET


def test_an_internal_cost_is_computed_from_cost_rates_and_the_runtime(db: Database) -> None:
    history.request(db, "SR-1")
    history.proxy(db, "SR-1", 2712500)
    with db.session() as session:
        for unit, amount in ((RateUnit.RUNTIME_MINUTE, "1.25"), (RateUnit.FILE, "10")):
            spec = RateSpec(
                kind=RateKind.COST,
                service_type=ServiceType.SUBTITLING,
                unit=unit,
                amount=Decimal(amount),
                currency="EUR",
            )
            set_rate(session, spec, actor="ops")
        lines = cost_from_rate_card(session, "SR-1", actor="ops", payee="subtitling team")
    assert [(line.quantity, line.unit, line.amount) for line in lines] == [
        (Decimal("46"), RateUnit.RUNTIME_MINUTE, Decimal("57.50")),
        (Decimal("1"), RateUnit.FILE, Decimal("10.00")),
    ]
    assert all(line.kind is CostKind.INTERNAL for line in lines)


def test_a_cost_rate_cannot_be_applied_without_a_runtime(db: Database) -> None:
    history.request(db, "SR-1")
    with db.session() as session:
        spec = RateSpec(
            kind=RateKind.COST,
            service_type=ServiceType.SUBTITLING,
            unit=RateUnit.RUNTIME_MINUTE,
            amount=Decimal("1"),
            currency="EUR",
        )
        set_rate(session, spec, actor="ops")
    with pytest.raises(InvalidInput, match="runtime is unknown"), db.session() as session:
        cost_from_rate_card(session, "SR-1", actor="ops", payee="team")
    with db.session() as session:
        assert costs_by_request(session, ["SR-1"])["SR-1"] == []
