"""Consent in the web app (issue 13, findings 2 and 8): the invitations to a user's account are
on their home page and in the top bar, where they accept (and land on the dashboard) or decline;
an emailed link cannot answer an invitation addressed to another account, and a resend makes
the earlier link stop working; every member but the owner may leave an organization."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import invitations
from core.invitations import InvitationRefused
from core.models import Invitation, InvitationState, Membership, Role
from tests.factories import UserFactory

from .conftest import NEW_PASSWORD, link_path

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def stranger(team):
    return UserFactory(username="stranger")


@pytest.fixture
def invite_username(team):
    """Invite the account called `username` to Acme, as its admin (the API's members POST)."""

    def make(username: str = "stranger", role: str = Role.MEMBER) -> Invitation:
        return invitations.invitation_invite_username(organization=team.org, username=username,
                                                      role=role, invited_by=team.admin)

    return make


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def accept_url(invitation: Invitation) -> str:
    return reverse("my-invitation-accept", args=[invitation.pk])


def decline_url(invitation: Invitation) -> str:
    return reverse("my-invitation-decline", args=[invitation.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def is_member(team, user) -> bool:
    return Membership.objects.filter(organization=team.org, user=user).exists()


# --- the home page and the top bar --------------------------------------------------------------
def test_the_home_page_lists_the_invitation_with_accept_and_decline_buttons(team, stranger,
                                                                           invite_username):
    invitation = invite_username(role=Role.VIEWER)
    response = signed_in(stranger).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are invited to join 1 organization" in html
    assert "Acme" in html and "as viewer, invited by admin" in html
    for url in (accept_url(invitation), decline_url(invitation)):
        assert f'<form method="post" action="{url}"><input type="hidden" name="csrfmiddlewaretoken"' in html


def test_a_member_elsewhere_sees_the_invitation_on_home_and_in_the_top_bar(team,
                                                                           invite_username):
    invitation = invite_username("outsider")
    client = signed_in(team.outsider)
    home = client.get(reverse("home"))
    assert home.status_code == 200  # not sent on to Globex's dashboard while one is unanswered
    assert accept_url(invitation) in home.content.decode()
    assert reverse("dashboard", args=["globex"]) in home.content.decode()
    dashboard = client.get(reverse("dashboard", args=["globex"])).content.decode()
    assert 'Invitations <span class="countbadge">1</span>' in dashboard
    assert accept_url(invitation) in dashboard and decline_url(invitation) in dashboard


def test_without_invitations_there_is_no_badge_and_home_opens_the_dashboard(team, client_as,
                                                                            invite_username,
                                                                            stranger):
    invite_username()  # someone else's
    client = client_as("member")
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["acme"])
    assert "countbadge" not in client.get(reverse("dashboard", args=["acme"])).content.decode()


def test_accepting_on_the_web_joins_and_opens_the_dashboard(team, stranger, invite_username):
    invitation = invite_username(role=Role.VIEWER)
    client = signed_in(stranger)
    response = client.post(accept_url(invitation))
    assert response["Location"] == reverse("dashboard", args=["acme"])
    assert Membership.objects.get(organization=team.org, user=stranger).role == Role.VIEWER
    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200
    assert "You joined Acme as viewer." in messages_of(dashboard)
    assert "countbadge" not in dashboard.content.decode()
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["acme"])


def test_declining_on_the_web_leaves_the_user_out(team, stranger, invite_username):
    invitation = invite_username()
    client = signed_in(stranger)
    response = client.post(decline_url(invitation), follow=True)
    assert "You declined the invitation to Acme." in messages_of(response)
    assert accept_url(invitation) not in response.content.decode()
    assert not is_member(team, stranger)
    assert Invitation.objects.get(pk=invitation.pk).state == InvitationState.DECLINED
    assert client.post(accept_url(invitation)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "admin", "member"])
def test_another_users_invitation_is_not_found_on_the_web(team, stranger, invite_username, who):
    invitation = invite_username()
    client = signed_in(team.user(who))
    assert client.post(accept_url(invitation)).status_code == 404
    assert client.post(decline_url(invitation)).status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).state == InvitationState.PENDING
    assert not is_member(team, stranger)


def test_answering_takes_a_post_with_its_csrf_token(team, stranger, invite_username):
    invitation = invite_username()
    assert signed_in(stranger).get(accept_url(invitation)).status_code == 405
    forged = signed_in(stranger, enforce_csrf_checks=True).post(accept_url(invitation))
    assert forged.status_code == 403
    assert not is_member(team, stranger)


def test_an_expired_invitation_is_not_shown_nor_accepted_on_the_web(team, stranger,
                                                                    invite_username):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        invitation = invite_username()
    with time_machine.travel("2026-03-09 09:00:01Z", tick=False):
        client = signed_in(stranger)
        assert accept_url(invitation) not in client.get(reverse("home")).content.decode()
        assert client.post(accept_url(invitation)).status_code == 404
    assert not is_member(team, stranger)


def test_the_members_page_lists_an_invitation_to_a_username_without_resend(team, client_as,
                                                                          invite_username):
    invitation = invite_username("nobody-at-all")
    html = client_as("admin").get(reverse("org-members", args=["acme"])).content.decode()
    assert "nobody-at-all" in html
    assert reverse("org-invitation-revoke", args=["acme", invitation.pk]) in html
    assert reverse("org-invitation-resend", args=["acme", invitation.pk]) not in html


