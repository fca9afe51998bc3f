"""Tokens (knox): issued for a username and password, stored hashed, expiring, revocable;
session auth for the browser; rate limits on the token endpoint and on writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from validation.api.throttles import TokenRateThrottle, WriteRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py's UserFactory
TOKEN_URL = "/api/v1/auth/token/"


def issue(client: APIClient, username: str = "member", password: str = PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_member_exchanges_username_and_password_for_a_working_token(team):
    response = issue(APIClient())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    listed = with_token(body["token"]).get("/api/v1/orgs/")
    assert listed.status_code == 200
    assert [org["slug"] for org in listed.json()["results"]] == ["acme"]


def test_tokens_are_stored_hashed_and_expire_after_the_configured_days(team):
    token = issue(APIClient()).json()["token"]
    stored = AuthToken.objects.get(user=team.member)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert abs((stored.expiry - expected).total_seconds()) < 60


def test_an_expired_token_is_refused_with_401(team):
    token = issue(APIClient()).json()["token"]
    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS + 1)):
        response = with_token(token).get("/api/v1/orgs/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=team.member).exists()


def test_a_wrong_password_gets_400_and_no_token(team):
    response = issue(APIClient(), password="wrong")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Unable to sign in with this username and password."]}
    assert not AuthToken.objects.exists()


def test_the_token_endpoint_says_which_fields_are_missing(team):
    response = APIClient().post(TOKEN_URL, {"username": "member"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"password": ["This field is required."]}


def test_an_inactive_user_gets_no_token(team):
    team.member.is_active = False
    team.member.save()
    assert issue(APIClient()).status_code == 400


def test_logout_revokes_only_the_token_it_is_sent_with(team):
    first, second = issue(APIClient()).json()["token"], issue(APIClient()).json()["token"]
    assert with_token(first).post("/api/v1/auth/logout/").status_code == 204
    assert with_token(first).get("/api/v1/orgs/").status_code == 401
    assert with_token(second).get("/api/v1/orgs/").status_code == 200


def test_logout_all_revokes_every_token_of_the_user(team):
    tokens = [issue(APIClient()).json()["token"] for _ in range(3)]
    other = issue(APIClient(), username="viewer").json()["token"]
    assert with_token(tokens[0]).post("/api/v1/auth/logout-all/").status_code == 204
    assert all(with_token(t).get("/api/v1/orgs/").status_code == 401 for t in tokens)
    assert with_token(other).get("/api/v1/orgs/").status_code == 200


def test_logout_needs_a_token_not_a_session(team):
    client = APIClient()
    client.force_login(team.member)
    assert client.post("/api/v1/auth/logout/").status_code == 401


def test_a_malformed_authorization_header_gets_401_not_500(team):
    for header in ("Token", "Token a b", "Token \xe9\xff", "Token " + "f" * 80):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/orgs/")
        assert response.status_code == 401, header
        assert response.json()["code"] == "authentication_failed"


def test_the_session_of_the_web_app_authenticates_reads_and_writes_need_its_csrf_token(world, team):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.member)
    assert client.get("/api/v1/orgs/acme/hypotheses/").status_code == 200
    refused = client.post("/api/v1/orgs/acme/areas/", {"name": "Pricing"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_the_token_endpoint_is_rate_limited_per_client(team, monkeypatch):
    monkeypatch.setitem(TokenRateThrottle.THROTTLE_RATES, "token", "2/min")
    client = APIClient()
    assert issue(client).status_code == 200
    assert issue(client, password="wrong").status_code == 400
    limited = issue(client)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"


def test_writes_are_rate_limited_per_user_and_reads_are_not(world, team, client_as, monkeypatch):
    monkeypatch.setitem(WriteRateThrottle.THROTTLE_RATES, "writes", "2/min")
    client = client_as("member")
    for name in ("One", "Two"):
        assert client.post("/api/v1/orgs/acme/areas/", {"name": name}).status_code == 201
    assert client.post("/api/v1/orgs/acme/areas/", {"name": "Three"}).status_code == 429
    assert client.get("/api/v1/orgs/acme/areas/").status_code == 200
    assert client_as("admin").post("/api/v1/orgs/acme/areas/", {"name": "Four"}).status_code == 201


def test_a_username_locked_out_by_failed_sign_ins_gets_429_in_the_error_shape(team, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    client = APIClient()
    assert issue(client, password="wrong").status_code == 400
    locked = issue(client, password="wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled" and "failed sign-ins" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 900
    assert issue(client).status_code == 429  # even with the right password, until the cool-off
    assert not AuthToken.objects.exists()
