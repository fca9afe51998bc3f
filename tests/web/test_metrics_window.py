"""The two reads the dashboard added to validation.metrics: any window against the one before
it, and the weeks a window touches."""

from datetime import UTC, date, datetime

import pytest

from validation import metrics, services
from validation.metrics import Window

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def decide(org, user, stated, decided, status="validated"):
    hypothesis = services.hypothesis_create(organization=org, user=user, title="H",
                                            statement="…", stated_at=stated)
    services.hypothesis_decide(hypothesis=hypothesis, user=user, status=status, decided_at=decided)


def test_a_window_is_compared_with_the_equally_long_one_before(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decide(team.org, team.member, at(2026, 3, 2), at(2026, 3, 16))   # 14 days, current
        decide(team.org, team.member, at(2026, 3, 9), at(2026, 3, 16), "invalidated")  # 7 days
        decide(team.org, team.member, at(2026, 2, 1), at(2026, 2, 21))   # 20 days, previous
    result = metrics.window_comparison(team.org, window=Window(at(2026, 3, 1), at(2026, 3, 29)))
    assert result["weeks"] == 4
    assert result["current"]["p50_days"] == pytest.approx(10.5)
    assert result["current"]["throughput_per_week"] == 0.5
    assert result["previous"]["window"] == Window(at(2026, 2, 1), at(2026, 3, 1))
    assert result["previous"]["p50_days"] == pytest.approx(20.0)
    assert result["changes"]["p50_days"] == pytest.approx(-9.5)
    assert result["changes"]["validation_rate"] == pytest.approx(-0.5)


def test_an_unknown_side_gives_no_change(team):
    result = metrics.window_comparison(team.org, window=Window(at(2026, 3, 1), at(2026, 3, 29)))
    assert result["changes"] == {"p50_days": None, "p85_days": None, "throughput_per_week": 0.0,
                                 "validation_rate": None}


def test_an_unbounded_window_is_refused(team):
    with pytest.raises(ValueError, match="bounded"):
        metrics.window_comparison(team.org, window=Window(None, at(2026, 3, 1)))


def test_the_weeks_a_window_touches(team):
    # Sunday 1 March to Tuesday 17 March (UTC): the weeks of 23 Feb, 2 March, 9 March, 16 March.
    weeks = metrics.velocity_in_window(team.org, window=Window(at(2026, 3, 1), at(2026, 3, 17, 12)))
    assert [w["week_start"] for w in weeks] == [date(2026, 2, 23), date(2026, 3, 2),
                                                date(2026, 3, 9), date(2026, 3, 16)]
