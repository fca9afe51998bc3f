"""Hypotheses through the API: create, edit, decide, reopen, delete; derived values; the
timeline and the status history; filters, ordering and pagination of the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import HypothesisFactory
from validation.models import Hypothesis, ProductArea

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/hypotheses/"


def test_a_member_states_a_hypothesis_and_its_area_is_created_on_first_use(team, client_as):
    response = client_as("member").post(URL, {
        "title": "Invites first", "statement": "We believe that admins invite before setup.",
        "success_criteria": "40% invite in session one", "area": "Activation",
        "owner": "admin", "stated_at": "2026-03-02T09:00:00+01:00"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["area"] == "Activation" and body["owner"] == "admin"
    assert body["stated_at"] == "2026-03-02T08:00:00Z"
    assert body["status"] == "open" and body["decided_at"] is None
    assert body["evidence_count"] == 0 and body["cycle_time_days"] is None
    assert set(body) == {
        "id", "title", "statement", "success_criteria", "area", "owner", "stated_at", "status",
        "decided_at", "decision_note", "created_at", "updated_at", "first_evidence_at",
        "time_to_first_evidence_days", "cycle_time_days", "evidence_count", "last_evidence_at"}
    again = client_as("member").post(URL, {"title": "B", "statement": "S", "area": "activation"},
                                     format="json")
    assert again.json()["area"] == "Activation"
    assert ProductArea.objects.for_org(team.org).count() == 1


def test_stated_at_defaults_to_now(team, client_as):
    body = client_as("member").post(URL, {"title": "T", "statement": "S"}, format="json").json()
    stated = Hypothesis.objects.get(pk=body["id"]).stated_at
    assert abs((timezone.now() - stated).total_seconds()) < 5


def test_an_edit_changes_the_fields_given_and_can_clear_area_and_owner(world, client_as):
    url = f"{URL}{world.hypothesis.pk}/"
    body = client_as("member").patch(url, {"title": "Guided setup v2"}, format="json").json()
    assert (body["title"], body["area"], body["owner"]) == ("Guided setup v2", "Onboarding",
                                                            "member")
    body = client_as("member").patch(url, {"area": None, "owner": None}, format="json").json()
    assert (body["area"], body["owner"]) == (None, None)


def test_deciding_records_the_decision_and_the_cycle_time(world, client_as,
                                                           django_capture_on_commit_callbacks):
    url = f"{URL}{world.hypothesis.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("member").post(url + "decide/", {
            "status": "validated", "decided_at": "2026-03-16T09:00:00Z", "note": "Clear win"},
            format="json")
    assert response.status_code == 200, response.content
    body = client_as("viewer").get(url).json()
    assert (body["status"], body["decided_at"], body["decision_note"]) == (
        "validated", "2026-03-16T09:00:00Z", "Clear win")
    assert body["cycle_time_days"] == 14.0
    # The world's evidence: interview 2026-03-03 09:00, sales call 03-04 21:00, experiment 03-12.
    assert body["time_to_first_evidence_days"] == 1.0
    assert body["evidence_count"] == 3
    assert body["last_evidence_at"] == "2026-03-12T09:00:00Z"


def test_decided_at_defaults_to_now(world, client_as):
    client_as("member").post(f"{URL}{world.hypothesis.pk}/decide/", {"status": "abandoned"},
                             format="json")
    world.hypothesis.refresh_from_db()
    assert abs((timezone.now() - world.hypothesis.decided_at).total_seconds()) < 5


def test_reopening_keeps_the_decision_in_the_history(world, client_as):
    client = client_as("member")
    url = f"{URL}{world.hypothesis.pk}/"
    client.post(url + "decide/", {"status": "invalidated", "decided_at": "2026-03-10T09:00:00Z"},
                format="json")
    reopened = client.post(url + "reopen/", {"note": "New interviews"}, format="json").json()
    assert (reopened["status"], reopened["decided_at"]) == ("open", None)
    history = client_as("viewer").get(url + "history/").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("open", "invalidated"), ("invalidated", "open")]
    assert history[0]["decided_at"] == "2026-03-10T09:00:00Z"
    assert history[1]["note"] == "New interviews" and history[1]["changed_by"] == "member"


def test_a_hypothesis_created_through_the_api_starts_its_history(team, client_as):
    created = client_as("member").post(URL, {"title": "T", "statement": "S"}, format="json").json()
    history = client_as("viewer").get(f"{URL}{created['id']}/history/").json()
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == [
        (None, "open", "member")]


def test_the_timeline_lists_all_sources_in_evidence_time_order_in_one_query(
        world, client_as, django_assert_num_queries):
    client = client_as("viewer")
    with django_assert_num_queries(3):  # membership, hypothesis, links with their evidence
        timeline = client.get(f"{URL}{world.hypothesis.pk}/timeline/").json()
    assert [(e["source"], e["id"]) for e in timeline] == [
        ("interview", world.interview.pk), ("sales_call", world.sales_call.pk),
        ("experiment", world.experiment.pk)]
    assert timeline[0] == {
        "id": world.interview.pk, "source": "interview", "title": "Dana Scott (Initech)",
        "evidence_at": "2026-03-03T09:00:00Z", "started_at": None, "stance": "supports",
        "strength": "weak", "counted": True}


def test_the_timeline_marks_prior_evidence_and_puts_running_experiments_last(world, client_as):
    client = client_as("member")
    running = client.post("/api/v1/orgs/acme/experiments/", {
        "name": "Still running", "started_at": "2026-03-06T09:00:00Z",
        "hypotheses": [{"hypothesis": world.hypothesis.pk}]}, format="json").json()
    prior = client.post("/api/v1/orgs/acme/interviews/", {
        "occurred_at": "2026-02-27T10:00:00Z",
        "hypotheses": [{"hypothesis": world.hypothesis.pk, "stance": "refutes"}]},
        format="json").json()
    timeline = client.get(f"{URL}{world.hypothesis.pk}/timeline/").json()
    assert timeline[0]["id"] == prior["id"] and timeline[0]["counted"] is False
    assert timeline[0]["stance"] == "refutes"
    assert timeline[-1]["id"] == running["id"]
    assert timeline[-1]["evidence_at"] is None and timeline[-1]["counted"] is False


def test_deleting_a_hypothesis_removes_it(world, client_as):
    url = f"{URL}{world.hypothesis.pk}/"
    assert client_as("member").delete(url).status_code == 204
    assert client_as("member").get(url).status_code == 404
    assert not Hypothesis.objects.filter(pk=world.hypothesis.pk).exists()


# --- the list -----------------------------------------------------------------------------
def titles(client, query: str = "") -> list[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    return [h["title"] for h in response.json()["results"]]


@pytest.fixture
def listed(world, team):
    """Three more hypotheses: one open and stale, one abandoned, one open and fresh."""
    now = timezone.now()
    HypothesisFactory(organization=team.org, title="Stale", stated_at=now - timedelta(days=30),
                      owner=team.admin)
    HypothesisFactory(organization=team.org, title="Dropped", stated_at=at(2026, 2, 1, 9),
                      status="abandoned", decided_at=at(2026, 2, 20, 9))
    HypothesisFactory(organization=team.org, title="Fresh", stated_at=now - timedelta(days=2))
    return world


def test_the_list_filters_by_status_area_and_owner(listed, client_as):
    client = client_as("viewer")
    assert titles(client, "status=validated") == ["Sample data"]
    assert titles(client, "status=abandoned") == ["Dropped"]
    assert titles(client, "area=onboarding") == ["Guided setup"]
    assert titles(client, "owner=admin") == ["Stale"]
    assert titles(client, "owner=nobody") == []


def test_the_stale_filter_uses_the_organizations_threshold(listed, client_as, team):
    client = client_as("viewer")
    # "Guided setup" (stated 2026-03-02, no counted evidence computed) is stale too.
    assert sorted(titles(client, "stale=true")) == ["Guided setup", "Stale"]
    assert sorted(titles(client, "stale=false")) == ["Dropped", "Fresh", "Sample data"]
    team.org.stale_after_days = 365
    team.org.save()
    assert titles(client, "stale=true") == []


def test_the_list_filters_by_stated_and_decided_dates_in_the_organizations_time_zone(
        listed, client_as, team):
    client = client_as("viewer")
    assert titles(client, "stated_from=2026-03-01&stated_to=2026-03-02") == [
        "Guided setup", "Sample data"]
    assert titles(client, "decided_from=2026-02-20&decided_to=2026-02-20") == ["Dropped"]
    team.org.timezone = "America/New_York"  # 2026-03-02 09:00 UTC is 04:00 there
    team.org.save()
    assert titles(client, "stated_from=2026-03-02&stated_to=2026-03-02") == ["Guided setup"]
    team.org.timezone = "Asia/Tokyo"  # 2026-03-01 09:00 UTC is 18:00 there
    team.org.save()
    assert titles(client, "stated_to=2026-03-01&stated_from=2026-03-01") == ["Sample data"]


@pytest.mark.parametrize(("query", "field"), [
    ("status=closed", "status"), ("stale=maybe", "stale"), ("stated_from=03/01/2026", "stated_from"),
    ("decided_to=0001-01-01", "decided_to"), ("ordering=password", "ordering"),
])
def test_an_invalid_filter_gets_400_naming_it(query, field, listed, client_as):
    response = client_as("viewer").get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_orders_by_the_ordering_parameter_with_empty_values_last(listed, client_as):
    client = client_as("viewer")
    assert titles(client) == ["Fresh", "Stale", "Guided setup", "Sample data", "Dropped"]
    assert titles(client, "ordering=title") == sorted(titles(client))
    decided = titles(client, "ordering=-decided_at")
    assert decided[:2] == ["Sample data", "Dropped"]
    assert titles(client, "ordering=decided_at")[:2] == ["Dropped", "Sample data"]


def test_the_list_pages_with_a_count_and_page_size_up_to_200(team, client_as):
    HypothesisFactory.create_batch(205, organization=team.org)
    client = client_as("viewer")
    first = client.get(f"{URL}?page_size=2").json()
    assert first["count"] == 205 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert {h["id"] for h in first["results"]}.isdisjoint(h["id"] for h in second["results"])
    assert len(client.get(f"{URL}?page_size=1000").json()["results"]) == 200
    assert len(client.get(URL).json()["results"]) == 50
    assert client.get(f"{URL}?page=99").status_code == 404
