"""Stored markup in Chromium (issue 13, finding 1): with a payload in every free-text field,
the pages an owner opens send no request of the payloads' (the htmx element posting the
ownership transfer above all), open no dialog, and the owner stays owner. The htmx policy
holds on its own too: an element htmx would act on, put into a page by script as if the
escaping had failed, sends nothing — not even with our marker attribute at a guessed value —
while our own htmx elements still work, with the CSRF token as a header."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Membership, Role
from tests.factories import HypothesisFactory
from validation.models import ImportJob

from .stored_markup import store_payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Recorder:
    """Every request the page sends, and every dialog it opens (dismissed)."""

    def __init__(self, page) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url, r.headers)))

        def dialog(d) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

    def to(self, fragment: str) -> list[tuple[str, str]]:
        return [(method, url) for method, url, _ in self.requests if fragment in url]

    def posts(self) -> list[str]:
        return [url for method, url, _ in self.requests if method != "GET"]


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # an hx-trigger="load" fires on htmx's first pass


def test_the_owner_opens_every_page_with_payloads_and_no_payload_sends_a_request(
        browsing, team):
    stored = store_payloads(team)
    page = browsing.page
    browsing.sign_in("owner")
    recorder = Recorder(page)
    slug = "acme"
    paths = [
        reverse("dashboard", args=[slug]),
        reverse("hypothesis-list", args=[slug]),
        *[reverse("hypothesis-detail", args=[slug, h.pk])
          for h in (stored.open_hypothesis, stored.stale_hypothesis, stored.decided_hypothesis)],
        reverse("hypothesis-edit", args=[slug, stored.open_hypothesis.pk]),
        *[reverse(f"{name}-list", args=[slug])
          for name in ("interview", "sales-call", "experiment")],
        reverse("interview-detail", args=[slug, stored.interview.pk]),
        reverse("sales-call-detail", args=[slug, stored.sales_call.pk]),
        reverse("experiment-detail", args=[slug, stored.experiment.pk]),
        reverse("digest-preview", args=[slug]),
        reverse("digest-preview", args=[slug]) + "?week=this",
        reverse("org-members", args=[slug]),
        reverse("org-member-transfer", args=[slug, stored.member_membership.pk]),
        reverse("import-detail", args=[slug, stored.job.pk]),
        reverse("profile"),
    ]
    for path in paths:
        browsing.go(path)
        settle(page)
        text = page.evaluate("document.body.textContent")
        assert any(payload in text for payload in stored.payloads), path  # shown, as text

    assert recorder.to("/transfer/") == [(
        "GET", browsing.base_url + stored.transfer_url)]  # the one page the test opened
    assert recorder.posts() == []
    assert recorder.dialogs == []
    assert Membership.objects.get(organization=team.org, role=Role.OWNER).user == team.owner
    assert stored.member_membership.role == Membership.objects.get(
        pk=stored.member_membership.pk).role == Role.MEMBER
    assert browsing.errors == []


def test_the_digest_preview_shows_the_htmx_payload_as_text(browsing, team):
    stored = store_payloads(team)
    browsing.sign_in("owner")
    browsing.go(reverse("digest-preview", args=["acme"]) + "?week=this")
    page = browsing.page
    page.locator("summary", has_text="Plain-text part").click()
    text = page.locator("pre").inner_text()
    assert stored.open_hypothesis.title in text  # what the member typed, to the character
    assert page.locator("pre *").count() == 0  # and no element in it


def test_the_aging_chart_shows_a_title_as_typed(browsing, team):
    """Plotly draws titles as a subset of HTML: escaped once for it, a title with quotes and
    markup reads as typed — no &quot;, no bold — in the tick labels and in the hover."""
    title = 'A "quoted" <b>bold</b> & co'
    HypothesisFactory(organization=team.org, title=title)
    browsing.sign_in("member")
    browsing.go(reverse("dashboard", args=["acme"]))
    page = browsing.page
    page.wait_for_selector("#chart-aging .main-svg")
    assert page.locator("#chart-aging .ytick text").all_text_contents() == [title]
    page.locator("#chart-aging .scatterlayer .point").first.hover(force=True)
    hover = page.locator("#chart-aging .hoverlayer .hovertext")
    hover.wait_for()
    assert title in hover.text_content()
    assert page.locator("#chart-aging tspan[style*='bold']").all_text_contents() == [title]


# --- the htmx policy, with the escaping taken out of the picture ------------------------------------
INJECT = """([where, verb, url, marker]) => {
    const element = document.createElement("button");
    element.setAttribute(verb, url);
    element.setAttribute("hx-trigger", "load");
    if (marker !== null) element.setAttribute("data-htmx-ours", marker);
    document.querySelector(where).append(element);
    htmx.process(element);
}"""


def page_marker(page) -> str:
    return page.evaluate("document.head.querySelector('meta[name=htmx-marker]').content")


@pytest.mark.parametrize(("where", "marker"), [
    (".filterbar", None),  # inside our own htmx form, without the marker
    (".filterbar", ""),  # the marker attribute without its value
    (".filterbar", "guessed"),  # the marker attribute at a guessed value
    ("#results", "page"),  # the page's own marker, but inside the list's hx-disable
])
def test_htmx_sends_nothing_for_an_element_that_is_not_ours(browsing, team, where, marker):
    member = Membership.objects.get(organization=team.org, user=team.member)
    browsing.sign_in("owner")
    browsing.go(reverse("hypothesis-list", args=["acme"]))
    page = browsing.page
    settle(page)
    recorder = Recorder(page)
    if marker == "page":
        marker = page_marker(page)
    page.evaluate(INJECT, [where, "hx-post", f"/o/acme/settings/members/{member.pk}/transfer/",
                           marker])
    settle(page)
    assert recorder.requests == []
    member.refresh_from_db()
    assert member.role == Role.MEMBER


def test_an_element_with_the_pages_marker_is_sent_with_the_token(browsing, team):
    """The control of the test above: the same injection, with the page's marker and outside
    hx-disable, does send its request — the CSRF token with it, as a header."""
    browsing.sign_in("owner")
    browsing.go(reverse("hypothesis-list", args=["acme"]))
    page = browsing.page
    settle(page)
    recorder = Recorder(page)
    marker = page_marker(page)
    assert len(marker) == 32
    page.evaluate(INJECT, [".filterbar", "hx-get", "/o/acme/hypotheses/?control=1", marker])
    settle(page)
    ((method, url, headers),) = [r for r in recorder.requests if "/static/" not in r[1]]
    assert url.endswith("/o/acme/hypotheses/?control=1") and headers["hx-request"] == "true"
    assert headers["x-csrftoken"] == page.evaluate(
        "document.head.querySelector('meta[name=csrf-token]').content")


def test_a_page_without_htmx_of_its_own_processes_no_htmx(browsing, team):
    """The dashboard has no htmx of ours: its content is under hx-disable, so even an element
    with the page's marker does nothing."""
    member = Membership.objects.get(organization=team.org, user=team.member)
    browsing.sign_in("owner")
    browsing.go(reverse("dashboard", args=["acme"]))
    page = browsing.page
    settle(page)
    recorder = Recorder(page)
    page.evaluate(INJECT, ["main", "hx-post", f"/o/acme/settings/members/{member.pk}/transfer/",
                           page_marker(page)])
    settle(page)
    assert recorder.requests == []
    member.refresh_from_db()
    assert member.role == Role.MEMBER


