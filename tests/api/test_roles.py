"""The role matrix, generated from the URL configuration: every method of every route under
/api/v1/orgs/ against anonymous, outsider, viewer, member, admin and owner; and every route
under /api/v1/invitations/ (the user's own invitations) against each of them.

PRODUCT.md: anonymous → 401; not a member → 404 (whatever the method, never revealing that
the organization or object exists); a role that may not act → 403; otherwise the action
succeeds. Any member may remove themselves (leave), the owner excepted. A route or method
without an expectation below fails the test, so a new endpoint cannot go unchecked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import invitations
from core.models import ROLE_RANK, Role
from validation.models import Interview

from .conftest import ROLES

PREFIX = "api/v1/orgs/"
INVITATIONS_PREFIX = "api/v1/invitations/"
# The member each /members/{username}/ route names: for that role, DELETE is leaving.
MEMBER_TARGET = "viewer"


@dataclass(frozen=True)
class Expect:
    role: str | None  # the least role allowed; None: any signed-in user (not org-scoped)
    status: int  # the status of success
    body: dict[str, Any] = field(default_factory=dict)
    target: str = "hypothesis"  # which object of the world an {id} names


EXPECTED: dict[tuple[str, str], Expect] = {
    ("org-list", "GET"): Expect(None, 200),
    ("org-list", "POST"): Expect(None, 201, {"name": "Initech"}),
    ("org-detail", "GET"): Expect(Role.VIEWER, 200),
    ("org-detail", "PATCH"): Expect(Role.ADMIN, 200, {"stale_after_days": 21}),
    ("org-detail", "DELETE"): Expect(Role.OWNER, 204),
    ("member-list", "GET"): Expect(Role.VIEWER, 200),
    ("member-list", "POST"): Expect(Role.ADMIN, 202, {"username": "newcomer", "role": "member"}),
    ("member-detail", "PATCH"): Expect(Role.ADMIN, 200, {"role": "member"}),
    ("member-detail", "DELETE"): Expect(Role.ADMIN, 204),
    ("area-list", "GET"): Expect(Role.VIEWER, 200),
    ("area-list", "POST"): Expect(Role.MEMBER, 201, {"name": "Pricing"}),
    ("hypothesis-list", "GET"): Expect(Role.VIEWER, 200),
    ("hypothesis-list", "POST"): Expect(Role.MEMBER, 201, {
        "title": "Invites first", "statement": "We believe that admins invite before setup."}),
    ("hypothesis-detail", "GET"): Expect(Role.VIEWER, 200),
    ("hypothesis-detail", "PATCH"): Expect(Role.MEMBER, 200, {"title": "Guided setup, v2"}),
    ("hypothesis-detail", "DELETE"): Expect(Role.MEMBER, 204),
    ("hypothesis-decide", "POST"): Expect(Role.MEMBER, 200, {"status": "validated"}),
    ("hypothesis-reopen", "POST"): Expect(Role.MEMBER, 200, {"note": "New data"},
                                          target="decided"),
    ("hypothesis-timeline", "GET"): Expect(Role.VIEWER, 200),
    ("hypothesis-history", "GET"): Expect(Role.VIEWER, 200),
    ("interview-list", "GET"): Expect(Role.VIEWER, 200),
    ("interview-list", "POST"): Expect(Role.MEMBER, 201, {"occurred_at": "2026-03-20T10:00:00Z"}),
    ("interview-detail", "GET"): Expect(Role.VIEWER, 200, target="interview"),
    ("interview-detail", "PATCH"): Expect(Role.MEMBER, 200, {"segment": "Enterprise"},
                                          target="interview"),
    ("interview-detail", "DELETE"): Expect(Role.MEMBER, 204, target="interview"),
    ("sales-call-list", "GET"): Expect(Role.VIEWER, 200),
    ("sales-call-list", "POST"): Expect(Role.MEMBER, 201, {
        "occurred_at": "2026-03-20T10:00:00Z", "account": "Initech"}),
    ("sales-call-detail", "GET"): Expect(Role.VIEWER, 200, target="sales_call"),
    ("sales-call-detail", "PATCH"): Expect(Role.MEMBER, 200, {"deal_stage": "Closed"},
                                           target="sales_call"),
    ("sales-call-detail", "DELETE"): Expect(Role.MEMBER, 204, target="sales_call"),
    ("experiment-list", "GET"): Expect(Role.VIEWER, 200),
    ("experiment-list", "POST"): Expect(Role.MEMBER, 201, {
        "name": "Fake door", "started_at": "2026-03-20T10:00:00Z"}),
    ("experiment-detail", "GET"): Expect(Role.VIEWER, 200, target="experiment"),
    ("experiment-detail", "PATCH"): Expect(Role.MEMBER, 200, {"metric": "Signups"},
                                           target="experiment"),
    ("experiment-detail", "DELETE"): Expect(Role.MEMBER, 204, target="experiment"),
    # The upload is multipart: a member who gets past the role check is told JSON is not taken.
    ("import-list", "GET"): Expect(Role.VIEWER, 200),
    ("import-list", "POST"): Expect(Role.MEMBER, 415, {"kind": "interviews"}),
    ("import-detail", "GET"): Expect(Role.VIEWER, 200, target="import_job"),
    ("metrics-cycle-time", "GET"): Expect(Role.VIEWER, 200),
    ("metrics-velocity", "GET"): Expect(Role.VIEWER, 200),
}


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, route)
        else:
            found.append((route, pattern))
    return found


def _methods(pattern: URLPattern) -> list[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a ViewSet: its method → action map
        return sorted(method.upper() for method in actions if method != "head")
    view_class = callback.cls
    return sorted(m.upper() for m in view_class.http_method_names
                  if hasattr(view_class, m) and m not in ("head", "options"))


def org_routes(prefix: str = PREFIX) -> list[tuple[str, str]]:
    """(URL name, method) of every route under `prefix`, from the resolver."""
    return [(pattern.name, method)
            for route, pattern in _walk(get_resolver().url_patterns)
            if route.startswith(prefix) and pattern.name
            for method in _methods(pattern)]


ROUTES = org_routes()


def test_the_matrix_has_an_expectation_for_every_route_and_method():
    assert ROUTES, "the resolver lists the API's routes"
    assert sorted(set(ROUTES)) == sorted(EXPECTED), (
        "every route and method under /api/v1/orgs/ needs an expectation in EXPECTED")


def expected_status(expect: Expect, role: str, name: str = "", method: str = "") -> int:
    if role == "anonymous":
        return 401
    if expect.role is None:
        return expect.status
    if role == "outsider":
        return 404
    if (name, method) == ("member-detail", "DELETE") and role == MEMBER_TARGET:
        return 204  # removing oneself is leaving: any role may
    return expect.status if ROLE_RANK[Role(role)] >= ROLE_RANK[Role(expect.role)] else 403


def url_for(name: str, expect: Expect, world: Any) -> str:
    """The route's URL in the world's organization, naming the object `expect.target`."""
    route = next(r for r, p in _walk(get_resolver().url_patterns) if p.name == name)
    kwargs: dict[str, Any] = {}
    if "<slug:slug>" in route:
        kwargs["slug"] = world.org.slug
    if "<int:pk>" in route:
        kwargs["pk"] = getattr(world, expect.target).pk
    if "<username:username>" in route:
        kwargs["username"] = MEMBER_TARGET
    return reverse(f"api:{name}", kwargs=kwargs)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_each_role_gets_the_status_the_contract_says(name, method, role, world, client_as,
                                                      django_user_model):
    expect = EXPECTED[(name, method)]
    django_user_model.objects.create_user("newcomer", password="correct-horse-battery")
    client = client_as(role)
    url = url_for(name, expect, world)
    response = client.generic(method, url, data=json.dumps(expect.body),
                              content_type="application/json")
    assert response.status_code == expected_status(expect, role, name, method), response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "code", "errors"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"



def test_a_viewer_cannot_log_an_interview(world, client_as):
    before = Interview.objects.count()
    response = client_as("viewer").post("/api/v1/orgs/acme/interviews/",
                                        {"occurred_at": "2026-03-20T10:00:00Z"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role in this organization (viewer) does not allow this: it needs member "
                  "or above.", "code": "permission_denied", "errors": {}}
    assert Interview.objects.count() == before


def test_a_role_is_checked_before_the_input_so_a_viewer_learns_nothing_from_validation(
        world, client_as):
    response = client_as("viewer").post("/api/v1/orgs/acme/interviews/", {"bad": "input"},
                                        format="json")
    assert response.status_code == 403


def test_only_the_owner_may_delete_the_organization(world, client_as):
    response = client_as("admin").delete("/api/v1/orgs/acme/")
    assert response.status_code == 403
    assert response.json()["detail"].endswith("it needs the owner.")


# --- /api/v1/invitations/: any signed-in user, about the invitations to their own account -------
INVITATION_EXPECTED: dict[tuple[str, str], int] = {
    ("invitation-list", "GET"): 200,
    ("invitation-accept", "POST"): 201,
    ("invitation-decline", "POST"): 204,
}
INVITATION_ROUTES = org_routes(INVITATIONS_PREFIX)


def test_the_invitation_routes_all_have_an_expectation():
    assert sorted(set(INVITATION_ROUTES)) == sorted(INVITATION_EXPECTED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), INVITATION_ROUTES)
def test_each_user_answers_their_own_invitation_and_nobody_else_s(name, method, role, team,
                                                                    client_as, django_user_model):
    """Each signed-in user gets the success status for an invitation to their own account, and
    404 for the same route naming an invitation to someone else's; anonymous gets 401."""
    django_user_model.objects.create_user("stranger", password="correct-horse-battery")
    others = invitations.invitation_invite_username(
        organization=team.other_org, username="stranger", role=Role.MEMBER,
        invited_by=team.outsider)
    mine = None
    if role != "anonymous":
        # An organization the user is not in yet: Globex for Acme's people, Acme for the outsider.
        organization, admin = ((team.org, team.admin) if role == "outsider"
                               else (team.other_org, team.outsider))
        mine = invitations.invitation_invite_username(
            organization=organization, username=team.user(role).get_username(),
            role=Role.VIEWER, invited_by=admin)
    client = client_as(role)
    kwargs = {"pk": (mine or others).pk} if name != "invitation-list" else {}
    response = client.generic(method, reverse(f"api:{name}", kwargs=kwargs))
    expected = 401 if role == "anonymous" else INVITATION_EXPECTED[(name, method)]
    assert response.status_code == expected, response.content
    if name != "invitation-list" and role != "anonymous":
        foreign = client.generic(method, reverse(f"api:{name}", kwargs={"pk": others.pk}))
        assert foreign.status_code == 404
        assert foreign.json()["code"] == "not_found"
