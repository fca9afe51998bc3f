"""Sign in and out, the home page, organization settings and the profile page."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from core.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- sign in, home ---------------------------------------------------------------------------------
def test_the_sign_in_page_is_styled_and_signs_in(client, team):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"/static/proofloop/css/app.css" in page.content
    response = client.post(reverse("login"), {"username": "member",
                                              "password": "correct-horse-battery"})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["acme"])


def test_a_wrong_password_is_explained(client, team):
    response = client.post(reverse("login"), {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_signing_out_takes_a_post_and_lands_on_sign_in(member_client):
    response = member_client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert member_client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_home_opens_the_organization_used_last(team, client_as):
    MembershipFactory(organization=team.other_org, user=team.member, role="viewer")
    client = client_as("member")
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["acme"])
    client.get(reverse("dashboard", args=["globex"]))
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["globex"])


def test_the_switcher_lists_the_users_organizations(team, client_as):
    MembershipFactory(organization=team.other_org, user=team.member, role="viewer")
    html = client_as("member").get(reverse("dashboard", args=["acme"])).content.decode()
    assert reverse("dashboard", args=["globex"]) in html and "Globex" in html


def test_a_user_without_an_organization_gets_an_explanation(client, db):
    client.force_login(UserFactory(username="lonely"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "You are not a member of any organization yet" in response.content.decode()
    assert reverse("organization-new") in response.content.decode()


# --- organization settings ------------------------------------------------------------------------
def settings_data(**changes):
    return {"name": "Acme Inc", "timezone": "Europe/Berlin", "stale_after_days": "21",
            "digest_weekday": "4", "digest_hour": "9", **changes}


def test_an_admin_changes_the_organization_settings(client_as, team):
    response = client_as("admin").post(reverse("org-settings", args=["acme"]), settings_data())
    assert response.status_code == 302
    team.org.refresh_from_db()
    assert (team.org.name, team.org.timezone, team.org.stale_after_days, team.org.digest_weekday,
            team.org.digest_hour) == ("Acme Inc", "Europe/Berlin", 21, 4, 9)


@pytest.mark.parametrize("field,value,message", [
    ("stale_after_days", "0", "Ensure this value is greater than or equal to 1."),
    ("stale_after_days", "-3", "Ensure this value is greater than or equal to"),
    ("stale_after_days", "400", "Ensure this value is less than or equal to 365."),
    ("timezone", "Mars/Olympus", "Select a valid choice."),
    ("digest_hour", "24", "Select a valid choice."),
    ("name", "", "This field is required."),
])
def test_invalid_settings_are_refused(client_as, team, field, value, message):
    response = client_as("owner").post(reverse("org-settings", args=["acme"]),
                                       settings_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    team.org.refresh_from_db()
    assert team.org.name == "Acme" and team.org.stale_after_days == 14


def test_a_refused_change_leaves_the_page_around_the_form_as_stored(client_as, team):
    response = client_as("owner").post(reverse("org-settings", args=["acme"]),
                                       settings_data(name="Zeta Corp", stale_after_days="0"))
    assert response.status_code == 200
    assert response.wsgi_request.org.name == "Acme"  # the top bar, the title
    assert 'value="Zeta Corp"' in response.content.decode()  # the form keeps what was typed


def test_a_member_cannot_change_the_settings(client_as, team):
    assert client_as("member").post(reverse("org-settings", args=["acme"]),
                                    settings_data()).status_code == 403
    team.org.refresh_from_db()
    assert team.org.name == "Acme"


def test_the_settings_navigation_is_there_for_admins_only(client_as):
    admin = client_as("admin").get(reverse("dashboard", args=["acme"])).content.decode()
    member = client_as("member").get(reverse("dashboard", args=["acme"])).content.decode()
    assert reverse("org-settings", args=["acme"]) in admin
    assert reverse("org-settings", args=["acme"]) not in member


# --- profile ---------------------------------------------------------------------------------------
def test_a_member_turns_the_digest_off_and_on_again(member_client, team):
    url = reverse("profile-digest", args=["acme"])
    member_client.post(url, {"subscribed": "0"})
    assert not Membership.objects.get(user=team.member, organization=team.org).digest_subscribed
    response = member_client.post(url, {"subscribed": "1"}, follow=True)
    assert Membership.objects.get(user=team.member, organization=team.org).digest_subscribed
    assert "Weekly digest of Acme turned on." in response.content.decode()


def test_the_digest_toggle_answers_htmx_with_the_row(member_client, team):
    response = member_client.post(reverse("profile-digest", args=["acme"]), {"subscribed": "0"},
                                  HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<li class="digestrow" id="digest-acme">') and "Turn on" in html


def test_the_digest_of_a_foreign_organization_cannot_be_touched(member_client, team):
    assert member_client.post(reverse("profile-digest", args=["globex"]),
                              {"subscribed": "0"}).status_code == 404
    assert Membership.objects.get(user=team.outsider).digest_subscribed


def test_a_viewer_also_manages_their_digest(client_as, team):
    client_as("viewer").post(reverse("profile-digest", args=["acme"]), {"subscribed": "0"})
    assert not Membership.objects.get(user=team.viewer).digest_subscribed


def test_an_api_token_is_shown_once_listed_and_revoked(member_client, team):
    response = member_client.post(reverse("profile-token-create"))
    key = response.context["new_key"]
    token = AuthToken.objects.get(user=team.member)
    assert key.startswith(token.token_key) and key in response.content.decode()
    assert token.expiry is not None
    page = member_client.get(reverse("profile")).content.decode()
    assert token.token_key in page and key not in page  # listed, never shown again
    response = member_client.post(reverse("profile-token-revoke", args=[token.token_key]))
    assert response["Location"] == reverse("profile")
    assert not AuthToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(member_client, team):
    token, _ = AuthToken.objects.create(team.outsider)
    assert member_client.post(reverse("profile-token-revoke",
                                      args=[token.token_key])).status_code == 404
    assert AuthToken.objects.filter(user=team.outsider).exists()


def test_the_profile_is_for_signed_in_users(client, db):
    assert client.get(reverse("profile"))["Location"].startswith(reverse("login"))
