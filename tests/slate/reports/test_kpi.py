"""Rejection metrics and KPIs over a generated history whose answers are known.

The history (days in Los Angeles): R1 is delivered at 23:30 on its due date (07:30 UTC the next
day: on time), R2 at midnight after it (late); R3 is redelivered twice, after a Blocker answered
in 36 h and an Issue; R4, in Korean and without a due date, has a Blocker nobody answered yet;
R5 is delivered in the next quarter. R1's first version was rejected by our own QC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from slate.reports import Severity, kpi_overview, kpi_report, quarters, rejection_metrics
from slate.store import Database
from tests.slate.reports import history

LA = ZoneInfo("America/Los_Angeles")
Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def utc(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def story(db: Database) -> Database:
    history.request(db, "R1", due_date=date(2026, 2, 10))
    draft = history.version(db, "R1", by="bob")
    history.reject(db, "R1", draft, utc(2, 9), "OPERATOR_REJECTED", origin="INTERNAL", by="carla")
    history.deliver(db, "R1", history.version(db, "R1", by="alice", n=1), utc(2, 11, 7, 30))

    history.request(db, "R2", due_date=date(2026, 2, 10))
    history.deliver(db, "R2", history.version(db, "R2", by="alice"), utc(2, 11, 8, 0))

    history.request(db, "R3", due_date=date(2026, 3, 1))
    v1 = history.version(db, "R3", by="alice")
    history.deliver(db, "R3", v1, utc(2, 20, 10))
    history.reject(db, "R3", v1, utc(2, 21, 10), "TIMED_TEXT_OFFSET")
    v2 = history.version(db, "R3", by="lena", n=2)
    history.deliver(db, "R3", v2, utc(2, 22, 22))
    history.reject(db, "R3", v2, utc(2, 23, 10), "READING_SPEED")
    history.deliver(db, "R3", history.version(db, "R3", by="alice", n=3), utc(2, 26, 10))

    history.request(db, "R4", language="ko", title="Salt")
    v4 = history.version(db, "R4", by="alice")
    history.deliver(db, "R4", v4, utc(3, 5))
    history.reject(db, "R4", v4, utc(3, 6, 0), "AUDIO_CHANNEL_MISMAP")

    history.request(db, "R5", due_date=date(2026, 4, 30))
    history.deliver(db, "R5", history.version(db, "R5", by="alice"), utc(4, 2))
    return db


def _values(report: object) -> dict[str, tuple[float | None, bool | None]]:
    return {k.name: (k.value, k.met) for k in report.kpis}  # type: ignore[attr-defined]


def test_the_quarter_kpis_have_the_known_answers(story: Database) -> None:
    with story.session() as session:
        report = kpi_report(session, *Q1, LA)
    by = {k.name: k for k in report.kpis}
    assert (by["redelivery_rate"].numerator, by["redelivery_rate"].denominator) == (3, 6)
    assert by["redelivery_rate"].value == pytest.approx(0.5) and by["redelivery_rate"].met is False
    assert by["blocker_redelivery_rate"].value == pytest.approx(2 / 6)
    assert (by["blocker_transfers"].value, by["blocker_transfers"].met) == (2, True)
    assert (by["on_time"].numerator, by["on_time"].denominator) == (2, 3)  # R1 on time, R2 late, R3 on time
    assert by["on_time"].met is False
    velocity = by["blocker_velocity_hours"]
    assert velocity.value == pytest.approx(36.0) and velocity.met is True
    assert velocity.note == "1 Blocker rejections not redelivered yet"
    assert [k.name for k in report.missed()] == ["redelivery_rate", "blocker_redelivery_rate", "on_time"]
    assert [(c.request_id, c.rejections, c.blockers) for c in report.costliest] == [
        ("R3", 2, 1),
        ("R4", 1, 1),
    ]


def test_on_time_is_judged_by_the_due_day_in_the_report_time_zone(story: Database) -> None:
    with story.session() as session:
        in_utc = kpi_report(session, *Q1, ZoneInfo("UTC"))
    on_time = next(k for k in in_utc.kpis if k.name == "on_time")
    assert (on_time.numerator, on_time.denominator) == (1, 3)  # in UTC, R1's 07:30 on the 11th is late too


def test_quarters_and_the_rolling_30_days(story: Database) -> None:
    assert [q[0] for q in quarters(date(2026, 2, 15), date(2026, 5, 1))] == ["2026-Q1", "2026-Q2"]
    assert quarters(date(2026, 11, 3), date(2026, 12, 31)) == [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    ]
    with story.session() as session:
        reports = kpi_overview(session, date(2026, 2, 15), date(2026, 5, 1), LA, today=date(2026, 3, 20))
    assert [r.label for r in reports] == ["2026-Q1", "2026-Q2", "last 30 days"]
    q2, rolling = _values(reports[1]), reports[2]
    assert q2["redelivery_rate"] == (0.0, True) and q2["on_time"] == (1.0, True)
    assert (rolling.start, rolling.end) == (date(2026, 2, 19), date(2026, 3, 20))
    rate = next(k for k in rolling.kpis if k.name == "redelivery_rate")
    assert (rate.numerator, rate.denominator) == (3, 4)


def test_an_empty_period_measures_nothing_rather_than_passing(db: Database) -> None:
    with db.session() as session:
        report = kpi_report(session, *Q1, LA)
    assert {k.name: k.met for k in report.kpis} == {
        "redelivery_rate": None,
        "blocker_redelivery_rate": None,
        "blocker_transfers": True,
        "on_time": None,
        "blocker_velocity_hours": None,
    }


def test_rejection_metrics_count_every_rejection_by_cause_person_language_and_origin(story: Database) -> None:
    with story.session() as session:
        metrics = rejection_metrics(session, *Q1, LA)
    assert (metrics.total, metrics.deliveries) == (4, 6)
    assert [(f.request_id, f.cause, f.severity, f.version, f.person) for f in metrics.rejections] == [
        ("R1", "OPERATOR_REJECTED", Severity.ISSUE, 1, "bob"),
        ("R3", "TIMED_TEXT_OFFSET", Severity.BLOCKER, 1, "alice"),
        ("R3", "READING_SPEED", Severity.ISSUE, 2, "lena"),
        ("R4", "AUDIO_CHANNEL_MISMAP", Severity.BLOCKER, 1, "alice"),
    ]
    people = {c.key: (c.rejections, c.deliveries, c.rate) for c in metrics.by["person"]}
    assert people == {"alice": (2, 5, 0.4), "lena": (1, 1, 1.0), "bob": (1, 0, None)}
    languages = {c.key: (c.rejections, c.deliveries, c.portal, c.internal) for c in metrics.by["language"]}
    assert languages == {"en": (3, 5, 2, 1), "ko": (1, 1, 1, 0)}
    assert {c.key: c.rate for c in metrics.by["cause"]} == dict.fromkeys(
        ("AUDIO_CHANNEL_MISMAP", "OPERATOR_REJECTED", "READING_SPEED", "TIMED_TEXT_OFFSET"), 0.25
    )
    assert {c.key: c.rejections for c in metrics.by["origin"]} == {"PORTAL": 3, "INTERNAL": 1}
    assert {c.key: c.blockers for c in metrics.by["title"]} == {"The Long Night": 1, "Salt": 1}
    assert {c.key: c.rejections for c in metrics.by["severity"]} == {"BLOCKER": 2, "ISSUE": 2}
