"""Interviews, sales calls and experiments: their links to hypotheses (defaults by source,
replaced whole on update, recomputing every hypothesis that gained or lost one), experiment
statistics, cursor pages, filters and ordering."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import ExperimentFactory, HypothesisFactory, InterviewFactory, SalesCallFactory
from validation.models import Evidence, EvidenceLink, Hypothesis

from .conftest import at

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"


def test_logging_an_interview_links_it_with_the_sources_default_strength(world, client_as):
    response = client_as("member").post(f"{ORG}/interviews/", {
        "occurred_at": "2026-03-05T10:00:00Z", "interviewee": "Ana", "company": "Initech",
        "segment": "SMB", "notes": "Needs SSO", "quotes": "“We export every Monday”",
        "hypotheses": [{"hypothesis": world.hypothesis.pk},
                       {"hypothesis": world.decided.pk, "stance": "refutes", "strength": "strong"}],
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hypotheses"] == [
        {"hypothesis": world.hypothesis.pk, "stance": "supports", "strength": "weak"},
        {"hypothesis": world.decided.pk, "stance": "refutes", "strength": "strong"}]
    assert body["evidence_at"] == "2026-03-05T10:00:00Z" and body["created_by"] == "member"
    assert body["quotes"] == "“We export every Monday”"


@pytest.mark.parametrize(("resource", "body", "strength"), [
    ("sales-calls", {"occurred_at": "2026-03-05T10:00:00Z", "account": "Globex",
                     "deal_value": "12000.50"}, "moderate"),
    ("experiments", {"name": "Fake door", "started_at": "2026-03-05T10:00:00Z"}, "strong"),
])
def test_each_source_has_its_default_strength(resource, body, strength, world, client_as):
    body = {**body, "hypotheses": [{"hypothesis": world.hypothesis.pk}]}
    created = client_as("member").post(f"{ORG}/{resource}/", body, format="json").json()
    assert created["hypotheses"][0]["strength"] == strength


def test_a_sales_call_keeps_its_deal_value_exact(world, client_as):
    created = client_as("member").post(f"{ORG}/sales-calls/", {
        "occurred_at": "2026-03-05T10:00:00Z", "account": "Globex", "deal_stage": "Demo",
        "deal_value": "12000.50"}, format="json").json()
    assert created["deal_value"] == "12000.50"
    assert Evidence.objects.get(pk=created["id"]).deal_value == pytest.approx(12000.5)


def test_an_experiment_reports_its_lift_and_statistics(world, client_as):
    body = client_as("viewer").get(f"{ORG}/experiments/{world.experiment.pk}/").json()
    assert body["lift"] == pytest.approx(0.3)  # 13% against 10%
    stats = body["stats"]
    assert stats["control_rate"] == pytest.approx(0.10)
    assert stats["variant_rate"] == pytest.approx(0.13)
    assert stats["p_value"] == pytest.approx(0.0356, abs=1e-3)
    assert stats["significant"] is True
    assert (body["result"], body["kind"]) == ("win", "ab_test")


def test_a_running_experiment_has_no_result_and_no_evidence_time(world, client_as):
    body = client_as("member").post(f"{ORG}/experiments/", {
        "name": "Pricing page", "kind": None, "started_at": "2026-03-05T10:00:00Z",
        "control_users": 100}, format="json").json()
    assert (body["result"], body["kind"], body["concluded_at"], body["evidence_at"]) == (
        None, None, None, None)
    assert (body["lift"], body["stats"]) == (None, None)


def test_an_update_replaces_the_links_and_recomputes_both_hypotheses(
        world, team, client_as, django_capture_on_commit_callbacks):
    other = HypothesisFactory(organization=team.org, stated_at=at(2026, 3, 1, 9))
    url = f"{ORG}/interviews/{world.interview.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("member").patch(url, {
            "hypotheses": [{"hypothesis": other.pk, "stance": "neutral", "strength": "moderate"}]},
            format="json")
    assert response.status_code == 200, response.content
    assert response.json()["hypotheses"] == [
        {"hypothesis": other.pk, "stance": "neutral", "strength": "moderate"}]
    assert list(EvidenceLink.objects.filter(evidence=world.interview).values_list(
        "hypothesis_id", flat=True)) == [other.pk]
    other.refresh_from_db()
    assert other.evidence_count == 1 and other.first_interview_at == at(2026, 3, 3, 9)
    lost = Hypothesis.objects.get(pk=world.hypothesis.pk)
    assert lost.evidence_count == 2 and lost.first_interview_at is None


def test_an_update_without_hypotheses_keeps_the_links(world, client_as):
    url = f"{ORG}/interviews/{world.interview.pk}/"
    body = client_as("member").patch(url, {"segment": "Mid-market"}, format="json").json()
    assert body["segment"] == "Mid-market"
    assert [link["hypothesis"] for link in body["hypotheses"]] == [world.hypothesis.pk]


def test_an_empty_list_of_hypotheses_unlinks_the_evidence(world, client_as):
    url = f"{ORG}/interviews/{world.interview.pk}/"
    assert client_as("member").patch(url, {"hypotheses": []}, format="json").json()[
        "hypotheses"] == []
    assert not EvidenceLink.objects.filter(evidence=world.interview).exists()


def test_moving_an_interview_recomputes_its_hypothesis(world, client_as,
                                                       django_capture_on_commit_callbacks):
    url = f"{ORG}/interviews/{world.interview.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client_as("member").patch(url, {"occurred_at": "2026-03-02T21:00:00Z"}, format="json")
    world.hypothesis.refresh_from_db()
    assert world.hypothesis.time_to_first_evidence_days == 0.5


def test_deleting_evidence_recomputes_its_hypotheses(world, client_as,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_as("member").delete(
            f"{ORG}/experiments/{world.experiment.pk}/").status_code == 204
    world.hypothesis.refresh_from_db()
    assert world.hypothesis.evidence_count == 2
    assert world.hypothesis.first_experiment_at is None


def test_an_interview_is_not_found_among_sales_calls(world, client_as):
    assert client_as("viewer").get(f"{ORG}/sales-calls/{world.interview.pk}/").status_code == 404


# --- lists ----------------------------------------------------------------------------------
def ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_evidence_lists_page_by_cursor_newest_first_without_overlap(team, client_as):
    made = [InterviewFactory(organization=team.org, occurred_at=at(2026, 3, 1, 9) + timedelta(
        hours=h)) for h in (5, 1, 3, 2, 4, 3)]
    client = client_as("viewer")
    seen, url = [], f"{ORG}/interviews/?page_size=2"
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 6
    times = {e.pk: e.occurred_at for e in made}
    assert [times[i] for i in seen] == sorted(times.values(), reverse=True)
    ascending = ids(client, f"{ORG}/interviews/?ordering=evidence_at&page_size=200")
    assert [times[i] for i in ascending] == sorted(times.values())


def test_experiment_lists_page_by_cursor_with_running_experiments_at_their_start(team, client_as):
    concluded = ExperimentFactory(organization=team.org, started_at=at(2026, 3, 1, 9),
                                  concluded_at=at(2026, 3, 10, 9))
    running = ExperimentFactory(organization=team.org, started_at=at(2026, 3, 5, 9),
                                concluded_at=None, result="")
    client = client_as("viewer")
    first = client.get(f"{ORG}/experiments/?page_size=1").json()
    second = client.get(first["next"]).json()
    assert [first["results"][0]["id"], second["results"][0]["id"]] == [concluded.pk, running.pk]
    assert ids(client, f"{ORG}/experiments/?running=true") == [running.pk]
    assert ids(client, f"{ORG}/experiments/?running=false") == [concluded.pk]


def test_evidence_lists_filter_by_date_hypothesis_and_source_fields(world, team, client_as):
    InterviewFactory(organization=team.org, occurred_at=at(2026, 3, 20, 9), segment="Enterprise")
    SalesCallFactory(organization=team.org, occurred_at=at(2026, 3, 20, 9), account="Umbrella",
                     deal_stage="Negotiation")
    ExperimentFactory(organization=team.org, result="loss", kind="fake_door")
    client = client_as("viewer")
    assert ids(client, f"{ORG}/interviews/?from=2026-03-01&to=2026-03-03") == [world.interview.pk]
    assert ids(client, f"{ORG}/interviews/?hypothesis={world.hypothesis.pk}") == [
        world.interview.pk]
    assert len(ids(client, f"{ORG}/interviews/?segment=enterprise")) == 1
    assert ids(client, f"{ORG}/sales-calls/?account=globex") == [world.sales_call.pk]
    assert len(ids(client, f"{ORG}/sales-calls/?deal_stage=negotiation")) == 1
    assert ids(client, f"{ORG}/experiments/?result=win") == [world.experiment.pk]
    assert len(ids(client, f"{ORG}/experiments/?kind=fake_door")) == 1
    assert ids(client, f"{ORG}/interviews/?hypothesis={world.other_hypothesis.pk}") == []


@pytest.mark.parametrize("query", ["from=yesterday", "hypothesis=abc", "hypothesis=0",
                                   "result=draw", "ordering=name", "running=perhaps"])
def test_an_invalid_evidence_filter_gets_400(query, world, client_as):
    resource = "experiments" if query.startswith(("result", "running")) else "interviews"
    response = client_as("viewer").get(f"{ORG}/{resource}/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_an_invalid_cursor_gets_404(world, client_as):
    response = client_as("viewer").get(f"{ORG}/interviews/?cursor=bm9wZQ")
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"
