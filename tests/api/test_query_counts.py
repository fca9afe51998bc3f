"""The number of SQL queries of each list request is constant: the same for one row as for a
hundred, pinned here for page sizes 1 and 100 (and for a short and a long timeline)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from core.models import Membership, Organization, Role
from validation.models import (
    Evidence,
    EvidenceLink,
    Hypothesis,
    HypothesisStatusChange,
    ProductArea,
    Source,
    Status,
)

from .conftest import at

pytestmark = pytest.mark.django_db

ROWS = 120
ORG = "/api/v1/orgs/acme"


@pytest.fixture
def crowd(team):
    """More than a hundred rows of everything, in bulk, each evidence linked twice."""
    org = team.org
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"crowd{i}") for i in range(ROWS))
    Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.VIEWER)
                                   for u in users)
    orgs = Organization.objects.bulk_create(Organization(slug=f"org-{i}", name=f"Org {i}")
                                            for i in range(ROWS))
    Membership.objects.bulk_create(Membership(organization=o, user=team.member, role=Role.MEMBER)
                                   for o in orgs)
    areas = ProductArea.objects.bulk_create(ProductArea(organization=org, name=f"Area {i}")
                                            for i in range(ROWS))
    hypotheses = Hypothesis.objects.bulk_create(
        Hypothesis(organization=org, title=f"H{i}", statement="S", area=areas[i],
                   owner=users[i], stated_at=at(2026, 1, 1) + timedelta(hours=i))
        for i in range(ROWS))
    evidence = []
    for source in Source.values:
        for i in range(ROWS):
            when = at(2026, 2, 1) + timedelta(hours=i)
            fields = ({"name": f"E{i}", "started_at": when, "concluded_at": when, "result": "win",
                       "control_users": 100, "control_conversions": 10, "variant_users": 100,
                       "variant_conversions": 12}
                      if source == Source.EXPERIMENT else {"occurred_at": when, "account": "A"})
            evidence.append(Evidence(organization=org, source=source, created_by=team.member,
                                     **fields))
    evidence = Evidence.objects.bulk_create(evidence)
    EvidenceLink.objects.bulk_create(
        EvidenceLink(organization=org, evidence=e, hypothesis=hypotheses[(i + k) % ROWS],
                     strength="weak") for i, e in enumerate(evidence) for k in (0, 1))
    busy = hypotheses[0]
    EvidenceLink.objects.bulk_create(
        EvidenceLink(organization=org, evidence=e, hypothesis=busy, strength="weak")
        for e in evidence[ROWS + 1:2 * ROWS - 1])  # sales calls not yet linked to it
    HypothesisStatusChange.objects.bulk_create(
        HypothesisStatusChange(organization=org, hypothesis=busy, to_status=Status.OPEN)
        for _ in range(ROWS))
    return {"busy": busy, "quiet": hypotheses[-1]}


# (URL, queries): membership of the organization, then a count for numbered pages, the page,
# and one prefetch of the links for evidence.
LISTS = [
    ("/api/v1/orgs/", 2),
    (f"{ORG}/members/", 3),
    (f"{ORG}/areas/", 3),
    (f"{ORG}/hypotheses/", 3),
    (f"{ORG}/interviews/", 3),
    (f"{ORG}/sales-calls/", 3),
    (f"{ORG}/experiments/", 3),
]


@pytest.mark.parametrize("page_size", [1, 100])
@pytest.mark.parametrize(("url", "queries"), LISTS)
def test_a_list_request_makes_the_same_number_of_queries_for_1_or_100_rows(
        url, queries, page_size, crowd, client_as, django_assert_num_queries):
    client = client_as("member")
    with django_assert_num_queries(queries):
        response = client.get(f"{url}?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 100])
def test_filtering_and_ordering_add_no_queries(page_size, crowd, client_as,
                                               django_assert_num_queries):
    client = client_as("member")
    with django_assert_num_queries(3):
        response = client.get(f"{ORG}/hypotheses/?page_size={page_size}&stale=true"
                              f"&ordering=-evidence_count&stated_from=2026-01-01")
    assert len(response.json()["results"]) == page_size
    with django_assert_num_queries(3):
        response = client.get(f"{ORG}/experiments/?page_size={page_size}&result=win"
                              f"&from=2026-02-01&ordering=evidence_at")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("which", ["quiet", "busy"])
@pytest.mark.parametrize("action", ["timeline", "history"])
def test_a_hypothesis_timeline_and_history_take_three_queries_however_long(
        action, which, crowd, client_as, django_assert_num_queries):
    hypothesis = crowd[which]
    with django_assert_num_queries(3):  # membership, hypothesis, the rows
        response = client_as("member").get(f"{ORG}/hypotheses/{hypothesis.pk}/{action}/")
    assert response.status_code == 200
    assert (len(response.json()) > 100) == (which == "busy")


def test_the_metrics_take_a_fixed_number_of_queries(crowd, client_as, django_assert_num_queries):
    client = client_as("member")
    with django_assert_num_queries(2):  # membership, one aggregate
        client.get(f"{ORG}/metrics/cycle-time/")
    with django_assert_num_queries(4):  # membership, decisions, statements, evidence by week
        client.get(f"{ORG}/metrics/velocity/?weeks=104")


def test_token_authentication_adds_two_queries(crowd, team, django_assert_num_queries):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    _, token = AuthToken.objects.create(user=team.member, expiry=timedelta(days=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with django_assert_num_queries(5):  # the token with its user, the user's other tokens
        assert client.get(f"{ORG}/hypotheses/?page_size=100").status_code == 200
