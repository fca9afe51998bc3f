"""Admins preview this week's and last week's digest in the web app."""

import pytest
import time_machine

from ..examples import at, log_worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return log_worked_example(team.org, team.member)


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403),
                                              ("viewer", 403), ("outsider", 404)])
def test_only_admins_preview_the_digest(client, team, role, status):
    client.force_login(team.user(role))
    assert client.get("/o/acme/settings/digest/").status_code == status


def test_last_weeks_and_this_weeks_digest(client, team, example):
    client.force_login(team.admin)
    with time_machine.travel(at(2026, 3, 23, 12), tick=False):
        last = client.get("/o/acme/settings/digest/").content.decode()
        this = client.get("/o/acme/settings/digest/?week=this").content.decode()
    assert "Week of 16 Mar 2026" in last and "2 decided, p50 cycle time 10.5 days" in last
    assert "H1 Guided setup" in last  # inside the iframe's srcdoc, escaped
    assert "Week of 23 Mar 2026" in this and "a quiet week" in this


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_renders_in_a_browser_without_errors(browsing, team):
    browsing.sign_in("admin")
    browsing.go("/o/acme/settings/digest/")
    frame = browsing.page.frame_locator("iframe.digest-frame")
    frame.locator("text=validation digest").first.wait_for()
    browsing.screenshot("digest-preview", full_page=True)
    assert browsing.errors == []
