"""Accounts in a real browser (Debian's Chromium through Playwright, against the live server):
an admin invites a colleague from the Members page, the colleague opens the emailed link,
chooses a username and a password and lands on the dashboard; a new user signs up. Screenshots
go to test-artifacts/."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Membership, Organization, Role

from .conftest import NEW_PASSWORD, links_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_invites_a_colleague_who_joins_by_the_emailed_link(in_browser, team):
    def steps(open_page) -> None:
        admin = open_page()
        page = admin.page
        admin.sign_in("admin")
        admin.go(reverse("org-settings", args=["acme"]))
        page.locator(".subnav").get_by_role("link", name="Members").click()
        page.wait_for_selector("h2:has-text('Members')")
        assert page.url.endswith(reverse("org-members", args=["acme"]))

        page.get_by_label("Email address").fill("priya@example.com")
        page.locator("#id_role").select_option("member")
        page.get_by_role("button", name="Send invitation").click()
        page.wait_for_selector("text=Invitation sent to priya@example.com, as member.")
        pending = page.locator("section", has=page.get_by_role("heading", name="Pending invitations"))
        assert pending.get_by_text("priya@example.com").is_visible()
        admin.screenshot("members", full_page=True)

        # The invitee, in a browser of their own, opens the link of the email (the live
        # server runs in this process, with the locmem email backend).
        assert len(mail.outbox) == 1
        link = next(link for link in links_in(mail.outbox[0].body) if "/invitations/" in link)
        invitee = open_page()
        invitee.go(urlsplit(link).path)
        invitee.page.wait_for_selector("h1:has-text('Join Acme')")
        assert invitee.page.get_by_label("Email").input_value() == "priya@example.com"
        invitee.page.get_by_label("Username").fill("priya")
        invitee.page.get_by_label("Choose a password").fill(NEW_PASSWORD)
        invitee.screenshot("invitation", full_page=True)
        invitee.page.get_by_role("button", name="Create account and join").click()
        invitee.page.wait_for_url(re.compile(r"/o/acme/$"))
        assert invitee.page.get_by_text("Welcome to Proofloop: you joined Acme as member.").is_visible()
        assert invitee.page.locator(".switcher__name").inner_text() == "Acme"
        invitee.screenshot("invitee-dashboard", full_page=True)

        # Back on the admin's page, the invitation is gone and the new member is listed.
        page.reload()
        assert page.get_by_text("No pending invitations.").is_visible()
        assert page.locator("table.members").get_by_text("priya@example.com").is_visible()
        assert admin.errors == [] and invitee.errors == []

    in_browser(steps)
    assert Membership.objects.get(organization=team.org, user__username="priya").role == Role.MEMBER


def test_a_new_user_signs_up_and_lands_on_the_empty_dashboard(in_browser, db):
    def steps(open_page) -> None:
        browsing = open_page()
        page = browsing.page
        browsing.go(reverse("login"))
        page.get_by_role("link", name="Create an account").click()
        page.wait_for_selector("h1:has-text('Create your account')")
        page.get_by_label("Username").fill("dana")
        page.get_by_label("Email").fill("dana@initech.example")
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_label("Organization name").fill("Initech")
        page.get_by_label("Time zone").select_option("Europe/Paris")
        browsing.screenshot("signup", full_page=True)
        page.get_by_role("button", name="Create account and organization").click()
        page.wait_for_url(re.compile(r"/o/initech/$"))
        assert page.get_by_text("Welcome to Proofloop: Initech is ready.").is_visible()
        assert page.get_by_text("Start your first validation cycle").is_visible()  # empty state
        browsing.screenshot("signup-dashboard", full_page=True)
        assert browsing.errors == []

    in_browser(steps)
    organization = Organization.objects.get(slug="initech")
    assert organization.timezone == "Europe/Paris"
    assert organization.memberships.get().role == Role.OWNER
