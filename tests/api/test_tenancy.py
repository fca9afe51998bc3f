"""An outsider never sees a row or a count of another organization, and cannot tell whether
an organization or an object exists."""

from __future__ import annotations

import pytest

from validation.models import Experiment, Hypothesis, Interview, SalesCall

pytestmark = pytest.mark.django_db

LISTS = ("hypotheses", "interviews", "sales-calls", "experiments", "areas", "members")
MODELS = {"hypotheses": Hypothesis, "interviews": Interview, "sales-calls": SalesCall,
          "experiments": Experiment}


def test_a_non_member_gets_the_same_404_for_an_existing_and_a_missing_organization(world,
                                                                                    client_as):
    client = client_as("outsider")
    existing = client.get("/api/v1/orgs/acme/hypotheses/")
    missing = client.get("/api/v1/orgs/no-such-org/hypotheses/")
    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json()
    assert "Acme" not in existing.content.decode()


def test_the_organization_list_holds_only_the_users_organizations(world, client_as):
    body = client_as("outsider").get("/api/v1/orgs/").json()
    assert body["count"] == 1
    assert [(org["slug"], org["role"]) for org in body["results"]] == [("globex", "owner")]


@pytest.mark.parametrize("resource", LISTS)
def test_lists_of_the_outsiders_own_organization_hold_none_of_another_ones_rows(resource, world,
                                                                                client_as):
    body = client_as("outsider").get(f"/api/v1/orgs/globex/{resource}/").json()
    model = MODELS.get(resource)
    if model is not None:
        ids = {row["id"] for row in body["results"]}
        assert ids == set(model.objects.for_org(world.other_org).values_list("pk", flat=True))
    if "count" in body:
        expected = {"hypotheses": 1, "areas": 0, "members": 1}[resource]
        assert body["count"] == expected
    assert "Guided setup" not in str(body) and "Onboarding" not in str(body)


@pytest.mark.parametrize(("resource", "target"), [
    ("hypotheses", "hypothesis"), ("interviews", "interview"), ("sales-calls", "sales_call"),
    ("experiments", "experiment")])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_organizations_object_is_not_found_through_ones_own_organization(
        resource, target, method, world, client_as):
    pk = getattr(world, target).pk
    response = getattr(client_as("outsider"), method)(f"/api/v1/orgs/globex/{resource}/{pk}/",
                                                       {}, format="json")
    assert response.status_code == 404
    assert getattr(world, target).__class__.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("action", ["decide", "reopen", "timeline", "history"])
def test_another_organizations_hypothesis_has_no_actions_either(action, world, client_as):
    client = client_as("outsider")
    url = f"/api/v1/orgs/globex/hypotheses/{world.decided.pk}/{action}/"
    response = client.get(url) if action in ("timeline", "history") else client.post(
        url, {"status": "abandoned"}, format="json")
    assert response.status_code == 404


def test_the_metrics_of_an_organization_count_only_its_own_hypotheses(world, client_as):
    ours = client_as("outsider").get("/api/v1/orgs/globex/metrics/cycle-time/").json()
    assert (ours["count"], ours["validated"]) == (0, 0)
    theirs = client_as("member").get("/api/v1/orgs/acme/metrics/cycle-time/").json()
    assert theirs["validated"] == 1
    weeks = client_as("outsider").get("/api/v1/orgs/globex/metrics/velocity/?weeks=104").json()
    assert sum(w["decided"] for w in weeks["weeks"]) == 0


def test_unknown_api_paths_answer_404_in_the_error_shape(client_as, team):
    response = client_as("member").post("/api/v1/nothing/here/", {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}
