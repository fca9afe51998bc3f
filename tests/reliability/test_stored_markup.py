"""Stored markup (issue 13, finding 1): what a member types is text on every page and in every
email, never markup — not on the digest preview an owner opens, where an `hx-post` element in
a hypothesis title once transferred the organization's ownership with the owner's CSRF token.

A payload (a <script>, an <img onerror>, an htmx element posting the ownership transfer, a
javascript: link) goes into every free-text field of every model (stored_markup.py); then every
GET page of the web app, enumerated from the URL configuration, is opened and must show none of
them as markup. The same pages in Chromium: tests/reliability/test_stored_markup_browser.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.safestring import SafeData

from core.email import render_email
from core.models import Invitation, Membership
from validation import digest

from .stored_markup import MARKUP, RAW, fields_without_payload, free_text_fields, store_payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the cycle-time recomputes
        return store_payloads(team)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def shown_as_markup(body: str, raw: tuple[str, ...] = RAW) -> list[str]:
    return [text for text in raw if text in body]


def shows_escaped(body: str, payloads: tuple[str, ...]) -> bool:
    return any(escape(payload) in body for payload in payloads)


# --- the payloads are where they should be ------------------------------------------------------
def test_every_free_text_field_holds_a_payload(stored):
    assert len(free_text_fields()) >= 25  # the enumeration itself found the models' fields
    assert fields_without_payload(stored.payloads) == []


def test_the_payloads_were_stored_as_typed(stored):
    """The forms keep text as typed (escaping is the page's job, once)."""
    title = stored.open_hypothesis.title
    assert any(payload in title for payload in stored.payloads) and "&lt;" not in title


# --- every GET page -----------------------------------------------------------------------------
# Routes outside the walk, and why: /admin/ is Django's admin, for platform staff (its pages
# escape through format_html; tests/test_admin.py); /api/ answers JSON only (the API's only
# renderer is JSONRenderer; its docs pages hold no data). Static files are not in the URL
# configuration (whitenoise).
SKIPPED_PREFIXES = ("admin/", "api/")
# Routes that take POST only: GET answers 405 and shows nothing.
POST_ONLY = {"logout", "org-member-role", "org-invitation-create", "org-invitation-resend",
             "org-invitation-revoke", "profile-digest", "profile-token-create",
             "profile-token-revoke", "my-invitation-accept", "my-invitation-decline"}
# Routes that answer something other than a page: its content type.
NOT_HTML = {"healthz": "application/json", "hypothesis-export": "text/csv",
            "interview-export": "text/csv", "sales-call-export": "text/csv",
            "experiment-export": "text/csv", "import-template": "text/csv"}
# Pages for someone signed out (an invitation link, a password reset, the digest's
# unsubscribe link): opened without a session, by the links the emails carry.
SIGNED_OUT = {"login", "signup", "password_reset", "password_reset_done",
              "password_reset_complete", "invitation-accept", "password_reset_confirm",
              "digest-unsubscribe"}
# Pages that send the owner on (documented status 302): home opens the last organization; a
# password reset link puts its token in the session and sends on to the form (opened next).
REDIRECTS = {"home", "password_reset_confirm"}
# Pages the owner has no use of, opened by the viewer: the owner cannot leave (ownership is
# transferred first).
AS_VIEWER = {"org-leave"}


def web_routes() -> list[tuple[str, str, list[str]]]:
    """(name, route, parameter names) of every named pattern of the web app."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"{route} has no name: name it, so that it is checked"
                found.append((pattern.name, route,
                              list(getattr(pattern.pattern, "converters", {}))))

    walk(get_resolver().url_patterns, "")
    return found


def email_link(message, pattern: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + pattern + r")", message.body)
    assert match, message.body
    return match.group(1)


@dataclass
class Page:
    name: str  # the route's name
    client: Client
    path: str
    status: int = 200  # what GET answers
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name} {self.path}"


def documented_status(name: str) -> int:
    return 405 if name in POST_ONLY else 302 if name in REDIRECTS else 200


@pytest.fixture
def pages(team, stored) -> list[Page]:
    """Every GET of the web app, with the payload records' ids: the owner for the
    organization's pages (every role's page, the admins' included), nobody signed in for the
    signed-out pages, the invited outsider for home."""
    mail.outbox.clear()
    response = client_for(team.admin).post(reverse("org-invitation-create", args=["acme"]),
                                           {"email": "newcomer@example.com", "role": "member"})
    assert response.status_code in (200, 302)
    invitation_path = email_link(mail.outbox[-1], r"/invitations/[^/\s]+/")
    anonymous = client_for(None)
    anonymous.post(reverse("password_reset"), {"email": team.member.email})
    reset_path = email_link(mail.outbox[-1], r"/password/reset/[^/\s]+/[^/\s]+/")
    membership = stored.member_membership
    pks = {"hypothesis-decide": stored.open_hypothesis.pk,
           "hypothesis-reopen": stored.decided_hypothesis.pk,
           "hypothesis-": stored.open_hypothesis.pk, "interview-": stored.interview.pk,
           "sales-call-": stored.sales_call.pk, "experiment-": stored.experiment.pk,
           "org-member-": membership.pk, "import-": stored.job.pk,
           "org-invitation-": Invitation.objects.filter(organization=team.org).first().pk,
           "my-invitation-": Invitation.objects.get(invitee=team.outsider).pk}
    special = {"invitation-accept": invitation_path, "password_reset_confirm": reset_path,
               "digest-unsubscribe": reverse("digest-unsubscribe",
                                             args=[digest.unsubscribe_token(membership)])}

    owner, viewer = client_for(team.owner), client_for(team.viewer)
    found = []
    for name, route, parameters in web_routes():
        if name in special:
            path = special[name]
        else:
            values = {"slug": "acme", "kind": "interviews", "key": "not-a-key",
                      "pk": next(pk for prefix, pk in pks.items() if name.startswith(prefix))
                      if "pk" in parameters else None}
            unknown = set(parameters) - set(values)
            assert not unknown, f"{route}: give {unknown} a value here, so that it is checked"
            path = reverse(name, kwargs={p: values[p] for p in parameters})
        client = anonymous if name in SIGNED_OUT else viewer if name in AS_VIEWER else owner
        found.append(Page(name, client, path, documented_status(name)))
    # The same pages in their other states: every hypothesis, both weeks of the digest, the
    # fragments htmx asks for, a search that echoes a payload, the password form a reset link
    # leads to, the outsider's invitations.
    for hypothesis in (stored.stale_hypothesis, stored.decided_hypothesis):
        found.append(Page("hypothesis-detail", owner,
                          reverse("hypothesis-detail", args=["acme", hypothesis.pk])))
    found.append(Page("digest-preview", owner, reverse("digest-preview", args=["acme"])
                      + "?week=this"))
    for name in ("hypothesis-list", "interview-list", "sales-call-list", "experiment-list"):
        path = reverse(name, args=["acme"])
        found.append(Page(name, owner, path, headers={"HTTP_HX_REQUEST": "true"}))
        found.append(Page(name, owner, f"{path}?q=%3Cscript%3Ealert(1)%3C/script%3E"))
    found.append(Page("import-detail", owner,
                      reverse("import-detail", args=["acme", stored.job.pk]),
                      headers={"HTTP_HX_REQUEST": "true"}))
    found.append(Page("password_reset_confirm", anonymous,
                      reset_path.rsplit("/", 2)[0] + "/set-password/"))
    for name in ("home", "profile"):
        found.append(Page(name, client_for(team.outsider), reverse(name)))
    return found


def test_no_page_of_the_web_app_shows_a_payload_as_markup(stored, pages):
    problems, checked = [], 0
    for page in pages:
        response = page.client.get(page.path, **page.headers)
        if response.status_code != page.status:
            problems.append(f"{page.label}: {response.status_code}, not {page.status}")
            continue
        if page.status != 200:
            continue
        content_type = response.headers["Content-Type"]
        if page.name in NOT_HTML:
            # Raw text is right in a CSV or JSON file, as long as no browser reads it as HTML.
            if not content_type.startswith(NOT_HTML[page.name]):
                problems.append(f"{page.label}: {content_type}")
            continue
        assert content_type.startswith("text/html"), page.label
        body = response.content.decode()
        checked += 1
        if found := shown_as_markup(body):
            problems.append(f"{page.label} shows as markup: {found}")
        if page.client.session.get("_auth_user_id") and not shows_escaped(body, stored.payloads):
            # Every signed-in page shows the organization's name or a member's (top bar): the
            # payloads were there to be escaped.
            problems.append(f"{page.label} shows no payload at all")
    if problems:
        pytest.fail("\n".join(problems))
    assert checked >= 45


# --- the digest preview, where the attack was -------------------------------------------------------
def test_the_digest_preview_shows_the_text_part_escaped_once(team, stored):
    page = client_for(team.owner).get("/o/acme/settings/digest/?week=this").content.decode()
    text = page.split('<pre>', 1)[1].split("</pre>", 1)[0]
    title = escape(stored.open_hypothesis.title)
    assert title in text  # the new hypothesis's title, as text
    assert "&amp;lt;" not in text and "<i " not in text


def test_the_digest_preview_sends_no_request_of_its_own(team, stored):
    """Nothing on the preview is for htmx: its content is under hx-disable, and the page does
    not hand a CSRF token to every element (body hx-headers) any more."""
    page = client_for(team.owner).get("/o/acme/settings/digest/").content.decode()
    assert '<main id="main" class="page" tabindex="-1" hx-disable>' in page
    assert "hx-headers" not in page
    assert re.search(r'<meta name="csrf-token" content="[\w-]+">', page)


# --- emails ---------------------------------------------------------------------------------------
def sent_emails(team, stored) -> dict[str, tuple[str, str, str]]:
    """(subject, text, html) of the digest (both weeks), an invitation and a password reset."""
    membership = Membership.objects.get(organization=team.org, user=team.viewer)
    emails = {}
    for which, offset in (("digest (last week)", 0), ("digest (this week)", 7)):
        week = digest.digest_week(team.org, timezone.now()) + timedelta(days=offset)
        message = digest.build_digest(membership, digest.digest_context(team.org, week))
        emails[which] = (message.subject, message.body, message.alternatives[0][0])
    mail.outbox.clear()
    client_for(team.admin).post(reverse("org-invitation-create", args=["acme"]),
                                {"email": "newcomer@example.com", "role": "member"})
    client_for(None).post(reverse("password_reset"), {"email": team.member.email})
    for name, message in zip(("invitation", "password reset"), mail.outbox, strict=True):
        emails[name] = (message.subject, message.body, message.alternatives[0][0])
    return emails


def test_emails_keep_the_payloads_as_text_and_escape_them_in_html(team, stored):
    emails = sent_emails(team, stored)
    assert set(emails) == {"digest (last week)", "digest (this week)", "invitation",
                           "password reset"}
    for name, (subject, text, html) in emails.items():
        # css-inline writes the HTML part out again, with quotes in text left bare (&lt; and
        # &gt; stay): the HTML part is checked for elements, not quotes.
        assert shown_as_markup(html, MARKUP) == [], name
        # The plain-text parts are text: what was typed, unescaped.
        assert "&lt;" not in text and "&amp;" not in subject, name
        if name != "password reset":  # the reset email names no one but the username
            assert any(p in text for p in stored.payloads), name
            assert shows_escaped(html, stored.payloads), name


def test_a_text_part_is_never_a_safe_string():
    """A SafeString is printed as is by every template: the text part and the subject of an
    email are plain `str`, so that a page showing them escapes them."""
    subject, text, _ = render_email("password_reset", {
        "user": type("U", (), {"get_username": lambda self: "<b>dana</b>"})(),
        "url": "https://example.com/x", "valid_for": "3 days"})
    assert type(subject) is str and type(text) is str
    assert not isinstance(text, SafeData) and "<b>dana</b>" in text


# --- finding 8: subjects --------------------------------------------------------------------------
def test_a_digest_subject_keeps_an_ampersand_and_the_preview_escapes_it_once(team):
    team.org.name = "A & B"
    team.org.save()
    membership = Membership.objects.get(organization=team.org, user=team.owner)
    message = digest.build_digest(membership, digest.digest_context(
        team.org, digest.digest_week(team.org, timezone.now())))
    assert message.subject.startswith("A & B · week of")
    assert message.body.startswith("A & B — validation digest")
    page = client_for(team.owner).get("/o/acme/settings/digest/").content.decode()
    assert "<strong>Subject:</strong> A &amp; B · week of" in page
    text = page.split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert text.startswith("A &amp; B — validation digest")  # escaped once, as the subject


def test_an_invitation_subject_keeps_an_ampersand(team):
    team.org.name = "A & B"
    team.org.save()
    mail.outbox.clear()
    client_for(team.admin).post(reverse("org-invitation-create", args=["acme"]),
                                {"email": "newcomer@example.com", "role": "member"})
    (message,) = mail.outbox
    assert "A & B" in message.subject and "&amp;" not in message.subject

