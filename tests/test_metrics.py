"""PRODUCT.md's metric definitions, number for number, through the services and the engine."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import time_machine

from validation import metrics, services
from validation.models import Hypothesis, Status

from .examples import log_worked_example
from .factories import HypothesisFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def worked_example(django_capture_on_commit_callbacks):
    """PRODUCT.md's worked example, logged through the services; tasks run on commit."""
    org = OrganizationFactory(timezone="UTC")
    with django_capture_on_commit_callbacks(execute=True):
        example = log_worked_example(org, UserFactory())
    example.h1.refresh_from_db()
    example.h2.refresh_from_db()
    return org, example.h1, example.h2


def test_worked_example_derived_values(worked_example):
    _, h1, h2 = worked_example
    assert h1.time_to_first_evidence_days == 2.5  # the sales call; the interview is prior
    assert h1.time_to_first("experiment") == timedelta(days=10)
    assert h1.first_interview_at is None
    assert h1.evidence_count == 3  # prior evidence included
    assert h1.last_evidence_at == at(2026, 3, 12, 9)
    assert h1.cycle_time_days == 14.0
    assert h2.cycle_time_days == 7.0


def test_worked_example_week_and_statistics(worked_example):
    org, _, _ = worked_example
    week = metrics.week_window(org, date(2026, 3, 16))
    assert metrics.week_start(org, at(2026, 3, 16, 9)) == date(2026, 3, 16)
    stats = metrics.cycle_time_stats(org, window=week)
    assert stats["count"] == 2
    assert stats["p50_days"] == pytest.approx(10.5)
    assert stats["p85_days"] == pytest.approx(12.95)
    assert stats["validation_rate"] == 0.5
    assert stats["validated"] == 1 and stats["invalidated"] == 1 and stats["abandoned"] == 0
    ttfe = stats["time_to_first_evidence"]
    assert ttfe["count"] == 1 and ttfe["p50_days"] == pytest.approx(2.5)
    assert ttfe["by_source"]["experiment"] == {"count": 1, "p50_days": pytest.approx(10.0),
                                               "p85_days": pytest.approx(10.0)}
    assert ttfe["by_source"]["interview"] == {"count": 0, "p50_days": None, "p85_days": None}


def test_worked_example_velocity(worked_example):
    org, _, _ = worked_example
    weeks = metrics.velocity_by_week(org, weeks=4, now=at(2026, 3, 18, 12))
    assert [w["week_start"] for w in weeks] == [date(2026, 2, 23), date(2026, 3, 2),
                                               date(2026, 3, 9), date(2026, 3, 16)]
    last = weeks[-1]
    assert (last["decided"], last["validated"], last["invalidated"]) == (2, 1, 1)
    assert last["p50_cycle_days"] == pytest.approx(10.5)
    assert last["p85_cycle_days"] == pytest.approx(12.95)
    assert [w["stated"] for w in weeks] == [0, 1, 1, 0]
    assert weeks[0]["evidence"] == {"interview": 1, "sales_call": 0, "experiment": 0}
    assert weeks[1]["evidence"] == {"interview": 0, "sales_call": 1, "experiment": 0}
    assert weeks[2]["evidence"]["experiment"] == 1


def test_empty_sets_give_null_percentiles(db):
    org = OrganizationFactory()
    stats = metrics.cycle_time_stats(org)
    assert stats["count"] == 0 and stats["p50_days"] is None and stats["validation_rate"] is None
    assert stats["time_to_first_evidence"]["p85_days"] is None


def test_abandoned_hypotheses_have_no_cycle_time_and_are_counted_apart(
        django_capture_on_commit_callbacks):
    org, user = OrganizationFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        h = services.hypothesis_create(organization=org, user=user, title="A", statement="…",
                                       stated_at=at(2026, 1, 5))
        services.hypothesis_decide(hypothesis=h, user=user, status=Status.ABANDONED,
                                   decided_at=at(2026, 1, 9))
    h.refresh_from_db()
    assert h.cycle_time is None
    stats = metrics.cycle_time_stats(org)
    assert stats["abandoned"] == 1 and stats["count"] == 0 and stats["p50_days"] is None


@pytest.mark.parametrize("values", [[1.0], [3.0, 1.0], [5.0, 1.0, 2.5, 9.0, 7.25, 0.5, 30.0]])
def test_percentiles_match_numpy_linear_interpolation(values):
    org = OrganizationFactory()
    start = at(2025, 1, 6)
    for i, value in enumerate(values):
        HypothesisFactory(organization=org, stated_at=start, status=Status.VALIDATED,
                          decided_at=start + timedelta(days=value), title=f"h{i}")
    from validation import engine
    engine.recompute_all(org.pk)
    stats = metrics.cycle_time_stats(org)
    for name, q in (("p50_days", 50), ("p85_days", 85), ("p95_days", 95)):
        assert stats[name] == pytest.approx(float(np.percentile(values, q)), abs=1e-9)
    assert stats["mean_days"] == pytest.approx(float(np.mean(values)))


