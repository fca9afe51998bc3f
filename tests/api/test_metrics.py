"""The metrics endpoints return what validation.metrics computes, for a window of local dates
and an area; bad parameters get 400 naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from validation import metrics

from ..examples import log_worked_example
from .conftest import at

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme/metrics"


@pytest.fixture
def worked_example(team, django_capture_on_commit_callbacks):
    """PRODUCT.md's worked example in the team's organization (time zone UTC), H1 in the
    area Onboarding."""
    with django_capture_on_commit_callbacks(execute=True):
        log_worked_example(team.org, team.member, area="Onboarding")
    return team.org


def test_cycle_time_of_the_worked_example_week(worked_example, client_as):
    body = client_as("viewer").get(f"{ORG}/cycle-time/?from=2026-03-16&to=2026-03-22").json()
    assert (body["count"], body["validated"], body["invalidated"], body["abandoned"]) == (2, 1, 1, 0)
    assert body["p50_days"] == pytest.approx(10.5)
    assert body["p85_days"] == pytest.approx(12.95)
    assert body["validation_rate"] == 0.5
    ttfe = body["time_to_first_evidence"]
    assert ttfe["count"] == 1 and ttfe["p50_days"] == pytest.approx(2.5)
    assert ttfe["by_source"]["experiment"]["p50_days"] == pytest.approx(10.0)
    assert ttfe["by_source"]["interview"] == {"count": 0, "p50_days": None, "p85_days": None}


def test_cycle_time_returns_exactly_what_the_metrics_module_computes(worked_example, client_as):
    org = worked_example
    for query, window, area in [
        ("", metrics.Window(), None),
        ("?to=2026-03-15", metrics.window_for_dates(org, None, date(2026, 3, 15)), None),
        ("?from=2026-03-16&area=onboarding",
         metrics.window_for_dates(org, date(2026, 3, 16), None), "onboarding"),
    ]:
        body = client_as("viewer").get(f"{ORG}/cycle-time/{query}").json()
        assert body == metrics.cycle_time_stats(org, window=window, area=area)


def test_the_window_is_in_the_organizations_time_zone(worked_example, client_as):
    worked_example.timezone = "Asia/Tokyo"  # H1's 09:00 UTC decision is 18:00 there; H2's 12:00 is 21:00
    worked_example.save()
    assert client_as("viewer").get(f"{ORG}/cycle-time/?from=2026-03-16&to=2026-03-16").json()[
        "count"] == 2
    worked_example.timezone = "Pacific/Kiritimati"  # UTC+14: both fall on March 16 at 23:00, 02:00
    worked_example.save()
    body = client_as("viewer").get(f"{ORG}/cycle-time/?from=2026-03-17&to=2026-03-17").json()
    assert body["count"] == 1 and body["invalidated"] == 1


def test_velocity_lists_weeks_oldest_first_with_the_current_week_last(worked_example, client_as):
    with time_machine.travel(at(2026, 3, 18, 12)):
        body = client_as("viewer").get(f"{ORG}/velocity/?weeks=4").json()
    weeks = body["weeks"]
    assert [w["week_start"] for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09",
                                               "2026-03-16"]
    assert weeks[-1]["decided"] == 2 and weeks[-1]["p50_cycle_days"] == pytest.approx(10.5)
    assert weeks[0]["evidence"] == {"interview": 1, "sales_call": 0, "experiment": 0}
    assert weeks[1]["stated"] == 1 and weeks[2]["stated"] == 1
    with time_machine.travel(at(2026, 3, 18, 12)):
        expected = metrics.velocity_by_week(worked_example, weeks=4, area="Onboarding")
        body = client_as("viewer").get(f"{ORG}/velocity/?weeks=4&area=Onboarding").json()
    assert body == {"weeks": [{**w, "week_start": w["week_start"].isoformat()} for w in expected]}


def test_velocity_defaults_to_twelve_weeks(worked_example, client_as):
    assert len(client_as("viewer").get(f"{ORG}/velocity/").json()["weeks"]) == 12


@pytest.mark.parametrize(("endpoint", "query", "field"), [
    ("cycle-time", "from=2026-13-01", "from"),
    ("cycle-time", "to=tomorrow", "to"),
    ("cycle-time", "from=2026-03-10&to=2026-03-01", "to"),
    ("cycle-time", "to=9999-12-31", "to"),
    ("velocity", "weeks=0", "weeks"),
    ("velocity", "weeks=105", "weeks"),
    ("velocity", "weeks=twelve", "weeks"),
])
def test_bad_metric_parameters_get_400_naming_the_parameter(endpoint, query, field, team,
                                                            client_as):
    response = client_as("viewer").get(f"{ORG}/{endpoint}/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
