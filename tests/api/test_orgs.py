"""Organizations, members and product areas: the creator owns, admins manage, the owner
alone deletes and transfers, and an organization always keeps exactly one owner."""

from __future__ import annotations

import pytest

from core.models import Membership, Organization, Role
from tests.factories import HypothesisFactory, UserFactory
from validation.models import Hypothesis

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"


def roles(org: Organization) -> dict[str, str]:
    return dict(Membership.objects.for_org(org).values_list("user__username", "role"))


def test_the_creator_of_an_organization_becomes_its_owner_and_the_slug_comes_from_the_name(
        team, client_as):
    response = client_as("viewer").post("/api/v1/orgs/", {"name": "Initech Labs"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["role"], body["timezone"], body["stale_after_days"]) == (
        "initech-labs", "owner", "UTC", 14)
    assert roles(Organization.objects.get(slug="initech-labs")) == {"viewer": "owner"}
    listed = client_as("viewer").get("/api/v1/orgs/").json()["results"]
    assert [(o["slug"], o["role"]) for o in listed] == [("acme", "viewer"),
                                                         ("initech-labs", "owner")]


def test_a_derived_slug_avoids_taken_ones_and_a_given_one_must_be_free(team, client_as):
    client = client_as("member")
    assert client.post("/api/v1/orgs/", {"name": "Acme"}, format="json").json()["slug"] == "acme-2"
    taken = client.post("/api/v1/orgs/", {"name": "X", "slug": "globex"}, format="json")
    assert taken.status_code == 400 and "slug" in taken.json()["errors"]
    created = client.post("/api/v1/orgs/", {"name": "Hooli", "slug": "hooli-xyz",
                                            "timezone": "Europe/Paris", "stale_after_days": 7},
                          format="json").json()
    assert (created["slug"], created["timezone"], created["stale_after_days"]) == (
        "hooli-xyz", "Europe/Paris", 7)


@pytest.mark.parametrize(("body", "field"), [
    ({"timezone": "Mars/Olympus"}, "timezone"), ({"stale_after_days": 0}, "stale_after_days"),
    ({"digest_hour": 24}, "digest_hour"), ({"digest_weekday": 7}, "digest_weekday"),
    ({"name": ""}, "name")])
def test_invalid_organization_settings_get_400(body, field, team, client_as):
    response = client_as("admin").patch(f"{ORG}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_admin_changes_the_settings_but_not_the_slug(team, client_as):
    body = client_as("admin").patch(f"{ORG}/", {"name": "Acme Inc", "timezone": "Asia/Tokyo",
                                                "slug": "elsewhere", "digest_hour": 7},
                                    format="json").json()
    assert (body["slug"], body["name"], body["timezone"], body["digest_hour"], body["role"]) == (
        "acme", "Acme Inc", "Asia/Tokyo", 7, "admin")


def test_the_owner_deletes_the_organization_with_everything_in_it(world, client_as):
    assert client_as("owner").delete(f"{ORG}/").status_code == 204
    assert not Organization.objects.filter(slug="acme").exists()
    assert not Hypothesis.objects.filter(pk=world.hypothesis.pk).exists()
    assert Hypothesis.objects.filter(pk=world.other_hypothesis.pk).exists()


# --- members --------------------------------------------------------------------------------
def test_members_are_listed_with_their_roles(team, client_as):
    body = client_as("viewer").get(f"{ORG}/members/").json()
    assert body["count"] == 4
    assert [(m["username"], m["role"]) for m in body["results"]] == [
        ("admin", "admin"), ("member", "member"), ("owner", "owner"), ("viewer", "viewer")]


def test_an_admin_invites_an_existing_user_who_is_not_a_member_until_they_accept(team, client_as):
    UserFactory(username="newcomer", first_name="Nia", last_name="Cole")
    response = client_as("admin").post(f"{ORG}/members/", {"username": "newcomer",
                                                           "role": "viewer"}, format="json")
    assert response.status_code == 202
    invitation = response.json()["invitation"]
    assert (invitation["organization"], invitation["role"], invitation["invited_by"]) == (
        "acme", "viewer", "admin")
    assert "newcomer" not in roles(team.org)  # consent first (tests/api/test_invitations.py)


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"username": "viewer"}, "username", "already a member"),
    ({"username": "Viewer"}, "username", "already a member"),
    ({"username": "outsider", "role": "owner"}, "role", "not a valid choice"),
    ({"username": "not a username!"}, "username", "Enter a valid username"),
])
def test_inviting_a_member_explains_what_is_wrong(body, field, says, team, client_as):
    response = client_as("admin").post(f"{ORG}/members/", body, format="json")
    assert response.status_code == 400
    assert any(says in m for m in response.json()["errors"][field])
    assert len(roles(team.org)) == 4


def test_an_admin_changes_a_role_and_removes_a_member(team, client_as):
    client = client_as("admin")
    assert client.patch(f"{ORG}/members/viewer/", {"role": "member"},
                        format="json").json()["role"] == "member"
    assert client.delete(f"{ORG}/members/viewer/").status_code == 204
    assert "viewer" not in roles(team.org)
    assert client.delete(f"{ORG}/members/viewer/").status_code == 404


def test_the_owner_transfers_ownership_and_becomes_an_admin(team, client_as):
    response = client_as("owner").patch(f"{ORG}/members/member/", {"role": "owner"},
                                        format="json")
    assert response.status_code == 200 and response.json()["role"] == "owner"
    assert roles(team.org) == {"owner": "admin", "member": "owner", "admin": "admin",
                               "viewer": "viewer"}


def test_only_the_owner_transfers_ownership(team, client_as):
    response = client_as("admin").patch(f"{ORG}/members/admin/", {"role": "owner"},
                                        format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the owner can transfer ownership."
    assert roles(team.org)["owner"] == Role.OWNER


def test_the_owner_cannot_be_demoted_or_removed(team, client_as):
    for client in (client_as("owner"), client_as("admin")):
        demoted = client.patch(f"{ORG}/members/owner/", {"role": "admin"}, format="json")
        assert demoted.status_code == 400
        assert "keeps one owner" in demoted.json()["errors"]["role"][0]
        removed = client.delete(f"{ORG}/members/owner/")  # the owner's own: leaving
        assert removed.status_code == 400
        assert "transfer ownership" in removed.json()["errors"]["non_field_errors"][0].lower()
    assert roles(team.org)["owner"] == "owner"


def test_a_removed_member_no_longer_owns_hypotheses_which_stay_editable(team, client_as):
    hypothesis = HypothesisFactory(organization=team.org, owner=team.viewer)
    assert client_as("admin").delete(f"{ORG}/members/viewer/").status_code == 204
    hypothesis.refresh_from_db()
    assert hypothesis.owner is None
    edited = client_as("member").patch(f"{ORG}/hypotheses/{hypothesis.pk}/", {"title": "Still ok"},
                                       format="json")
    assert edited.status_code == 200


# --- product areas --------------------------------------------------------------------------
def test_areas_are_created_once_whatever_the_case_and_count_their_hypotheses(world, client_as):
    client = client_as("member")
    created = client.post(f"{ORG}/areas/", {"name": "Pricing"}, format="json")
    assert created.status_code == 201 and created.json()["hypothesis_count"] == 0
    existing = client.post(f"{ORG}/areas/", {"name": "onboarding"}, format="json")
    assert existing.status_code == 200
    assert existing.json()["name"] == "Onboarding" and existing.json()["hypothesis_count"] == 1
    names = [a["name"] for a in client.get(f"{ORG}/areas/").json()["results"]]
    assert names == ["Onboarding", "Pricing"]
