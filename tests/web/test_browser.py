"""The app in a real browser (Debian's Chromium through Playwright, against the live server):
sign in, log an interview linked to a hypothesis, decide it, and find the decision on the
dashboard's scatterplot; a viewer sees no edit controls; the console stays clean. Screenshots
go to test-artifacts/."""

import re

import pytest
from django.urls import reverse

from validation.models import Evidence, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scatter_ids(page) -> list[str]:
    """The hypothesis ids of the dots Plotly drew on the cycle-time scatterplot."""
    page.wait_for_selector("#chart-cycle-time .main-svg")
    return page.evaluate("""() => document.getElementById('chart-cycle-time').data
                                  .flatMap(trace => trace.ids || [])""")


def test_log_an_interview_decide_and_see_it_on_the_dashboard(browsing, team, hypothesis):
    page = browsing.page
    browsing.sign_in("member")
    assert page.url.endswith(reverse("dashboard", args=["acme"]))
    assert str(hypothesis.pk) not in scatter_ids_or_empty(page)

    # From the hypothesis page, log an interview pre-linked to it.
    browsing.go(reverse("hypothesis-detail", args=["acme", hypothesis.pk]))
    actions = page.locator(".page-head__actions")
    actions.locator("summary", has_text="Log evidence").click()
    actions.get_by_role("link", name="Interview").click()
    page.wait_for_selector("h1:has-text('Log an interview')")
    assert page.locator("#id_links-0-hypothesis").input_value() == str(hypothesis.pk)
    page.get_by_label("Interviewee").fill("Priya Raman")
    page.get_by_label("Company").fill("Umbrella")
    page.get_by_label("Notes").fill("Set up the workspace alone in twenty minutes.")
    page.locator("#id_links-0-strength").select_option("strong")
    browsing.screenshot("log-form", full_page=True)
    page.get_by_role("button", name="Log interview", exact=True).click()

    # Back on the hypothesis page, with the interview on the timeline.
    page.wait_for_selector("text=Interview logged, linked to 1 hypothesis.")
    assert page.url.endswith(reverse("hypothesis-detail", args=["acme", hypothesis.pk]))
    assert page.locator(".timeline").get_by_text("Priya Raman (Umbrella)").is_visible()
    assert Evidence.objects.filter(interviewee="Priya Raman", links__hypothesis=hypothesis).exists()

    # Decide it.
    page.get_by_label("Validated — the evidence supports it").check()
    page.get_by_label("Decision note").fill("Two strong interviews and the trial data agree.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_selector("text=Marked validated.")
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.VALIDATED and hypothesis.cycle_time is not None
    browsing.screenshot("hypothesis-page", full_page=True)

    # The dashboard's scatterplot now has that decision.
    page.get_by_role("link", name="Dashboard").click()
    assert str(hypothesis.pk) in scatter_ids(page)
    trace = page.evaluate("""id => document.getElementById('chart-cycle-time').data
                                  .find(t => (t.ids || []).includes(id))""", str(hypothesis.pk))
    assert trace["name"] == "Validated"
    position = trace["ids"].index(str(hypothesis.pk))
    assert trace["text"][position] == hypothesis.title
    assert trace["y"][position] == pytest.approx(hypothesis.cycle_time_days, abs=0.01)
    page.wait_for_selector("#chart-trend .main-svg")
    browsing.screenshot("dashboard", full_page=True)

    # Clicking a dot opens its hypothesis.
    page.evaluate("""url => document.getElementById('chart-cycle-time')
                           .emit('plotly_click', {points: [{customdata: url}]})""",
                  trace["customdata"][position])
    page.wait_for_url(re.compile(rf"/hypotheses/{hypothesis.pk}/$"))
    assert browsing.errors == []


def scatter_ids_or_empty(page) -> list[str]:
    if page.locator("#chart-cycle-time").count() == 0:
        return []
    return scatter_ids(page)


def test_the_log_menu_is_reachable_from_every_page(browsing, team, hypothesis):
    page = browsing.page
    browsing.sign_in("member")
    for path in (reverse("hypothesis-list", args=["acme"]), reverse("profile")):
        browsing.go(path)
        page.locator(".logmenu summary").click()
        page.locator(".logmenu").get_by_role("link", name="Sales call").click()
        page.wait_for_selector("h1:has-text('Log a sales call')")
    page.keyboard.press("Escape")
    assert browsing.errors == []


def test_a_viewer_sees_no_edit_controls(browsing, team, decided):
    page = browsing.page
    browsing.sign_in("viewer")
    scatter_ids(page)
    for path in (reverse("dashboard", args=["acme"]), reverse("hypothesis-list", args=["acme"]),
                 reverse("hypothesis-detail", args=["acme", decided.pk]),
                 reverse("interview-list", args=["acme"])):
        browsing.go(path)
        assert page.locator(".logmenu").count() == 0
        assert page.locator("form[method=post]").count() == 1  # only "Sign out"
        for name in ("Edit", "Log evidence", "New hypothesis", "Reopen", "Log interview"):
            assert page.get_by_role("link", name=name, exact=True).count() == 0
            assert page.get_by_role("button", name=name, exact=True).count() == 0
    assert browsing.errors == []
    browsing.go(reverse("hypothesis-edit", args=["acme", decided.pk]))
    assert page.get_by_role("heading", name="You can look, but not change this").is_visible()
    # The browser reports the refused page itself, and nothing else.
    assert len(browsing.errors) == 1 and "403" in browsing.errors[0]


def test_the_dashboard_reads_on_a_phone(chromium, live_server, team, decided, hypothesis_open):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#chart-aging .main-svg")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    chart_width = page.evaluate("document.querySelector('#chart-cycle-time .main-svg').clientWidth")
    assert 300 <= chart_width <= 390
    from tests.web.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    context.close()
    assert errors == []


def test_list_filters_update_in_place_and_stay_in_the_url(browsing, team, decided, hypothesis_open):
    page = browsing.page
    browsing.sign_in("member")
    browsing.go(reverse("hypothesis-list", args=["acme"]))
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("Status").select_option("validated")
    page.wait_for_url(re.compile(r"status=validated"))
    page.wait_for_function("document.querySelectorAll('tbody tr').length === 1")
    assert page.locator("tbody").get_by_text(decided.title).is_visible()
    page.reload()  # the URL alone gives the same view
    assert page.locator("tbody tr").count() == 1
    assert browsing.errors == []


def test_an_evidence_form_links_several_hypotheses(browsing, team, hypothesis, hypothesis_open):
    page = browsing.page
    browsing.sign_in("member")
    browsing.go(reverse("sales-call-create", args=["acme"]))
    page.get_by_label("Account", exact=False).and_(page.locator("#id_account")).fill("Wayne Enterprises")
    page.locator("#id_links-0-hypothesis").select_option(str(hypothesis.pk))
    page.get_by_role("button", name="Link another hypothesis").click()
    page.locator("#id_links-1-hypothesis").select_option(str(hypothesis_open.pk))
    page.locator("#id_links-1-stance").select_option("refutes")
    assert page.locator("#id_links-1-strength").input_value() == "moderate"  # the default
    page.get_by_role("button", name="Log sales call", exact=True).click()
    page.wait_for_selector("text=Sales call logged, linked to 2 hypotheses.")
    call = Evidence.objects.get(account="Wayne Enterprises")
    assert sorted((link.hypothesis_id, link.stance, link.strength) for link in call.links.all()) == \
        sorted([(hypothesis.pk, "supports", "moderate"), (hypothesis_open.pk, "refutes", "moderate")])
    assert browsing.errors == []
