"""A changed password or a deactivated account ends every API token of the user, whatever path
made the change (the password pages, a reset link, the admin, code); a password change also
signs out every other session of the user and keeps the one that made it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from .conftest import NEW_PASSWORD, PASSWORD, link_path

pytestmark = pytest.mark.django_db
User = get_user_model()


def token_of(user) -> str:
    _, key = AuthToken.objects.create(user, expiry=timedelta(days=1))
    return key


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/orgs/").status_code


def signed_in(username: str) -> Client:
    """A browser signed in through the sign-in form (its session carries the password's hash)."""
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("profile")).status_code == 200


def test_changing_the_password_revokes_every_token_and_signs_out_the_other_sessions(team):
    keys = [token_of(team.member), token_of(team.member)]
    viewers_key = token_of(team.viewer)
    here, elsewhere, viewer = signed_in("member"), signed_in("member"), signed_in("viewer")
    assert all(api_status(key) == 200 for key in keys) and is_signed_in(elsewhere)

    response = here.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("profile")

    assert [api_status(key) for key in keys] == [401, 401]
    assert not AuthToken.objects.filter(user=team.member).exists()
    assert is_signed_in(here)  # the session that made the change stays
    assert not is_signed_in(elsewhere)  # any other is signed out
    assert api_status(viewers_key) == 200 and is_signed_in(viewer)  # other users keep theirs


def test_a_password_reset_revokes_every_token_and_signs_out_every_session(client, team,
                                                                         mailoutbox):
    key = token_of(team.member)
    session = signed_in("member")
    client.post(reverse("password_reset"), {"email": "member@example.com"})
    form_page = client.get(link_path(mailoutbox[0], "/password/reset/"), follow=True)
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert api_status(key) == 401
    assert not is_signed_in(session)


@pytest.fixture
def superuser_client(client, db) -> Client:
    client.force_login(User.objects.create_superuser("root-admin", "root@example.com", "pw-12345!"))
    return client


def test_deactivating_an_account_in_the_admin_revokes_its_tokens(superuser_client, team):
    key = token_of(team.member)
    session = signed_in("member")
    response = superuser_client.post(
        reverse("admin:auth_user_change", args=[team.member.pk]),
        {"username": "member", "email": "member@example.com", "date_joined_0": "2026-03-02",
         "date_joined_1": "09:00:00"})  # is_active left unticked
    assert response.status_code == 302, response.content.decode()[:2000]
    team.member.refresh_from_db()
    assert not team.member.is_active
    assert not AuthToken.objects.filter(user=team.member).exists()
    assert api_status(key) == 401
    assert not is_signed_in(session)


def test_a_password_set_in_the_admin_revokes_the_users_tokens(superuser_client, team):
    key = token_of(team.member)
    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[team.member.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert api_status(key) == 401


@pytest.mark.parametrize("change", ["set_password", "deactivate", "unusable_password"])
def test_any_code_path_that_changes_credentials_revokes_the_tokens(team, change):
    key = token_of(team.member)
    user = User.objects.get(pk=team.member.pk)
    if change == "set_password":
        user.set_password(NEW_PASSWORD)
    elif change == "deactivate":
        user.is_active = False
    else:
        user.set_unusable_password()
    user.save()
    assert api_status(key) == 401
    assert not AuthToken.objects.filter(user=user).exists()  # knox alone refuses inactive users


def test_other_changes_to_the_user_keep_the_tokens(team):
    key = token_of(team.member)
    team.member.first_name = "Morgan"
    team.member.save()
    assert signed_in("member")  # a sign-in saves last_login
    assert api_status(key) == 200


def test_a_password_hash_upgraded_at_sign_in_is_not_a_password_change(team, settings):
    """Django re-hashes a password with the preferred hasher when its owner signs in; the
    password is the same, so nothing is revoked."""
    key = token_of(team.member)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    signed_in("member")
    team.member.refresh_from_db()
    assert team.member.password.startswith("pbkdf2_sha256$")  # it was MD5 (the test settings)
    assert api_status(key) == 200