def test_the_marker_is_the_sessions_own(browsing, team, client):
    """A marker another session saw (say, the attacker's own page) is not this session's."""
    client.force_login(team.member)
    theirs = client.get(reverse("hypothesis-list", args=["acme"])).content.decode()
    browsing.sign_in("owner")
    browsing.go(reverse("hypothesis-list", args=["acme"]))
    ours = page_marker(browsing.page)
    assert ours and f'content="{ours}"' not in theirs


# --- our own htmx still works -----------------------------------------------------------------------
def test_the_digest_switch_posts_with_the_csrf_token_as_a_header(browsing, team):
    browsing.sign_in("member")
    browsing.go(reverse("profile"))
    page = browsing.page
    recorder = Recorder(page)
    row = page.locator("#digest-acme")
    row.get_by_role("button", name="Turn off").click()
    page.locator("#digest-acme").get_by_role("button", name="Turn on").wait_for()
    assert Membership.objects.get(organization=team.org, user=team.member).digest_subscribed is False
    (post,) = [(url, headers) for method, url, headers in recorder.requests if method == "POST"]
    token = page.evaluate("document.head.querySelector('meta[name=csrf-token]').content")
    assert post[1]["hx-request"] == "true" and post[1]["x-csrftoken"] == token
    assert page.url.endswith(reverse("profile"))  # swapped in place, no page load
    # And back on, from the row htmx swapped in (its marker came with it).
    page.locator("#digest-acme").get_by_role("button", name="Turn on").click()
    page.locator("#digest-acme").get_by_role("button", name="Turn off").wait_for()
    assert Membership.objects.get(organization=team.org, user=team.member).digest_subscribed
    assert browsing.errors == []


def test_the_import_progress_polls_until_the_import_has_finished(browsing, team):
    job = ImportJob.objects.create(organization=team.org, kind="interviews", filename="a.csv",
                                   status="validating", total_rows=10, processed_rows=3)
    browsing.sign_in("member")
    page = browsing.page
    recorder = Recorder(page)
    browsing.go(reverse("import-detail", args=["acme", job.pk]))
    page.wait_for_selector("text=3 of 10 rows checked")
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded", processed_rows=10,
                                               created_count=10)
    page.wait_for_selector("text=10 interviews imported")
    polls = [h for method, url, h in recorder.requests
             if method == "GET" and url.endswith(f"/import/{job.pk}/") and "hx-request" in h]
    assert polls and all(h.get("x-csrftoken") for h in polls)
    assert browsing.errors == []
