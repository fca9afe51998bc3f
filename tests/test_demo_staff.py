"""The demo's members are ordinary users: the Django admin, which sees every organization's
data, belongs to a separate `demo-staff` account that is a member of no organization (issue 13,
finding 8)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from core.models import Membership
from validation.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

MEMBERS = ("demo-owner", "demo-admin", "demo-member", "demo-viewer")


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_only_demo_staff_is_staff_and_it_belongs_to_no_organization(capsys):
    call_command("seed_demo")
    users = get_user_model().objects
    staff = users.filter(is_staff=True).values_list("username", flat=True)
    assert list(staff) == ["demo-staff"]
    assert list(users.filter(is_superuser=True).values_list("username", flat=True)) == [
        "demo-staff"]
    assert not Membership.objects.filter(user__username="demo-staff").exists()
    assert "demo-staff" in capsys.readouterr().out


def test_demo_staff_opens_the_admin_and_the_demo_owner_does_not():
    call_command("seed_demo")
    assert signed_in("demo-staff").get("/admin/").status_code == 200
    for username in MEMBERS:
        response = signed_in(username).get("/admin/validation/hypothesis/")
        assert response.status_code == 302, username
        assert response["Location"].startswith("/admin/login/"), username


def test_seeding_again_takes_the_staff_rights_an_earlier_demo_gave_the_owner():
    call_command("seed_demo")
    # What the demo used to create: the owner a superuser, the admin staff.
    users = get_user_model().objects
    users.filter(username="demo-owner").update(is_staff=True, is_superuser=True)
    users.filter(username="demo-admin").update(is_staff=True)
    call_command("seed_demo")
    assert not users.filter(username__in=MEMBERS, is_staff=True).exists()
    assert not users.filter(username__in=MEMBERS, is_superuser=True).exists()
    assert users.get(username="demo-staff").is_superuser
