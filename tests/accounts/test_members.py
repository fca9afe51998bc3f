"""The Members page: admins and the owner change roles, remove members, manage invitations; the
owner transfers ownership; the organization always keeps exactly one owner."""

import pytest
from django.urls import reverse

from core import invitations
from core.models import Invitation, InvitationState, Membership, Role
from validation.models import Hypothesis

pytestmark = pytest.mark.django_db

MEMBERS = reverse("org-members", args=["acme"])


def membership(team, role: str) -> Membership:
    return Membership.objects.get(organization=team.org, user=team.user(role))


def url(name: str, team, role: str) -> str:
    return reverse(name, args=["acme", membership(team, role).pk])


def roles(team) -> dict[str, str]:
    return dict(Membership.objects.for_org(team.org).values_list("user__username", "role"))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- access ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_the_owner_see_members_with_role_and_joined_date(team, client_as, role):
    response = client_as(role).get(MEMBERS)
    assert response.status_code == 200
    html = response.content.decode()
    for person in ("owner", "admin", "member", "viewer"):
        assert f"{person}@example.com" in html
    assert "outsider" not in html
    assert membership(team, "member").created_at.strftime("%-d %b %Y") in html
    # Listed by role, the owner first.
    assert [m.user.username for m in response.context["memberships"]] == [
        "owner", "admin", "member", "viewer"]
    assert 'aria-current="page">Members</a>' in html  # in the settings navigation


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_get_403_on_the_members_page(client_as, role):
    assert client_as(role).get(MEMBERS).status_code == 403


def test_an_outsider_gets_404_on_every_members_url(team, client_as):
    client = client_as("outsider")
    assert client.get(MEMBERS).status_code == 404
    pk = membership(team, "member").pk
    for name in ("org-member-role", "org-member-remove", "org-member-transfer"):
        assert client.post(reverse(name, args=["acme", pk]), {"role": "admin"}).status_code == 404
    assert roles(team)["member"] == "member"


