"""Nobody becomes a member without consent (issue 13, finding 2): an admin's
`POST /orgs/{slug}/members/ {username}` only invites; the invited account sees the invitation in
`GET /invitations/` and accepts it (201, the membership) or declines it. The answer to the admin
shows nothing about the account and is the same for a username nobody has; attempts are
throttled per admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from core import invitations
from core.models import Invitation, InvitationState, Membership
from tests.factories import UserFactory
from validation.api.throttles import InvitationRateThrottle

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
INVITATIONS = "/api/v1/invitations/"
INVITATION_FIELDS = {"id", "organization", "organization_name", "role", "invited_by", "expires_at"}


def invite(client: APIClient, username: str, role: str = "member"):
    return client.post(f"{ORG}/members/", {"username": username, "role": role}, format="json")


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def stranger(team):
    """Someone with an account, in no organization of the team's: the attack's victim."""
    return UserFactory(username="stranger", first_name="Sam", last_name="Sterling",
                       email="sam.sterling@example.com")


def is_member(team, user) -> bool:
    return Membership.objects.filter(organization=team.org, user=user).exists()


# --- the attack: adding a stranger -------------------------------------------------------------
def test_an_admin_posting_a_strangers_username_gets_a_pending_invitation_not_a_member(
        team, client_as, stranger):
    response = invite(client_as("admin"), "stranger", role="viewer")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"invitation"} and set(body["invitation"]) == INVITATION_FIELDS
    invitation = body["invitation"]
    assert (invitation["organization"], invitation["role"], invitation["invited_by"]) == (
        "acme", "viewer", "admin")
    assert not is_member(team, stranger)
    members = client_as("admin").get(f"{ORG}/members/").json()["results"]
    assert "stranger" not in [m["username"] for m in members]


def test_the_answer_to_the_admin_shows_nothing_of_the_strangers_account(team, client_as, stranger):
    text = invite(client_as("admin"), "stranger").content.decode()
    for secret in ("Sam", "Sterling", "sam.sterling", "example.com", "stranger"):
        assert secret not in text


def test_an_unknown_username_gets_the_same_status_and_shape(team, client_as, stranger):
    admin = client_as("admin")
    known, unknown = invite(admin, "stranger"), invite(admin, "nobody-at-all")
    assert known.status_code == unknown.status_code == 202
    known_body, unknown_body = known.json()["invitation"], unknown.json()["invitation"]
    assert set(known_body) == set(unknown_body) == INVITATION_FIELDS
    for field in ("organization", "organization_name", "role", "invited_by"):
        assert known_body[field] == unknown_body[field]
    assert {type(known_body[f]) for f in ("id", "expires_at")} == {
        type(unknown_body[f]) for f in ("id", "expires_at")}
    # Stored, listed to admins as pending like any other, addressed to no account.
    assert Invitation.objects.get(pk=unknown_body["id"]).invitee is None
    assert Invitation.objects.get(pk=known_body["id"]).invitee == stranger


def test_an_invitation_to_a_username_nobody_had_is_never_answered_by_a_later_account(team,
                                                                                      client_as):
    invitation_id = invite(client_as("admin"), "latecomer").json()["invitation"]["id"]
    latecomer = signed_in(UserFactory(username="latecomer"))
    assert latecomer.get(INVITATIONS).json()["results"] == []
    assert latecomer.post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 404
    assert not Membership.objects.filter(user__username="latecomer").exists()


def test_a_username_differing_in_case_invites_the_same_account(team, client_as, stranger):
    invitation_id = invite(client_as("admin"), "STRANGER").json()["invitation"]["id"]
    assert [i["id"] for i in signed_in(stranger).get(INVITATIONS).json()["results"]] == [invitation_id]


def test_a_new_invitation_to_the_same_username_replaces_the_open_one(team, client_as, stranger):
    first = invite(client_as("admin"), "stranger", role="viewer").json()["invitation"]["id"]
    second = invite(client_as("owner"), "Stranger", role="admin").json()["invitation"]["id"]
    assert Invitation.objects.get(pk=first).state == InvitationState.REVOKED
    listed = signed_in(stranger).get(INVITATIONS).json()["results"]
    assert [(i["id"], i["role"], i["invited_by"]) for i in listed] == [(second, "admin", "owner")]


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_invite(team, client_as, stranger, role):
    assert invite(client_as(role), "stranger").status_code == 403
    assert not Invitation.objects.exists()


# --- the invitee answers ---------------------------------------------------------------------
def test_the_invitee_sees_the_invitation_and_accepting_makes_them_a_member(team, client_as,
                                                                          stranger):
    invitation_id = invite(client_as("admin"), "stranger", role="viewer").json()["invitation"]["id"]
    client = signed_in(stranger)
    listed = client.get(INVITATIONS).json()["results"]
    assert [(i["id"], i["organization"], i["organization_name"], i["role"], i["invited_by"])
            for i in listed] == [(invitation_id, "acme", "Acme", "viewer", "admin")]
    assert client.get(f"{ORG}/").status_code == 404  # not a member before accepting

    accepted = client.post(f"{INVITATIONS}{invitation_id}/accept/")
    assert accepted.status_code == 201
    body = accepted.json()
    assert (body["organization"], body["username"], body["role"], body["name"]) == (
        "acme", "stranger", "viewer", "Sam Sterling")
    assert Membership.objects.get(organization=team.org, user=stranger).role == "viewer"
    assert client.get(f"{ORG}/").json()["role"] == "viewer"
    assert client.get(INVITATIONS).json()["results"] == []
    assert client.post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 404  # used up
    assert Invitation.objects.get(pk=invitation_id).accepted_by == stranger


def test_declining_leaves_the_invitee_out_and_the_invitation_gone(team, client_as, stranger):
    invitation_id = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    client = signed_in(stranger)
    assert client.post(f"{INVITATIONS}{invitation_id}/decline/").status_code == 204
    assert client.get(INVITATIONS).json()["results"] == []
    assert client.post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 404
    assert not is_member(team, stranger)
    invitation = Invitation.objects.get(pk=invitation_id)
    assert invitation.state == InvitationState.DECLINED and invitation.declined_at is not None


@pytest.mark.parametrize("who", ["outsider", "admin", "viewer"])
def test_another_user_neither_sees_nor_answers_the_invitation(team, client_as, stranger, who):
    invitation_id = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    client = client_as(who)
    assert client.get(INVITATIONS).json()["results"] == []
    for action in ("accept", "decline"):
        refused = client.post(f"{INVITATIONS}{invitation_id}/{action}/")
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert Invitation.objects.get(pk=invitation_id).state == InvitationState.PENDING
    assert not is_member(team, stranger)


def test_an_expired_invitation_is_not_listed_and_cannot_be_accepted(team, client_as, stranger):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        invitation_id = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    client = signed_in(stranger)
    with time_machine.travel("2026-03-09 08:59Z", tick=False):
        assert len(client.get(INVITATIONS).json()["results"]) == 1
    with time_machine.travel("2026-03-09 09:00:01Z", tick=False):
        assert client.get(INVITATIONS).json()["results"] == []
        assert client.post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 404
    assert not is_member(team, stranger)


def test_a_revoked_invitation_cannot_be_accepted(team, client_as, stranger):
    invitation_id = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    Invitation.objects.filter(pk=invitation_id).update(revoked_at=timezone.now())
    assert signed_in(stranger).post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 404
    assert not is_member(team, stranger)


def test_the_invitation_endpoints_need_a_signed_in_user(team, client_as, stranger):
    invitation_id = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    anonymous = APIClient()
    assert anonymous.get(INVITATIONS).status_code == 401
    assert anonymous.post(f"{INVITATIONS}{invitation_id}/accept/").status_code == 401
    assert not is_member(team, stranger)


def test_joining_by_an_email_invitation_closes_the_one_to_the_account(team, client_as, stranger,
                                                                       mailoutbox):
    """Invited both ways: joining with the emailed link leaves nothing to answer in the app."""
    by_username = invite(client_as("admin"), "stranger").json()["invitation"]["id"]
    by_email = invitations.invitation_create(organization=team.org, email=stranger.email,
                                             role="viewer", invited_by=team.owner)
    invitations.invitation_accept(invitation=by_email, user=stranger)
    assert signed_in(stranger).get(INVITATIONS).json()["results"] == []
    assert Invitation.objects.get(pk=by_username).state == InvitationState.REVOKED


# --- throttled ---------------------------------------------------------------------------------
def test_invitations_are_throttled_per_admin_whatever_their_answer(team, client_as, stranger,
                                                                   monkeypatch):
    monkeypatch.setitem(InvitationRateThrottle.THROTTLE_RATES, "invitations", "3/hour")
    admin = client_as("admin")
    assert invite(admin, "stranger").status_code == 202
    assert invite(admin, "viewer").status_code == 400  # a refusal counts too
    assert invite(admin, "nobody-at-all").status_code == 202
    limited = invite(admin, "someone-else")
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert not Invitation.objects.filter(invitee_username="someone-else").exists()
    assert invite(client_as("owner"), "someone-else").status_code == 202  # per admin
    # Only the members POST is limited by it: listing members is not.
    assert admin.get(f"{ORG}/members/").status_code == 200


def test_the_invitation_lists_its_expiry_seven_days_ahead(team, client_as, stranger):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        body = invite(client_as("admin"), "stranger").json()["invitation"]
        assert body["expires_at"] == (timezone.now() + timedelta(days=7)).isoformat().replace(
            "+00:00", "Z")