# --- the service and the emailed link -------------------------------------------------------------
def test_an_invitation_to_a_username_is_accepted_by_that_account_only(team, stranger,
                                                                      invite_username):
    invitation = invite_username()
    for user in (team.outsider, UserFactory(username="stranger2")):
        with pytest.raises(InvitationRefused) as refused:
            invitations.invitation_accept(invitation=invitation, user=user)
        assert refused.value.reason == "not-yours"
    with pytest.raises(InvitationRefused):
        invitations.invitation_decline(invitation=invitation, user=team.outsider)
    assert Invitation.objects.get(pk=invitation.pk).state == InvitationState.PENDING
    assert invitations.invitation_accept(invitation=invitation, user=stranger).role == Role.MEMBER


def test_an_invitation_to_a_username_nobody_had_is_accepted_by_nobody(team, invite_username):
    invitation = invite_username("nobody-at-all")
    assert invitation.invitee is None
    latecomer = UserFactory(username="nobody-at-all")
    with pytest.raises(InvitationRefused):
        invitations.invitation_accept(invitation=invitation, user=latecomer)
    assert not is_member(team, latecomer)


def test_a_link_naming_an_invitation_to_another_account_is_refused(client, team, stranger,
                                                                   invite_username):
    """Such invitations are answered in the app and never emailed; a link naming one (made
    here with the signing key) joins nobody, signed in or signing up."""
    invitation = invite_username()
    path = reverse("invitation-accept", args=[invitations.invitation_token(invitation)])
    outsider = signed_in(team.outsider)
    for response in (outsider.get(path), outsider.post(path),
                     client.post(path, {"username": "intruder", "password": NEW_PASSWORD})):
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
    assert not is_member(team, team.outsider)
    assert not User.objects.filter(username="intruder").exists()
    with pytest.raises(InvitationRefused):
        invitations.invitation_accept_new_account(invitation=invitation, username="intruder",
                                                  password=NEW_PASSWORD)
    assert Invitation.objects.get(pk=invitation.pk).state == InvitationState.PENDING


def test_resending_makes_the_earlier_link_stop_working(client, team, invite, mailoutbox,
                                                       client_as):
    invite("newcomer@example.com", role="viewer")
    first = link_path(mailoutbox[-1], "/invitations/")
    invitation = Invitation.objects.get()
    client_as("admin").post(reverse("org-invitation-resend", args=["acme", invitation.pk]))
    second = link_path(mailoutbox[-1], "/invitations/")
    assert second != first

    outsider = signed_in(team.outsider)
    for response in (client.get(first), outsider.post(first),
                     client.post(first, {"username": "newcomer", "password": NEW_PASSWORD})):
        assert response.status_code == 410
        assert "This invitation link was replaced" in response.content.decode()
    assert not is_member(team, team.outsider)
    assert not User.objects.filter(username="newcomer").exists()
    assert Invitation.objects.get().state == InvitationState.PENDING

    response = client.post(second, {"username": "newcomer", "password": NEW_PASSWORD})
    assert response["Location"] == reverse("dashboard", args=["acme"])
    assert Membership.objects.get(user__username="newcomer").role == Role.VIEWER


def test_an_invitation_to_a_username_is_not_emailed_nor_resent(team, invite_username, mailoutbox):
    invitation = invite_username()
    assert mailoutbox == []
    with pytest.raises(ValidationError, match="shown in Proofloop, not emailed"):
        invitations.invitation_resend(invitation=invitation)
    assert mailoutbox == []


def test_the_database_keeps_one_open_invitation_per_username_in_any_case(team, stranger,
                                                                         invite_username):
    invite_username("stranger")
    now = timezone.now()
    for username, invitee in (("STRANGER", None), ("stranger-renamed", stranger)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Invitation.objects.create(organization=team.org, invitee_username=username,
                                      invitee=invitee, role=Role.MEMBER, created_at=now,
                                      sent_at=now, expires_at=now + timedelta(days=7))


@pytest.mark.parametrize(("email", "username"), [("x@example.com", "x"), ("", "")])
def test_the_database_refuses_an_invitation_to_both_an_email_and_a_username_or_neither(
        team, email, username):
    now = timezone.now()
    with pytest.raises(IntegrityError):
        Invitation.objects.create(organization=team.org, email=email, invitee_username=username,
                                  role=Role.MEMBER, created_at=now, sent_at=now,
                                  expires_at=now + timedelta(days=7))


# --- leaving ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "member", "admin"])
def test_any_member_but_the_owner_leaves_on_the_web(team, client_as, role):
    client = client_as(role)
    leave = reverse("org-leave", args=["acme"])
    page = client.get(leave)
    assert page.status_code == 200 and "Leave Acme?" in page.content.decode()
    assert is_member(team, team.user(role))  # a GET only asks
    response = client.post(leave, follow=True)
    assert response.redirect_chain[0][0] == reverse("home")
    assert "You left Acme." in messages_of(response)
    assert not is_member(team, team.user(role))
    assert client.get(reverse("dashboard", args=["acme"])).status_code == 404


def test_the_owner_cannot_leave_on_the_web_and_is_told_to_transfer_ownership(team, client_as):
    client = client_as("owner")
    for response in (client.get(reverse("org-leave", args=["acme"]), follow=True),
                     client.post(reverse("org-leave", args=["acme"]), follow=True)):
        assert response.redirect_chain[-1][0] == reverse("profile")
        assert ("Transfer ownership before leaving: an organization always keeps one owner."
                in messages_of(response))
    assert Membership.objects.get(organization=team.org, user=team.owner).role == Role.OWNER


def test_an_outsider_cannot_leave_an_organization_they_are_not_in(team, client_as):
    assert client_as("outsider").post(reverse("org-leave", args=["acme"])).status_code == 404


def test_the_profile_offers_leave_to_every_member_but_the_owner(team, client_as):
    leave = reverse("org-leave", args=["acme"])
    assert leave in client_as("viewer").get(reverse("profile")).content.decode()
    owner_page = client_as("owner").get(reverse("profile")).content.decode()
    assert leave not in owner_page and "Transfer ownership to leave" in owner_page
