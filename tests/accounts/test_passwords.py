"""Password reset by email (Django's views, our templates, the email built by core.email) and
password change from the profile."""

import pytest
import time_machine
from django.urls import reverse

from .conftest import NEW_PASSWORD, PASSWORD, link_path

pytestmark = pytest.mark.django_db


def request_reset(client, email: str = "member@example.com"):
    return client.post(reverse("password_reset"), {"email": email})


def test_password_reset_sends_an_email_with_both_parts_and_the_link(client, team, mailoutbox):
    response = request_reset(client, "MEMBER@example.com")
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["member@example.com"]
    assert message.subject == "Reset your Proofloop password"
    path = link_path(message, "/password/reset/")  # the same link in the HTML part
    assert path.startswith("/password/reset/") and path.count("/") == 5
    assert "within 3 days" in message.body  # Django's PASSWORD_RESET_TIMEOUT
    assert "Choose a new password" in message.alternatives[0][0]


def test_the_reset_link_sets_a_new_password_once(client, team, mailoutbox):
    request_reset(client)
    path = link_path(mailoutbox[0], "/password/reset/")
    form_page = client.get(path, follow=True)  # Django moves the token into the session
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    team.member.refresh_from_db()
    assert team.member.check_password(NEW_PASSWORD)
    assert client.login(username="member", password=NEW_PASSWORD)

    client.logout()
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_reset_link_older_than_the_timeout_is_refused(client, team, mailoutbox, settings):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        request_reset(client)
    path = link_path(mailoutbox[0], "/password/reset/")
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as traveller:
        traveller.shift(settings.PASSWORD_RESET_TIMEOUT + 1)
        page = client.get(path, follow=True)
    assert "This link no longer works" in page.content.decode()


def test_a_weak_new_password_is_refused_on_the_reset_page(client, team, mailoutbox):
    request_reset(client)
    form_page = client.get(link_path(mailoutbox[0], "/password/reset/"), follow=True)
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    team.member.refresh_from_db()
    assert team.member.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, team, mailoutbox):
    response = request_reset(client, "nobody@example.com")
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []
    assert "Check your email" in client.get(response["Location"]).content.decode()


def test_the_profile_links_to_password_change(client_as):
    html = client_as("member").get(reverse("profile")).content.decode()
    assert f'href="{reverse("password_change")}"' in html


def test_password_change_needs_the_current_password_and_keeps_the_session(client_as, team):
    client = client_as("member")
    url = reverse("password_change")
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"old_password": "nope", "new_password1": NEW_PASSWORD,
                              "new_password2": NEW_PASSWORD})
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    response = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                 "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("profile")
    assert "Password changed." in response.content.decode()
    team.member.refresh_from_db()
    assert team.member.check_password(NEW_PASSWORD)
    assert client.get(reverse("profile")).status_code == 200  # still signed in


def test_password_change_refuses_a_weak_or_mismatched_password(client_as, team):
    client = client_as("member")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345679"})
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    team.member.refresh_from_db()
    assert team.member.check_password(PASSWORD)


def test_password_change_needs_a_signed_in_user(client, db):
    response = client.get(reverse("password_change"))
    assert response["Location"].startswith(reverse("login"))
