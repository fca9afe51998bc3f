"""Sign-up: a user and an organization they own, signed in and landing on its (empty)
dashboard; bad input shows field errors and creates nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from core import accounts
from core.models import Membership, Organization, Role
from tests.factories import UserFactory

from .conftest import NEW_PASSWORD, link_path

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up_data(**changes):
    return {"username": "dana", "email": "dana@initech.example", "password": NEW_PASSWORD,
            "organization_name": "Initech", "timezone": "Europe/Paris", **changes}


def test_the_sign_up_page_asks_for_the_account_and_the_organization(client, db):
    page = client.get(reverse("signup"))
    html = page.content.decode()
    assert page.status_code == 200 and "/static/proofloop/css/app.css" in html
    for label in ("Username", "Email", "Password", "Organization name", "Time zone"):
        assert f">{label} <span class=\"req\"" in html
    assert '<option value="UTC" selected>UTC</option>' in html  # the default guess
    assert '<option value="Europe/Paris">Europe/Paris</option>' in html


def test_sign_up_creates_the_user_and_an_organization_they_own(client, db):
    response = client.post(reverse("signup"), sign_up_data())
    organization = Organization.objects.get()
    assert response["Location"] == reverse("dashboard", args=[organization.slug])
    user = User.objects.get(username="dana")
    assert user.email == "dana@initech.example" and user.check_password(NEW_PASSWORD)
    assert (organization.name, organization.slug, organization.timezone) == (
        "Initech", "initech", "Europe/Paris")
    assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER

    dashboard = client.get(response["Location"])  # signed in, on the empty dashboard
    html = dashboard.content.decode()
    assert dashboard.status_code == 200 and "Welcome to Proofloop: Initech is ready." in html
    assert dashboard.context["user"] == user


def test_a_taken_organization_name_gets_a_free_slug(client, team):
    client.post(reverse("signup"), sign_up_data(organization_name="Acme"))
    assert Organization.objects.get(memberships__user__username="dana").slug == "acme-2"


def assert_nothing_created(users_before: int = 0) -> None:
    assert User.objects.count() == users_before
    assert not Organization.objects.filter(name="Initech").exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"username": "owner"}, "username", "That username is taken: choose another."),
    ({"username": "OWNER"}, "username", "That username is taken: choose another."),
    ({"username": "dana smith"}, "username", "Enter a valid username."),
    ({"email": "owner@example.com"}, "email", "An account already uses this email address"),
    ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ({"password": "password"}, "password", "This password is too common."),
    ({"password": "short"}, "password", "This password is too short."),
    ({"password": "48291736504"}, "password", "This password is entirely numeric."),
    ({"password": "dana.initech"}, "password", "The password is too similar to the"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice."),
    ({"organization_name": ""}, "organization_name", "This field is required."),
])
def test_bad_input_shows_a_field_error_and_creates_nothing(client, team, changes, field, message):
    users_before = User.objects.count()
    response = client.post(reverse("signup"), sign_up_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert_nothing_created(users_before)
    assert "_auth_user_id" not in client.session


def test_every_error_shows_at_once(client, team):
    response = client.post(reverse("signup"), sign_up_data(username="owner", password="password"))
    assert set(response.context["form"].errors) == {"username", "password"}


def test_the_service_reports_user_and_organization_errors_together_and_creates_nothing(team):
    with pytest.raises(ValidationError) as raised:
        accounts.account_sign_up(username="owner", email="dana@initech.example",
                                 password=NEW_PASSWORD, organization_name="Initech",
                                 timezone="Mars/Olympus_Mons")
    assert set(raised.value.message_dict) == {"username", "timezone"}
    assert "is not a known time zone" in raised.value.message_dict["timezone"][0]
    assert not User.objects.filter(email="dana@initech.example").exists()


def test_the_service_rolls_the_user_back_when_the_organization_fails(db, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "Refused."})

    monkeypatch.setattr(accounts, "organization_create", refuse)
    with pytest.raises(ValidationError):
        accounts.account_sign_up(username="dana", email="dana@initech.example",
                                 password=NEW_PASSWORD, organization_name="Initech", timezone="UTC")
    assert_nothing_created()


# --- the limit per address (every attempt counts) ------------------------------------------------
THROTTLED = "Too many sign-up attempts from your network"


def test_sign_ups_from_one_address_are_limited_with_a_form_error(client, db, settings):
    settings.SIGNUP_LIMIT_PER_HOUR = 2
    for n in range(2):
        client.post(reverse("signup"), sign_up_data(username=f"dana{n}", email=f"d{n}@x.example"))
        client.logout()
    response = client.post(reverse("signup"), sign_up_data(username="dana9", email="d9@x.example"))
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert not User.objects.filter(username="dana9").exists()
    assert User.objects.count() == 2


def test_refused_sign_ups_count_and_over_the_limit_nothing_says_who_has_an_account(
        client, team, settings):
    """Probing usernames and email addresses one sign-up at a time: the field messages are
    shown while the address is within the limit, then only the throttle message."""
    settings.SIGNUP_LIMIT_PER_HOUR = 3
    for n in range(3):
        response = client.post(reverse("signup"),
                               sign_up_data(username="member", email=f"probe{n}@x.example"))
        assert "That username is taken" in response.content.decode()
    for probe in (sign_up_data(username="member"), sign_up_data(email="member@example.com"),
                  sign_up_data(username="free-name", email="free@x.example")):
        response = client.post(reverse("signup"), probe)
        html = response.content.decode()
        assert response.status_code == 429 and THROTTLED in html
        assert "That username is taken" not in html and "already uses this email" not in html
    assert not User.objects.filter(username="free-name").exists()


def test_the_limit_is_per_address_and_a_forged_forwarded_for_does_not_escape_it(
        client, team, settings):
    settings.SIGNUP_LIMIT_PER_HOUR = 1
    client.post(reverse("signup"), sign_up_data(username="member"))
    rotated = client.post(reverse("signup"), sign_up_data(username="member"),
                          HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert rotated.status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.4").post(reverse("signup"),
                                                        sign_up_data(username="member"))
    assert elsewhere.status_code == 200
    assert "That username is taken" in elsewhere.content.decode()


def test_the_invitation_sign_up_form_counts_against_the_same_limit(client, team, invite,
                                                                   mailoutbox, settings):
    """It says whether a username is taken too."""
    settings.SIGNUP_LIMIT_PER_HOUR = 1
    invite("newcomer@example.com")
    path = link_path(mailoutbox[-1], "/invitations/")
    first = client.post(path, {"username": "member", "password": NEW_PASSWORD})
    assert "That username is taken" in first.content.decode()
    second = client.post(path, {"username": "member", "password": NEW_PASSWORD})
    assert second.status_code == 429
    assert THROTTLED in second.content.decode()
    assert "That username is taken" not in second.content.decode()


def test_a_signed_in_user_is_sent_home_from_sign_up(client, db):
    client.force_login(UserFactory(username="already"))
    response = client.get(reverse("signup"))
    assert response["Location"] == reverse("home")


def test_the_sign_in_page_links_to_sign_up_and_password_reset(client, db):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' in html
    assert f'href="{reverse("password_reset")}"' in html
