"""Any member may leave an organization through the API — `DELETE /orgs/{slug}/members/{their
own username}/`, whatever their role — except the owner, who must transfer ownership first.
Removing someone else stays an admin's right (issue 13, finding 2)."""

from __future__ import annotations

import pytest

from core.models import Membership

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"


def member_usernames(team) -> set[str]:
    return set(Membership.objects.for_org(team.org).values_list("user__username", flat=True))


@pytest.mark.parametrize("role", ["viewer", "member", "admin"])
def test_any_member_but_the_owner_leaves_with_their_own_username(team, client_as, role):
    client = client_as(role)
    assert client.delete(f"{ORG}/members/{role}/").status_code == 204
    assert role not in member_usernames(team)
    assert client.get(f"{ORG}/").status_code == 404  # no longer a member
    assert client.get("/api/v1/orgs/").json()["results"] == []


def test_the_owner_cannot_leave_and_is_told_to_transfer_ownership(team, client_as):
    response = client_as("owner").delete(f"{ORG}/members/owner/")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Transfer ownership before leaving: an organization always keeps one owner."]
    assert "owner" in member_usernames(team)


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_leaving_is_no_licence_to_remove_someone_else(team, client_as, role):
    other = "member" if role == "viewer" else "viewer"
    assert client_as(role).delete(f"{ORG}/members/{other}/").status_code == 403
    assert other in member_usernames(team)


def test_an_outsider_cannot_leave_an_organization_they_are_not_in(team, client_as):
    assert client_as("outsider").delete(f"{ORG}/members/outsider/").status_code == 404
