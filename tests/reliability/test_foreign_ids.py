"""Ids of another organization, in every place that takes an id, get "not found" or a field
error — never another organization's data, never a change to it, never a 500.

Every route with an id is generated from the URL configuration (the web app's and the API's),
so a route added later is covered without editing this file. Ids in request bodies, forms and
filters are listed by hand below: the links of evidence to hypotheses, a hypothesis's owner,
the evidence lists' hypothesis filter, and a member's username.

A member of another organization using *their* organization's URLs is tested in
tests/web/test_access.py and tests/api/test_tenancy.py; here a member of Acme puts Globex's
ids into Acme's URLs and forms.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core import invitations
from core.models import Membership
from tests.api.conftest import row_counts
from tests.factories import UserFactory
from validation import services
from validation.models import Evidence, EvidenceLink, Hypothesis, Source
from validation.models.imports import ImportJob
from validation.services import LinkSpec

pytestmark = pytest.mark.django_db


@dataclass
class Globex:
    """One object of every kind in the other organization, and a snapshot of them."""

    hypothesis: Hypothesis
    evidence: dict[str, Evidence]
    membership: Membership
    invitation: Any
    job: ImportJob

    def pk_for(self, route: str) -> int:
        """The Globex object whose kind the route's `pk` names."""
        for prefix, source in (("interview", Source.INTERVIEW), ("sales-call", Source.SALES_CALL),
                               ("experiment", Source.EXPERIMENT)):
            if f"/{prefix}s/" in route or route.startswith(f"{prefix}s/"):
                return self.evidence[source].pk
        for marker, obj in (("hypotheses", self.hypothesis), ("members", self.membership),
                            ("invitations", self.invitation), ("import", self.job)):
            if marker in route:
                return obj.pk
        raise AssertionError(f"which kind of object does {route} name?")

    def snapshot(self) -> tuple:
        return (row_counts(),
                list(Hypothesis.objects.filter(pk=self.hypothesis.pk).values()),
                sorted(Evidence.objects.filter(organization=self.hypothesis.organization_id)
                       .values_list("pk", "updated_at")),
                list(Membership.objects.filter(pk=self.membership.pk).values("role")),
                list(type(self.invitation).objects.filter(pk=self.invitation.pk)
                     .values("accepted_at", "revoked_at", "expires_at")))


@pytest.fixture
def globex(team) -> Globex:
    org, user, ago = team.other_org, team.outsider, timezone.now() - timedelta(days=5)
    hypothesis = services.hypothesis_create(organization=org, user=user, title="Globex secret",
                                            statement="We believe …", stated_at=ago)
    link = [LinkSpec(hypothesis)]
    evidence = {
        Source.INTERVIEW: services.interview_log(organization=org, user=user, occurred_at=ago,
                                                 interviewee="Globex CEO", links=link),
        Source.SALES_CALL: services.sales_call_log(organization=org, user=user,
                                                   occurred_at=ago, account="Globex deal",
                                                   links=link),
        Source.EXPERIMENT: services.experiment_log(organization=org, user=user,
                                                   name="Globex test", started_at=ago,
                                                   links=link),
    }
    member = Membership.objects.create(organization=org, user=UserFactory(username="globex-pm"),
                                       role="member")
    invitation = invitations.invitation_create(organization=org, email="x@globex.example",
                                               role="member", invited_by=user)
    job = ImportJob.objects.create(organization=org, kind="interviews", filename="secret.csv")
    return Globex(hypothesis, evidence, member, invitation, job)


