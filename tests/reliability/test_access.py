"""Access: sign-in lockout, session rotation, dead tokens, CSRF on every route of the web app.

Proven elsewhere and not repeated here: an invitation link used twice or after expiry is
refused (tests/accounts/test_invitations.py: test_a_used_link_is_refused_the_second_time,
test_an_expired_link_is_refused_and_changes_nothing,
test_an_expired_row_is_refused_even_with_a_fresh_signature); an expired token gets 401 and
the API's token endpoint locks out (tests/api/test_auth.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from core import invitations
from core.models import Membership
from tests.factories import HypothesisFactory, InterviewFactory, SalesCallFactory
from validation.models import Experiment
from validation.models.imports import ImportJob

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


# --- sign-in lockout (django-axes) ------------------------------------------------------------
@pytest.fixture
def axes(settings):
    """django-axes on, as in production (the test settings switch it off)."""
    settings.AXES_ENABLED = True
    return settings


def test_the_sign_in_form_locks_a_username_out_after_repeated_failures(axes, team):
    client = Client()
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "member", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert sign_in(client, "member", "wrong").status_code == 429  # the limit is reached
    assert sign_in(client, "member").status_code == 429  # the right password is refused too
    assert "_auth_user_id" not in client.session
    # Another username from the same address is not affected (the lockout is per username
    # and address: one attacker cannot lock a whole office out).
    assert sign_in(Client(), "viewer").status_code == 302
    # After the 15-minute cool-off the owner of the account gets in again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(Client(), "member").status_code == 302


def test_failures_are_forgotten_after_a_successful_sign_in(axes, team):
    client = Client()
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "member", "wrong")
    assert sign_in(client, "member").status_code == 302
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        assert sign_in(Client(), "member", "wrong").status_code == 200  # counted from zero


# --- sessions ---------------------------------------------------------------------------------
def test_the_session_key_rotates_at_sign_in_and_the_old_one_is_dead(team):
    client = Client()
    session = client.session  # an anonymous session, as an attacker could plant one
    session["planted"] = True
    session.save()
    before = session.session_key
    assert sign_in(client, "member").status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(team.member.pk)
    fixated = Client()
    fixated.cookies["sessionid"] = before
    assert fixated.get("/profile/").status_code == 302  # sent to sign in


def test_signing_out_ends_the_session_on_the_server(team):
    client = Client()
    sign_in(client, "member")
    key = client.cookies["sessionid"].value
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/profile/").status_code == 302


# --- API tokens -------------------------------------------------------------------------------
def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_revoked_on_the_profile_page_gets_401(team):
    token, key = AuthToken.objects.create(team.member, expiry=timedelta(days=1))
    api = token_client(key)
    assert api.get("/api/v1/orgs/").status_code == 200
    web = Client()
    web.force_login(team.member)
    assert web.post(f"/profile/tokens/{token.token_key}/revoke/").status_code == 302
    response = api.get("/api/v1/orgs/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_token_that_expired_a_second_ago_gets_401(team):
    _, key = AuthToken.objects.create(team.member, expiry=timedelta(hours=1))
    api = token_client(key)
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert api.get("/api/v1/orgs/").status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(team):
    _, key = AuthToken.objects.create(team.member, expiry=timedelta(days=1))
    team.member.is_active = False
    team.member.save()
    assert token_client(key).get("/api/v1/orgs/").status_code == 401


def test_nobody_revokes_another_users_token(team):
    token, key = AuthToken.objects.create(team.member, expiry=timedelta(days=1))
    other = Client()
    other.force_login(team.owner)
    assert other.post(f"/profile/tokens/{token.token_key}/revoke/").status_code == 404
    assert token_client(key).get("/api/v1/orgs/").status_code == 200


# --- CSRF on every route of the web app ---------------------------------------------------------
# Routes that take a POST without a CSRF token, each for a reason.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a token; the signed token in
    # the URL is the credential.
    "digest-unsubscribe",
}


def web_routes() -> list[tuple[str, URLPattern | URLResolver, dict]]:
    """(route, pattern, converters) for every URL pattern outside /api/ (the API
    authenticates by token, and checks CSRF itself for session requests:
    tests/api/test_auth.py), Django's admin included."""
    found = []

    def walk(patterns, prefix: str, converters: dict) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            merged = {**converters, **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                if not route.startswith("api/"):
                    walk(pattern.url_patterns, route, merged)
            else:
                found.append((route, pattern, merged))

    walk(get_resolver().url_patterns, "", {})
    return found


def concrete_path(route: str, values: dict[str, str]) -> str:
    """The route with each `<converter:name>` (or regex group) replaced by a value."""
    import re

    if route.startswith("admin/^"):  # the admin's app index, a regex
        return "/admin/core/"
    route = route.replace("(?P<url>.*)$", "no-such-page/")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)


@pytest.fixture
def route_values(team) -> dict[str, dict[str, str]]:
    """Real objects of the team's organization for the routes' parameters, by route name."""
    hypothesis = HypothesisFactory(organization=team.org)
    interview = InterviewFactory(organization=team.org)
    sales_call = SalesCallFactory(organization=team.org)
    experiment = Experiment.objects.create(organization=team.org, name="Fake door",
                                           started_at=timezone.now() - timedelta(days=3))
    invitation = invitations.invitation_create(organization=team.org, email="new@example.com",
                                               role="member", invited_by=team.admin)
    job = ImportJob.objects.create(organization=team.org, kind="interviews", filename="x.csv")
    member = Membership.objects.get(organization=team.org, user=team.member)
    token, _ = AuthToken.objects.create(team.owner, expiry=timedelta(days=1))
    common = {"slug": team.org.slug, "kind": "interviews", "key": token.token_key,
              "token": invitations.invitation_token(invitation)}
    by_prefix = {"hypothesis-": hypothesis.pk, "interview-": interview.pk,
                 "sales-call-": sales_call.pk, "experiment-": experiment.pk,
                 "org-member-": member.pk, "org-invitation-": invitation.pk, "import-": job.pk}

    def values(name: str) -> dict[str, str]:
        pk = next((str(v) for prefix, v in by_prefix.items() if name.startswith(prefix)), "1")
        return {**common, "pk": pk}

    return values


def test_every_post_route_of_the_web_app_refuses_a_post_without_a_csrf_token(team, route_values):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.owner)  # every permission: a 403 here can only be the CSRF check
    team.owner.is_staff = team.owner.is_superuser = True
    team.owner.save()
    checked, accepted = [], []
    for route, pattern, _ in web_routes():
        name = pattern.name or route
        path = concrete_path(route, route_values(name))
        response = client.post(path, {"title": "x", "status": "validated", "role": "viewer"})
        if name in CSRF_EXEMPT:
            assert response.status_code != 403, path
            continue
        checked.append(path)
        if response.status_code != 403 or b"CSRF" not in response.content:
            accepted.append((path, response.status_code))
    assert accepted == []
    assert len(checked) >= 150  # the admin's routes and ~50 of our own
    # Nothing was changed by any of them.
    assert Membership.objects.get(organization=team.org, user=team.member).role == "member"


def test_the_same_post_with_the_csrf_token_gets_through(team, route_values):
    """The control for the test above: the refusals are the CSRF check, not the route."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.admin)
    client.get("/o/acme/settings/members/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    member = Membership.objects.get(organization=team.org, user=team.member)
    response = client.post(f"/o/acme/settings/members/{member.pk}/role/",
                           {"role": "viewer", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    member.refresh_from_db()
    assert member.role == "viewer"