def test_window_for_dates_includes_both_local_dates():
    org = OrganizationFactory(timezone="America/Los_Angeles")
    window = metrics.window_for_dates(org, date(2026, 3, 1), date(2026, 3, 7))
    assert window.start == at(2026, 3, 1, 8)  # PST, UTC-8
    assert window.end == at(2026, 3, 8, 8)  # midnight of the 8th, still PST


def test_a_monday_morning_utc_decision_belongs_to_the_previous_week_in_los_angeles():
    org = OrganizationFactory(timezone="America/Los_Angeles")
    decided = at(2026, 3, 16, 5)  # Monday 05:00 UTC = Sunday 22:00 in Los Angeles (PDT)
    HypothesisFactory(organization=org, stated_at=at(2026, 3, 10), status=Status.VALIDATED,
                      decided_at=decided)
    assert metrics.week_start(org, decided) == date(2026, 3, 9)
    weeks = metrics.velocity_by_week(org, weeks=2, now=at(2026, 3, 17, 12))
    assert [(w["week_start"], w["decided"]) for w in weeks] == [(date(2026, 3, 9), 1),
                                                               (date(2026, 3, 16), 0)]


def test_a_week_containing_the_daylight_saving_change():
    """US clocks sprang forward on 2026-03-08: that week starts at 08:00 UTC (PST) on Monday
    2026-03-02 and ends at 07:00 UTC (PDT) on Monday 2026-03-09 — 167 hours."""
    org = OrganizationFactory(timezone="America/Los_Angeles")
    week = metrics.week_window(org, date(2026, 3, 2))
    assert week.start == at(2026, 3, 2, 8) and week.end == at(2026, 3, 9, 7)
    assert week.end - week.start == timedelta(hours=167)
    inside = [at(2026, 3, 2, 8), at(2026, 3, 9, 6, 59)]
    outside = [at(2026, 3, 2, 7, 59), at(2026, 3, 9, 7)]
    for i, decided in enumerate(inside + outside):
        HypothesisFactory(organization=org, stated_at=at(2026, 2, 1), status=Status.VALIDATED,
                          decided_at=decided, title=f"h{i}")
    weeks = {w["week_start"]: w["decided"]
             for w in metrics.velocity_by_week(org, weeks=3, now=at(2026, 3, 10))}
    assert weeks == {date(2026, 2, 23): 1, date(2026, 3, 2): 2, date(2026, 3, 9): 1}


def test_stale_and_open_counts_follow_the_organizations_threshold():
    org = OrganizationFactory(stale_after_days=14)
    now = at(2026, 6, 1)
    HypothesisFactory(organization=org, stated_at=now - timedelta(days=20), title="stale")
    fresh = HypothesisFactory(organization=org, stated_at=now - timedelta(days=20), title="fresh")
    Hypothesis.objects.filter(pk=fresh.pk).update(last_evidence_at=now - timedelta(days=3))
    HypothesisFactory(organization=org, stated_at=now - timedelta(days=2), title="new")
    assert metrics.open_counts(org, now=now) == {"open": 3, "stale": 1}
    aging = {row["title"]: row for row in metrics.aging_open_hypotheses(org, now=now)}
    assert aging["stale"]["stale"] and aging["stale"]["idle_days"] == 20.0
    assert not aging["fresh"]["stale"] and aging["fresh"]["idle_days"] == 3.0
    assert [row["title"] for row in metrics.stale_hypotheses(org, now=now)] == ["stale"]
    # The dashboard draws only the oldest: the same rows, cut after `limit`.
    assert metrics.aging_open_hypotheses(org, now=now, limit=2) == [aging["stale"], aging["fresh"]]


def test_stale_hypotheses_come_most_idle_first():
    org = OrganizationFactory(stale_after_days=14)
    now = at(2026, 6, 1)
    for title, stated, idle in [("a", 60, 20), ("b", 30, 30), ("c", 90, 15), ("d", 90, 5)]:
        h = HypothesisFactory(organization=org, stated_at=now - timedelta(days=stated), title=title)
        Hypothesis.objects.filter(pk=h.pk).update(last_evidence_at=now - timedelta(days=idle))
    stale = metrics.stale_hypotheses(org, now=now)
    assert [(row["title"], row["idle_days"]) for row in stale] == [("b", 30.0), ("a", 20.0),
                                                                   ("c", 15.0)]


def test_velocity_trend_compares_the_last_four_weeks_with_the_four_before():
    org = OrganizationFactory()
    end = at(2026, 6, 1)
    for i, (ago, cycle) in enumerate([(3, 2), (10, 4), (20, 6), (35, 10), (40, 12)]):
        decided = end - timedelta(days=ago)
        HypothesisFactory(organization=org, stated_at=decided - timedelta(days=cycle),
                          status=Status.VALIDATED, decided_at=decided, title=f"h{i}")
    from validation import engine
    engine.recompute_all(org.pk)
    with time_machine.travel(end, tick=False):
        trend = metrics.velocity_trend(org)
    assert trend["current"]["decided"] == 3 and trend["previous"]["decided"] == 2
    assert trend["current"]["throughput_per_week"] == 0.75
    assert trend["current"]["p50_days"] == 4.0 and trend["previous"]["p50_days"] == 11.0
    assert trend["p50_change_days"] == -7.0