def test_a_membership_of_another_organization_is_not_found(team, client_as):
    foreign = Membership.objects.get(user=team.outsider)
    response = client_as("admin").post(reverse("org-member-remove", args=["acme", foreign.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_signing_in_is_required(client, team):
    assert client.get(MEMBERS)["Location"].startswith(reverse("login"))


def test_the_members_page_takes_a_fixed_number_of_queries(team, client_as, invite,
                                                          django_assert_max_num_queries):
    for n in range(5):
        invite(f"person{n}@example.com")
    client = client_as("admin")
    client.get(MEMBERS)  # the first visit also saves the organization used last in the session
    # Session, user, membership, top bar (organizations, invitations to answer), members,
    # invitations: however many rows there are.
    with django_assert_max_num_queries(7):
        assert client.get(MEMBERS).status_code == 200


# --- roles ------------------------------------------------------------------------------------------
def test_an_admin_changes_a_role(team, client_as):
    response = client_as("admin").post(url("org-member-role", team, "viewer"), {"role": "member"},
                                       follow=True)
    assert roles(team)["viewer"] == "member"
    assert "viewer is now member." in messages_of(response)


def test_the_owner_cannot_be_demoted(team, client_as):
    for role in ("admin", "owner"):
        response = client_as(role).post(url("org-member-role", team, "owner"), {"role": "admin"},
                                        follow=True)
        assert "An organization always keeps one owner" in " ".join(messages_of(response))
    assert roles(team)["owner"] == "owner"


def test_the_owner_role_is_not_given_by_a_role_change(team, client_as):
    response = client_as("owner").post(url("org-member-role", team, "admin"), {"role": "owner"},
                                       follow=True)
    assert "Transfer ownership" in " ".join(messages_of(response))
    assert roles(team) == {"owner": "owner", "admin": "admin", "member": "member",
                           "viewer": "viewer"}


def test_an_admin_who_steps_down_lands_on_the_dashboard(team, client_as):
    response = client_as("admin").post(url("org-member-role", team, "admin"), {"role": "member"})
    assert response["Location"] == reverse("dashboard", args=["acme"])
    assert roles(team)["admin"] == "member"


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_non_admins_cannot_change_roles(team, client_as, role):
    response = client_as(role).post(url("org-member-role", team, "viewer"), {"role": "admin"})
    assert response.status_code == 403
    assert roles(team)["viewer"] == "viewer"


# --- removal ------------------------------------------------------------------------------------
def test_an_admin_removes_a_member_after_confirming(team, client_as):
    hypothesis = Hypothesis.objects.create(organization=team.org, title="H", statement="S",
                                           owner=team.member)
    client = client_as("admin")
    confirm = client.get(url("org-member-remove", team, "member"))
    assert "Remove member?" in confirm.content.decode()
    assert "member" in roles(team)
    response = client.post(url("org-member-remove", team, "member"), follow=True)
    assert "member" not in roles(team)
    assert "member was removed from Acme." in messages_of(response)
    hypothesis.refresh_from_db()
    assert hypothesis.owner is None


def test_the_owner_cannot_be_removed(team, client_as):
    client = client_as("admin")
    for method in (client.get, client.post):
        response = method(url("org-member-remove", team, "owner"), follow=True)
        assert response.redirect_chain[-1][0] == MEMBERS
        assert "The owner cannot be removed" in " ".join(messages_of(response))
    assert roles(team)["owner"] == "owner"


def test_the_owner_is_told_to_transfer_ownership_before_leaving(team, client_as):
    response = client_as("owner").post(url("org-member-remove", team, "owner"), follow=True)
    assert ("Transfer ownership before leaving: an organization always keeps one owner."
            in messages_of(response))
    assert roles(team)["owner"] == "owner"


def test_an_admin_can_leave(team, client_as):
    client = client_as("admin")
    assert "Leave Acme?" in client.get(url("org-member-remove", team, "admin")).content.decode()
    response = client.post(url("org-member-remove", team, "admin"))
    assert response["Location"] == reverse("home")
    assert "admin" not in roles(team)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_non_admins_cannot_remove_members(team, client_as, role):
    assert client_as(role).post(url("org-member-remove", team, "viewer")).status_code == 403
    assert "viewer" in roles(team)


# --- ownership -----------------------------------------------------------------------------------
def test_the_owner_transfers_ownership_and_becomes_an_admin(team, client_as):
    client = client_as("owner")
    confirm = client.get(url("org-member-transfer", team, "member"))
    assert "Make member the owner?" in confirm.content.decode()
    response = client.post(url("org-member-transfer", team, "member"), follow=True)
    assert roles(team) == {"owner": "admin", "admin": "admin", "member": "owner", "viewer": "viewer"}
    assert "member is now the owner of Acme; you are an admin." in messages_of(response)
    assert Membership.objects.for_org(team.org).filter(role=Role.OWNER).count() == 1


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_only_the_owner_transfers_ownership(team, client_as, role):
    response = client_as(role).post(url("org-member-transfer", team, "viewer"))
    assert response.status_code == 403
    assert roles(team)["owner"] == "owner" and roles(team)["viewer"] == "viewer"


def test_only_the_owner_sees_the_transfer_button(team, client_as):
    transfer = reverse("org-member-transfer", args=["acme", membership(team, "admin").pk])
    assert transfer in client_as("owner").get(MEMBERS).content.decode()
    assert transfer not in client_as("admin").get(MEMBERS).content.decode()


# --- invitations on the page ---------------------------------------------------------------------
def test_pending_invitations_are_listed_with_revoke_and_resend(team, client_as, invite):
    pending = invite("pending@example.com", role="viewer")
    revoked = invite("revoked@example.com")
    invitations.invitation_revoke(invitation=revoked, by=team.admin)
    html = client_as("admin").get(MEMBERS).content.decode()
    assert "pending@example.com" in html and "revoked@example.com" not in html
    assert reverse("org-invitation-revoke", args=["acme", pending.pk]) in html
    assert reverse("org-invitation-resend", args=["acme", pending.pk]) in html


def test_an_admin_revokes_an_invitation(team, client_as, invite):
    invitation = invite()
    response = client_as("admin").post(reverse("org-invitation-revoke", args=["acme", invitation.pk]),
                                       follow=True)
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED and invitation.revoked_by == team.admin
    assert "Invitation to newcomer@example.com revoked: its link no longer works." in messages_of(response)


def test_resending_mails_a_new_link_and_renews_the_expiry(team, client_as, invite, mailoutbox):
    invitation = invite()
    old_expiry = invitation.expires_at
    response = client_as("admin").post(reverse("org-invitation-resend", args=["acme", invitation.pk]),
                                       follow=True)
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["newcomer@example.com"]
    invitation.refresh_from_db()
    assert invitation.expires_at >= old_expiry
    assert "Invitation sent again to newcomer@example.com" in " ".join(messages_of(response))


def test_a_revoked_invitation_is_not_resent(team, client_as, invite, mailoutbox):
    invitation = invite()
    invitations.invitation_revoke(invitation=invitation, by=team.admin)
    response = client_as("admin").post(reverse("org-invitation-resend", args=["acme", invitation.pk]),
                                       follow=True)
    assert "was revoked: it cannot be sent again." in " ".join(messages_of(response))
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("action", ["org-invitation-revoke", "org-invitation-resend"])
@pytest.mark.parametrize(("role", "status"), [("member", 403), ("viewer", 403), ("outsider", 404)])
def test_only_admins_revoke_or_resend(team, client_as, invite, action, role, status):
    invitation = invite()
    response = client_as(role).post(reverse(action, args=["acme", invitation.pk]))
    assert response.status_code == status
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_an_invitation_of_another_organization_is_not_found(team, client_as):
    foreign = invitations.invitation_create(organization=team.other_org, email="x@example.com",
                                            role="member", invited_by=team.outsider)
    response = client_as("admin").post(reverse("org-invitation-revoke", args=["acme", foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_a_bad_invitation_form_shows_field_errors(team, client_as):
    response = client_as("admin").post(reverse("org-invitation-create", args=["acme"]),
                                       {"email": "not-an-address", "role": "member"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_mail_server_failure_keeps_the_invitation_to_resend(team, client_as, monkeypatch):
    def fail(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", fail)
    response = client_as("admin").post(reverse("org-invitation-create", args=["acme"]),
                                       {"email": "friend@example.com", "role": "member"},
                                       follow=True)
    assert "the email could not be sent" in " ".join(messages_of(response))
    assert Invitation.objects.get().state == InvitationState.PENDING
