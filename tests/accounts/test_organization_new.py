"""A signed-in user starts another organization from the web app."""

import pytest

from core.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_creates_an_organization_and_owns_it(client, team):
    client.force_login(team.viewer)
    response = client.post("/orgs/new/", {"name": "Side Project", "timezone": "Europe/Paris"})
    org = Organization.objects.get(name="Side Project")
    assert response.status_code == 302 and response["Location"] == f"/o/{org.slug}/"
    assert org.timezone == "Europe/Paris"
    assert Membership.objects.get(organization=org).role == Role.OWNER


def test_bad_input_shows_field_errors_and_creates_nothing(client, team):
    client.force_login(team.viewer)
    before = Organization.objects.count()
    response = client.post("/orgs/new/", {"name": "", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "timezone"}
    assert Organization.objects.count() == before


def test_anonymous_users_are_sent_to_sign_in(client, db):
    assert client.get("/orgs/new/")["Location"].startswith("/login/")
