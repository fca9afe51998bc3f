"""Consent in a real browser (Debian's Chromium, against the live server): a user invited by
username sees the invitation in the top bar of their own organization's dashboard and on the
home page, accepts it, and lands on the new organization's dashboard."""

import re

import pytest
from django.urls import reverse

from core import invitations
from core.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invited_user_accepts_from_the_top_bar_and_lands_on_the_dashboard(in_browser, team):
    invitations.invitation_invite_username(organization=team.org, username="outsider",
                                           role=Role.VIEWER, invited_by=team.admin)

    def steps(open_page) -> None:
        invitee = open_page()
        page = invitee.page
        invitee.sign_in("outsider")
        invitee.go(reverse("dashboard", args=["globex"]))
        badge = page.locator("summary", has_text="Invitations")
        assert badge.locator(".countbadge").inner_text() == "1"
        badge.click()
        menu = page.locator(".invitemenu .menu__panel")
        assert menu.get_by_text("as viewer, invited by admin").is_visible()
        invitee.screenshot("invitation-topbar")

        invitee.go(reverse("home"))
        page.wait_for_selector("h1:has-text('You are invited to join 1 organization')")
        invitee.screenshot("invitation-home", full_page=True)
        page.locator("main").get_by_role("button", name="Accept the invitation to Acme").click()
        page.wait_for_url(re.compile(r"/o/acme/$"))
        assert page.get_by_text("You joined Acme as viewer.").is_visible()
        assert page.locator(".switcher__name").inner_text() == "Acme"
        assert page.locator(".countbadge").count() == 0
        assert invitee.errors == []

    in_browser(steps)
    assert Membership.objects.get(organization=team.org, user=team.outsider).role == Role.VIEWER