def routes_with_ids(patterns, prefix: str = "") -> list[str]:
    """Every route under an organization (`o/<slug>/…`, `api/v1/orgs/<slug>/…`) that takes
    an object's id or a member's username."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes_with_ids(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "<slug:slug>" in route and (
                "<int:pk>" in route or "<username:username>" in route):
            found.append(route)
    return found


ROUTES = routes_with_ids(get_resolver().url_patterns)


def test_the_url_configuration_has_the_routes_expected():
    assert len([r for r in ROUTES if r.startswith("o/")]) >= 20
    assert len([r for r in ROUTES if r.startswith("api/")]) >= 10


@pytest.mark.parametrize("route", ROUTES)
def test_another_organizations_id_in_a_url_of_ones_own_organization_is_not_found(route, team,
                                                                                  globex):
    client = Client(raise_request_exception=False)
    client.force_login(team.owner)  # every permission in Acme: only the id can be wrong
    path = "/" + route.replace("<slug:slug>", "acme").replace(
        "<username:username>", globex.membership.user.username)  # Globex's member only
    path = re.sub(r"<int:pk>", str(globex.pk_for(route)), path)
    data = {"role": "admin", "status": "abandoned", "title": "Taken over"}
    body, content_type = ((json.dumps(data), "application/json") if route.startswith("api/")
                          else (urlencode(data), "application/x-www-form-urlencoded"))
    before = globex.snapshot()
    for method in ("GET", "POST", "PATCH", "DELETE"):
        response = client.generic(method, path, body if method != "GET" else "",
                                  content_type=content_type)
        assert response.status_code in (404, 405), (method, path, response.status_code)
        assert b"Globex" not in response.content
    assert globex.snapshot() == before


# --- ids inside requests -------------------------------------------------------------------------
@pytest.fixture
def acme_hypothesis(team) -> Hypothesis:
    return services.hypothesis_create(organization=team.org, user=team.member, title="Ours",
                                      statement="We believe …",
                                      stated_at=timezone.now() - timedelta(days=5))


API_BODIES = {
    "interviews/": {"occurred_at": "2026-03-02T09:00:00Z"},
    "sales-calls/": {"occurred_at": "2026-03-02T09:00:00Z", "account": "Initech"},
    "experiments/": {"name": "Fake door", "started_at": "2026-03-02T09:00:00Z"},
}


@pytest.mark.parametrize("path", list(API_BODIES))
def test_linking_evidence_to_another_organizations_hypothesis_is_refused_on_create_and_edit(
        path, team, globex, acme_hypothesis):
    client = Client()
    client.force_login(team.member)
    url = f"/api/v1/orgs/acme/{path}"
    links = [{"hypothesis": acme_hypothesis.pk}, {"hypothesis": globex.hypothesis.pk}]
    before = globex.snapshot()
    created = client.post(url, {**API_BODIES[path], "hypotheses": links},
                          content_type="application/json")
    assert created.status_code == 400
    assert created.json()["errors"]["hypotheses"] == [
        f"Link 2: there is no hypothesis {globex.hypothesis.pk} in this organization."]
    ours = client.post(url, {**API_BODIES[path], "hypotheses": links[:1]},
                       content_type="application/json").json()
    edited = client.patch(f"{url}{ours['id']}/", {"hypotheses": links},
                          content_type="application/json")
    assert edited.status_code == 400
    assert list(EvidenceLink.objects.filter(evidence_id=ours["id"])
                .values_list("hypothesis_id", flat=True)) == [acme_hypothesis.pk]
    assert globex.snapshot()[1:] == before[1:]


def test_another_organizations_member_cannot_own_a_hypothesis(team, globex, acme_hypothesis):
    client = Client()
    client.force_login(team.member)
    for response in (
            client.post("/api/v1/orgs/acme/hypotheses/", {"title": "t", "statement": "s",
                                                         "owner": "outsider"},
                        content_type="application/json"),
            client.patch(f"/api/v1/orgs/acme/hypotheses/{acme_hypothesis.pk}/",
                         {"owner": "outsider"}, content_type="application/json")):
        assert response.status_code == 400
        assert response.json()["errors"]["owner"] == ["outsider is not a member of this "
                                                      "organization."]
    web = client.post("/o/acme/hypotheses/new/", {"title": "t", "statement": "s",
                                                  "owner": team.outsider.pk})
    assert web.status_code == 200 and 'id="id_owner_error"' in web.content.decode()
    acme_hypothesis.refresh_from_db()
    assert acme_hypothesis.owner_id is None
    assert not Hypothesis.objects.filter(organization=team.org, title="t").exists()


@pytest.mark.parametrize("source", ["interview", "sales-call", "experiment"])
def test_the_web_forms_refuse_another_organizations_hypothesis_on_create_and_edit(
        source, team, globex, acme_hypothesis):
    client = Client()
    client.force_login(team.member)
    fields = {"interview": {"occurred_at": "2026-03-02T09:00"},
              "sales-call": {"occurred_at": "2026-03-02T09:00", "account": "Initech"},
              "experiment": {"name": "Fake door", "started_at": "2026-03-02T09:00"}}[source]
    links = {"links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
             "links-0-hypothesis": globex.hypothesis.pk, "links-0-stance": "supports"}
    before = row_counts()
    response = client.post(f"/o/acme/{source}s/new/", {**fields, **links})
    assert response.status_code == 200
    assert "Choose one of this organization&#x27;s hypotheses." in response.content.decode()
    assert row_counts() == before
    ours = services.evidence_log(organization=team.org, user=team.member,
                                 source=source.replace("-", "_"),
                                 **{k: timezone.now() - timedelta(days=1) if k.endswith("_at")
                                    else v for k, v in fields.items()})
    response = client.post(f"/o/acme/{source}s/{ours.pk}/edit/", {**fields, **links})
    assert response.status_code == 200
    assert not EvidenceLink.objects.filter(evidence=ours).exists()


def test_filtering_by_another_organizations_hypothesis_shows_nothing_of_it(team, globex,
                                                                           acme_hypothesis):
    client = Client()
    client.force_login(team.member)
    for url in (f"/o/acme/interviews/?hypothesis={globex.hypothesis.pk}",
                f"/api/v1/orgs/acme/interviews/?hypothesis={globex.hypothesis.pk}",
                f"/api/v1/orgs/acme/sales-calls/?hypothesis={globex.hypothesis.pk}",
                "/api/v1/orgs/acme/hypotheses/?owner=outsider",
                "/o/acme/hypotheses/?owner=outsider"):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert b"Globex" not in response.content, url
