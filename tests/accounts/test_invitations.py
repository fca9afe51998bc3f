"""Invitations: an admin invites an address with a role; the emailed, signed link joins once,
with the role, through a new account or a signed-in one; expired, revoked, used and tampered
links are refused with a page that says why, and change nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core import invitations
from core.invitations import AlreadyMember, InvitationRefused
from core.models import Invitation, InvitationState, Membership, Role
from tests.factories import UserFactory

from .conftest import NEW_PASSWORD, link_path

pytestmark = pytest.mark.django_db
User = get_user_model()


def accept_path(mailoutbox) -> str:
    return link_path(mailoutbox[-1], "/invitations/")


def sign_up_through(client: Client, path: str, username: str = "newcomer"):
    return client.post(path, {"username": username, "password": NEW_PASSWORD})


# --- the email --------------------------------------------------------------------------------
def test_the_invitation_email_has_a_text_and_an_html_part_with_the_link_in_both(team, invite,
                                                                                 mailoutbox):
    invitation = invite("Newcomer@Example.com", role="viewer")
    assert invitation.email == "newcomer@example.com"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["newcomer@example.com"]
    assert message.subject == "admin invited you to join Acme on Proofloop"
    assert message.extra_headers["Reply-To"] == "admin@example.com"
    path = link_path(message, "/invitations/")  # asserts the same link is in the HTML part
    assert path.startswith("/invitations/")
    assert "as viewer" in message.body and "expires on" in message.body
    html = message.alternatives[0][0]
    assert "Accept the invitation" in html and 'style="' in html  # CSS inlined


def test_the_link_is_signed_and_names_the_invitation_row_and_its_sending(invite, mailoutbox):
    invitation = invite()
    token = accept_path(mailoutbox).split("/")[2]
    pk, sent = signing.loads(token, salt=invitations.INVITATION_SALT)
    assert pk == invitation.pk
    assert sent == (invitation.sent_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    with pytest.raises(signing.BadSignature):  # another salt does not read it
        signing.loads(token)


def test_the_invitation_records_who_invited_and_when_it_expires(team, invite):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        invitation = invite()
    assert invitation.invited_by == team.admin
    assert invitation.created_at == invitation.sent_at
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert invitation.accepted_at is None and invitation.revoked_at is None


# --- joining ----------------------------------------------------------------------------------
def test_a_new_person_creates_an_account_from_the_link_and_joins_with_the_role(client, team,
                                                                               invite, mailoutbox):
    invite("newcomer@example.com", role="viewer")
    path = accept_path(mailoutbox)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Acme" in html and "newcomer@example.com" in html and "Create account and join" in html

    response = sign_up_through(client, path)
    assert response["Location"] == reverse("dashboard", args=["acme"])
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com" and user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(organization=team.org, user=user).role == Role.VIEWER
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    dashboard = client.get(response["Location"])  # signed in
    assert dashboard.status_code == 200
    assert "Welcome to Proofloop: you joined Acme as viewer" in dashboard.content.decode()


def test_a_signed_in_user_confirms_and_joins_with_the_role(team, invite, mailoutbox, client_as):
    invite(team.outsider.email, role="admin")
    path = accept_path(mailoutbox)
    client = client_as("outsider")
    page = client.get(path)
    assert "Join Acme as admin" in page.content.decode()
    assert not Membership.objects.filter(organization=team.org, user=team.outsider).exists()

    response = client.post(path)
    assert response["Location"] == reverse("dashboard", args=["acme"])
    assert Membership.objects.get(organization=team.org, user=team.outsider).role == Role.ADMIN
    assert Invitation.objects.get().accepted_by == team.outsider


def test_opening_the_link_changes_nothing_until_the_person_confirms(team, invite, mailoutbox,
                                                                    client_as):
    """Mail scanners open links: a GET must not accept."""
    invite(team.outsider.email)
    client_as("outsider").get(accept_path(mailoutbox))
    assert Invitation.objects.get().state == InvitationState.PENDING
    assert not Membership.objects.filter(organization=team.org, user=team.outsider).exists()


def test_a_signed_in_user_sent_to_another_address_is_told_which_account_joins(team, invite,
                                                                              mailoutbox, client_as):
    invite("someone.else@example.com")
    html = client_as("outsider").get(accept_path(mailoutbox)).content.decode()
    assert "you are signed in as <strong>outsider</strong>" in html
    assert "Sign out and use another account" in html


def test_an_existing_account_is_asked_to_sign_in_and_comes_back(client, team, invite, mailoutbox):
    invite(team.outsider.email, role="member")
    path = accept_path(mailoutbox)
    page = client.get(path)
    html = page.content.decode()
    assert "An account already uses outsider@example.com" in html
    login_url = f"{reverse('login')}?{urlencode({'next': path})}"
    assert login_url in html
    # A new account for that address is refused even when posted directly.
    assert sign_up_through(client, path, "outsider2").status_code == 200
    assert not User.objects.filter(username="outsider2").exists()

    response = client.post(login_url, {"username": "outsider", "password": "correct-horse-battery",
                                       "next": path})
    assert response["Location"] == path
    assert client.post(path)["Location"] == reverse("dashboard", args=["acme"])
    assert Membership.objects.get(organization=team.org, user=team.outsider).role == Role.MEMBER


def test_an_existing_member_is_told_and_keeps_the_role(team, invite, mailoutbox, client_as):
    invite(team.member.email.replace("member@", "member.alias@"), role="admin")
    path = accept_path(mailoutbox)
    client = client_as("member")
    html = client.get(path).content.decode()
    assert "You are already a member of Acme, as member" in html
    assert "does not change your role" in html
    response = client.post(path)
    assert response.status_code == 200
    assert Membership.objects.get(organization=team.org, user=team.member).role == Role.MEMBER
    assert Invitation.objects.get().state == InvitationState.PENDING  # left for its addressee


def test_accepting_as_an_existing_member_raises_and_leaves_the_invitation(team, invite):
    invitation = invite("member.alias@example.com", role="admin")
    with pytest.raises(AlreadyMember):
        invitations.invitation_accept(invitation=invitation, user=team.member)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_bad_username_or_weak_password_on_the_invitation_form_creates_nothing(client, team,
                                                                                invite, mailoutbox):
    invite()
    path = accept_path(mailoutbox)
    response = client.post(path, {"username": "member", "password": "password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That username is taken" in html and "This password is too common." in html
    assert not User.objects.filter(email="newcomer@example.com").exists()
    assert Invitation.objects.get().state == InvitationState.PENDING


# --- refusals ---------------------------------------------------------------------------------
def assert_refused(response, title: str, status: int = 410) -> None:
    assert response.status_code == status
    assert title in response.content.decode()


def test_an_expired_link_is_refused_and_changes_nothing(client, team, invite, mailoutbox):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        invite()
        path = accept_path(mailoutbox)
    with time_machine.travel("2026-03-09 09:00:01Z", tick=False):
        assert_refused(client.get(path), "This invitation has expired")
        assert_refused(sign_up_through(client, path), "This invitation has expired")
    assert not User.objects.filter(username="newcomer").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_link_is_still_good_just_before_seven_days(client, team, invite, mailoutbox):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        invite()
        path = accept_path(mailoutbox)
    with time_machine.travel("2026-03-09 08:59Z", tick=False):
        assert client.get(path).status_code == 200
        assert sign_up_through(client, path).status_code == 302


def test_an_expired_row_is_refused_even_with_a_fresh_signature(client, team, invite, mailoutbox):
    invitation = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1))
    assert_refused(client.get(accept_path(mailoutbox)), "This invitation has expired")


def test_a_revoked_link_is_refused_and_changes_nothing(client, team, invite, mailoutbox):
    invitation = invite()
    path = accept_path(mailoutbox)
    invitations.invitation_revoke(invitation=invitation, by=team.admin)
    assert_refused(client.get(path), "This invitation was withdrawn")
    assert_refused(sign_up_through(client, path), "This invitation was withdrawn")
    assert not User.objects.filter(username="newcomer").exists()


def test_a_used_link_is_refused_the_second_time(team, invite, mailoutbox, client_as):
    invite(team.outsider.email)
    path = accept_path(mailoutbox)
    client = client_as("outsider")
    client.post(path)
    other = Client()
    assert_refused(other.get(path), "This invitation has already been used")
    assert_refused(sign_up_through(other, path, "latecomer"), "This invitation has already been used")
    assert not User.objects.filter(username="latecomer").exists()
    assert Membership.objects.for_org(team.org).count() == 5


def test_the_invitation_is_claimed_once_even_when_two_accept_at_once(team, invite):
    """The claim is a conditional UPDATE: the second acceptance of the same row finds it used."""
    invitation = invite()
    stale_copy = Invitation.objects.get(pk=invitation.pk)
    invitations.invitation_accept(invitation=invitation, user=team.outsider)
    latecomer = UserFactory(username="latecomer")
    with pytest.raises(InvitationRefused) as refused:
        invitations.invitation_accept(invitation=stale_copy, user=latecomer)
    assert refused.value.reason == "accepted"
    assert not Membership.objects.filter(user=latecomer).exists()


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),   # signature changed
    lambda token: signing.dumps([signing.loads(token, salt=invitations.INVITATION_SALT)[0] + 1,
                                 signing.loads(token, salt=invitations.INVITATION_SALT)[1]]),
    lambda token: signing.dumps(signing.loads(token, salt=invitations.INVITATION_SALT)[0],
                                salt=invitations.INVITATION_SALT),  # the id alone: an old format
    lambda token: "not-a-token",
    lambda token: signing.dumps("1", salt=invitations.INVITATION_SALT),  # not an id
])
def test_a_tampered_token_is_refused(client, team, invite, mailoutbox, mangle):
    invite()
    token = accept_path(mailoutbox).split("/")[2]
    response = client.get(reverse("invitation-accept", args=[mangle(token)]))
    assert_refused(response, "This invitation link is not valid", status=404)


def test_a_token_for_a_deleted_invitation_is_refused(client, team, invite, mailoutbox):
    invite()
    path = accept_path(mailoutbox)
    Invitation.objects.all().delete()
    assert_refused(client.get(path), "This invitation link is not valid", status=404)


# --- who may invite -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["member", "viewer"])
def test_a_non_admin_cannot_invite(team, client_as, role, mailoutbox):
    response = client_as(role).post(reverse("org-invitation-create", args=["acme"]),
                                    {"email": "friend@example.com", "role": "member"})
    assert response.status_code == 403
    assert not Invitation.objects.exists() and mailoutbox == []


def test_an_outsider_gets_404_when_inviting(team, client_as, mailoutbox):
    response = client_as("outsider").post(reverse("org-invitation-create", args=["acme"]),
                                          {"email": "friend@example.com", "role": "member"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_an_admin_or_the_owner_invites_from_the_members_page(team, client_as, role, mailoutbox):
    response = client_as(role).post(reverse("org-invitation-create", args=["acme"]),
                                    {"email": "friend@example.com", "role": "admin"})
    assert response["Location"] == reverse("org-members", args=["acme"])
    invitation = Invitation.objects.get()
    assert invitation.role == Role.ADMIN and invitation.invited_by == team.user(role)
    assert mailoutbox[0].to == ["friend@example.com"]


def test_nobody_is_invited_as_owner(team, client_as, invite):
    response = client_as("owner").post(reverse("org-invitation-create", args=["acme"]),
                                       {"email": "friend@example.com", "role": "owner"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(Exception, match="transfer ownership"):
        invite(role="owner")
    assert not Invitation.objects.exists()


def test_the_database_refuses_an_owner_invitation(team):
    now = timezone.now()
    with pytest.raises(IntegrityError):
        Invitation.objects.create(organization=team.org, email="x@example.com", role="owner",
                                  created_at=now, sent_at=now, expires_at=now + timedelta(days=7))


def test_an_address_of_a_member_is_not_invited(team, client_as, mailoutbox):
    response = client_as("admin").post(reverse("org-invitation-create", args=["acme"]),
                                       {"email": "Viewer@example.com", "role": "admin"})
    assert response.status_code == 200
    assert "viewer (viewer@example.com) is already a member, as viewer." in response.content.decode()
    assert not Invitation.objects.exists() and mailoutbox == []


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(client, team, invite,
                                                                       mailoutbox, client_as):
    first = invite("newcomer@example.com", role="viewer")
    first_path = accept_path(mailoutbox)
    response = client_as("admin").post(reverse("org-invitation-create", args=["acme"]),
                                       {"email": "newcomer@example.com", "role": "member"},
                                       follow=True)
    assert "It replaces the earlier invitation" in response.content.decode()
    first.refresh_from_db()
    assert first.state == InvitationState.REVOKED and first.revoked_by == team.admin
    assert Invitation.objects.open().get().role == Role.MEMBER
    assert_refused(client.get(first_path), "This invitation was withdrawn")
    assert sign_up_through(client, accept_path(mailoutbox)).status_code == 302
    assert Membership.objects.get(user__username="newcomer").role == Role.MEMBER


def test_the_same_address_may_have_invitations_from_two_organizations(team, mailoutbox):
    invitations.invitation_create(organization=team.org, email="x@example.com", role="member",
                                  invited_by=team.admin)
    invitations.invitation_create(organization=team.other_org, email="x@example.com",
                                  role="viewer", invited_by=team.outsider)
    assert Invitation.objects.open().count() == 2


def test_an_invitation_cannot_be_revoked_once_accepted(team, invite):
    invitation = invite()
    invitations.invitation_accept(invitation=invitation, user=team.outsider)
    with pytest.raises(Exception, match="accepted already"):
        invitations.invitation_revoke(invitation=invitation, by=team.admin)
