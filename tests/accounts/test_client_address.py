"""Per-address limits read the client's address one way (core.net.client_ip): X-Forwarded-For
only as far as TRUSTED_PROXY_COUNT proxies wrote it. One address that fails sign-ins for many
usernames (password spraying) is locked out of the sign-in form and the token endpoint; a
user signing in from another address is not."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from core.net import client_ip
from validation.api.throttles import TokenRateThrottle

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


# --- the client's address -----------------------------------------------------------------------
def address(settings, proxies: int, remote: str = "192.0.2.10", forwarded: str | None = None):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    assert address(settings, 0, forwarded="203.0.113.5") == "192.0.2.10"


def test_with_trusted_proxies_the_address_that_many_hops_from_the_right_is_the_client(settings):
    chain = "10.9.9.9, 203.0.113.5, 198.51.100.20"  # forged by the client, client, first proxy
    assert address(settings, 1, forwarded=chain) == "198.51.100.20"
    assert address(settings, 2, forwarded=chain) == "203.0.113.5"


def test_a_chain_shorter_than_the_proxies_or_not_an_address_falls_back_to_remote_addr(settings):
    assert address(settings, 2, forwarded="203.0.113.5") == "192.0.2.10"
    assert address(settings, 1, forwarded="") == "192.0.2.10"
    assert address(settings, 1, forwarded="203.0.113.5, not-an-address") == "192.0.2.10"
    assert address(settings, 0, remote="") is None


# --- the token throttle -------------------------------------------------------------------------
def token_request(client: APIClient, username: str = "member", password: str = PASSWORD,
                  **headers: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json",
                       **headers)


def test_a_rotating_forwarded_for_does_not_escape_the_token_throttle(team, monkeypatch):
    monkeypatch.setitem(TokenRateThrottle.THROTTLE_RATES, "token", "5/min")
    client = APIClient()
    statuses = [token_request(client, password="wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
                .status_code for n in range(25)]
    assert statuses == [400] * 5 + [429] * 20


def test_behind_one_trusted_proxy_the_right_most_forwarded_address_is_throttled(
        team, monkeypatch, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setitem(TokenRateThrottle.THROTTLE_RATES, "token", "2/min")
    proxy = APIClient(REMOTE_ADDR="10.0.0.1")  # every request arrives from the proxy
    for forged in ("1.1.1.1", "2.2.2.2"):
        assert token_request(proxy, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9").status_code == 200
    assert token_request(proxy, HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.9").status_code == 429
    # Another client behind the same proxy has a count of its own.
    assert token_request(proxy, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


def test_django_axes_records_the_same_address(team, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1
    Client(REMOTE_ADDR="10.0.0.1").post("/login/", {"username": "member", "password": "wrong"},
                                        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


# --- password spraying ----------------------------------------------------------------------------
@pytest.fixture
def lockouts(settings):
    """django-axes and the per-address lockout on, as in production (the test settings switch
    them off)."""
    settings.AXES_ENABLED = True
    return settings


def spray_the_sign_in_form(client: Client, count: int, **headers: str) -> list[int]:
    return [client.post("/login/", {"username": f"victim{n}", "password": "Summer2026!"},
                        **headers).status_code for n in range(count)]


def test_spraying_40_usernames_from_one_address_is_refused_after_the_limit(lockouts, team):
    limit = lockouts.SIGNIN_ADDRESS_FAILURE_LIMIT
    assert limit < 40
    attacker = Client()
    statuses = spray_the_sign_in_form(attacker, 40)
    assert statuses == [200] * limit + [429] * (40 - limit)
    # The right password of a real account is refused from that address as well, unchecked.
    refused = attacker.post("/login/", {"username": "member", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session
    # The account's owner, elsewhere, signs in.
    assert Client(REMOTE_ADDR="198.51.100.7").post(
        "/login/", {"username": "member", "password": PASSWORD}).status_code == 302


def test_a_rotating_forwarded_for_does_not_escape_the_address_lockout(lockouts, team):
    attacker = Client()
    statuses = [attacker.post("/login/", {"username": f"victim{n}", "password": "x"},
                              HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
                for n in range(40)]
    assert statuses.count(429) == 40 - lockouts.SIGNIN_ADDRESS_FAILURE_LIMIT


def test_spraying_the_token_endpoint_is_refused_after_the_limit(lockouts, team):
    limit = lockouts.SIGNIN_ADDRESS_FAILURE_LIMIT
    attacker = APIClient()
    answers = [token_request(attacker, username=f"victim{n}", password="Summer2026!")
               for n in range(40)]
    assert [answer.status_code for answer in answers] == [400] * limit + [429] * (40 - limit)
    refused = answers[-1].json()
    assert refused["code"] == "throttled" and "failed sign-ins" in refused["detail"]
    assert token_request(attacker).status_code == 429  # a real account's password, unchecked
    assert token_request(APIClient(REMOTE_ADDR="198.51.100.7")).status_code == 200


def test_failures_on_the_form_and_the_api_add_up(lockouts, team):
    lockouts.SIGNIN_ADDRESS_FAILURE_LIMIT = 4
    spray_the_sign_in_form(Client(), 2)
    api = APIClient()
    assert [token_request(api, username=f"other{n}", password="x").status_code
            for n in range(3)] == [400, 400, 429]


def test_a_successful_sign_in_does_not_reset_the_address_count(lockouts, team):
    """An attacker with an account of their own cannot buy more guesses with it."""
    lockouts.SIGNIN_ADDRESS_FAILURE_LIMIT = 3
    attacker = Client()
    spray_the_sign_in_form(attacker, 2)
    assert Client().post("/login/", {"username": "member", "password": PASSWORD}).status_code == 302
    assert spray_the_sign_in_form(attacker, 2) == [200, 429]
