"""The digest through a real SMTP server on loopback, and its one-click unsubscribe."""

from datetime import date
from urllib.parse import urlparse

import pytest

from core.models import Membership
from validation import digest
from validation.tasks import send_org_digest

from ..examples import log_worked_example

pytestmark = pytest.mark.django_db

WEEK = date(2026, 3, 16)


def unsubscribe_path(message) -> str:
    # Long headers are folded (legal whitespace after the colon); readers trim it.
    header = str(message["List-Unsubscribe"]).strip()
    assert header.startswith("<") and header.endswith(">")
    return urlparse(header[1:-1]).path


def test_the_smtp_server_receives_two_alternatives_with_unsubscribe_headers(
        team, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_worked_example(team.org, team.member)
    send_org_digest.delay(team.org.pk, WEEK.isoformat())
    assert len(smtp_server.messages) == 4
    [message] = smtp_server.to("viewer@example.com")
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part for part in message.iter_parts())
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "10.5 days" in text.get_content() and "10.5 days" in html.get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long encoded subject is folded onto a continuation line; readers trim the fold.
    assert str(message["Subject"]).strip().startswith("Acme · week of Mar 16")
    assert unsubscribe_path(message) in text.get_content()


def test_the_unsubscribe_link_works_without_a_login_and_only_for_its_member(
        team, smtp_server, client):
    send_org_digest.delay(team.org.pk, WEEK.isoformat())
    path = unsubscribe_path(smtp_server.to("viewer@example.com")[0])

    page = client.get(path)  # what a mail scanner prefetching the link does
    assert page.status_code == 200
    assert b"<form method=\"post\"" in page.content and b"Unsubscribe" in page.content
    assert Membership.objects.get(user=team.viewer).digest_subscribed is True

    done = client.post(path)
    assert done.status_code == 200
    subscribed = dict(Membership.objects.for_org(team.org)
                      .values_list("user__username", "digest_subscribed"))
    assert subscribed == {"owner": True, "admin": True, "member": True, "viewer": False}


def test_one_click_post_from_a_mail_client_unsubscribes(team, client):
    membership = Membership.objects.get(user=team.member)
    path = urlparse(digest.unsubscribe_url(membership)).path
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.digest_subscribed is False


def test_a_forged_or_altered_token_is_refused(team, client):
    path = urlparse(digest.unsubscribe_url(Membership.objects.get(user=team.member))).path
    token = path.rstrip("/").rsplit("/", 1)[-1]
    forged = digest.unsubscribe_token(Membership.objects.get(user=team.owner)).replace(
        ":", ":x", 1)
    for bad in (token[:-2] + "xx", forged, "not-a-token"):
        assert client.post(f"/digest/unsubscribe/{bad}/").status_code == 404
    assert all(Membership.objects.for_org(team.org).values_list("digest_subscribed", flat=True))


def test_unsubscribing_from_one_organization_keeps_the_others(team, client):
    from core.models import Role

    from ..factories import MembershipFactory
    other = MembershipFactory(organization=team.other_org, user=team.member, role=Role.VIEWER)
    path = urlparse(digest.unsubscribe_url(Membership.objects.get(
        user=team.member, organization=team.org))).path
    client.post(path)
    other.refresh_from_db()
    assert other.digest_subscribed is True
