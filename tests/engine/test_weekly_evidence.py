"""velocity_by_week counts evidence per local week by index ranges (not by grouping rows):
it must give what PRODUCT.md's definition gives, in any time zone, across daylight-saving
changes and exactly at week boundaries."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from validation import metrics
from validation.models import Source

from ..factories import (
    AreaFactory,
    ExperimentFactory,
    HypothesisFactory,
    InterviewFactory,
    LinkFactory,
    OrganizationFactory,
    SalesCallFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # a Wednesday; both 2026 DST changes lie in range
WEEKS = 42


def instants(tz: ZoneInfo) -> list[datetime]:
    """Every local Monday midnight of the range and the microsecond before it, the two US and
    EU daylight-saving changes, and 150 seeded random instants."""
    first = metrics.week_start(OrganizationFactory.build(timezone=tz.key), NOW) - timedelta(weeks=WEEKS)
    result = []
    for week in range(WEEKS + 2):
        midnight = datetime.combine(first + timedelta(weeks=week), datetime.min.time(), tz)
        result += [midnight.astimezone(UTC), (midnight - timedelta(microseconds=1)).astimezone(UTC)]
    result += [datetime(2026, 3, 8, 9, 59, tzinfo=UTC), datetime(2026, 3, 8, 10, tzinfo=UTC),
               datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
               datetime(2026, 11, 1, 8, 59, tzinfo=UTC), datetime(2026, 11, 1, 9, tzinfo=UTC)]
    rng = random.Random(7)
    start = NOW - timedelta(weeks=WEEKS + 1)
    result += [start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds())))
               for _ in range(150)]
    return [t for t in result if t <= NOW]


def log_evidence(org, times: list[datetime]) -> list[tuple[str, datetime]]:
    """One piece of evidence per instant, cycling through the sources; returns (source, time)."""
    logged = []
    for i, at in enumerate(times):
        source = Source.values[i % 3]
        if source == Source.INTERVIEW:
            InterviewFactory(organization=org, occurred_at=at)
        elif source == Source.SALES_CALL:
            SalesCallFactory(organization=org, occurred_at=at)
        else:
            ExperimentFactory(organization=org, started_at=at - timedelta(days=1), concluded_at=at)
        logged.append((source, at))
    return logged


def oracle(tz: ZoneInfo, logged: list[tuple[str, datetime]]) -> Counter:
    """(local Monday, source) → count, straight from PRODUCT.md's definition of a week."""
    def monday(at: datetime) -> date:
        local = at.astimezone(tz).date()
        return local - timedelta(days=local.weekday())
    return Counter((monday(at), source) for source, at in logged)


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Europe/Paris", "Asia/Kolkata", "UTC"])
def test_evidence_per_week_matches_the_definition_in_any_time_zone(zone):
    org = OrganizationFactory(timezone=zone)
    logged = log_evidence(org, instants(ZoneInfo(zone)))
    ExperimentFactory(organization=org, started_at=NOW - timedelta(days=3), concluded_at=None,
                      result="")  # running: not evidence yet
    log_evidence(OrganizationFactory(timezone=zone), instants(ZoneInfo(zone))[:20])  # another org

    weeks = metrics.velocity_by_week(org, weeks=WEEKS, now=NOW)

    expected = oracle(ZoneInfo(zone), logged)
    assert [w["week_start"].weekday() for w in weeks] == [0] * WEEKS
    assert {(w["week_start"], source): n for w in weeks for source, n in w["evidence"].items()
            if n} == {key: n for key, n in expected.items()
                      if weeks[0]["week_start"] <= key[0] <= weeks[-1]["week_start"]}


def test_counting_by_ranges_agrees_with_grouping_rows_by_week():
    """With an area, velocity_by_week groups linked evidence with TruncWeek; when all evidence
    is linked to that area, both methods must give the same weeks."""
    org = OrganizationFactory(timezone="America/New_York")
    hypothesis = HypothesisFactory(organization=org, area=AreaFactory(organization=org, name="Pricing"),
                                   stated_at=NOW - timedelta(weeks=60))
    for i, at in enumerate(instants(ZoneInfo("America/New_York"))):
        factory = (InterviewFactory, SalesCallFactory)[i % 2]
        LinkFactory(hypothesis=hypothesis, evidence=factory(organization=org, occurred_at=at))

    by_range = metrics.velocity_by_week(org, weeks=WEEKS, now=NOW)
    by_group = metrics.velocity_by_week(org, weeks=WEEKS, now=NOW, area="pricing")
    assert [w["evidence"] for w in by_range] == [w["evidence"] for w in by_group]
    assert sum(w["evidence"]["interview"] for w in by_range) > 50
