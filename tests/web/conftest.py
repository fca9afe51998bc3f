"""Fixtures of the web tests: signed-in clients per role, a small organization history, and
a headless Chromium (Debian's) driven by Playwright for the browser tests."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Team
from validation import services
from validation.models import Hypothesis
from validation.services import LinkSpec


@pytest.fixture
def client_as(team: Team):
    """A test client signed in as the team's user of that role ("outsider" included)."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(team.user(role))
        return client

    return make


@pytest.fixture
def member_client(client_as) -> Client:
    return client_as("member")


@pytest.fixture
def ago():
    """An instant `days` before now."""
    return lambda days: timezone.now() - timedelta(days=days)


@pytest.fixture
def hypothesis(team: Team, ago, django_capture_on_commit_callbacks) -> Hypothesis:
    """An open hypothesis of the team's organization, stated 20 days ago, with an interview."""
    with django_capture_on_commit_callbacks(execute=True):
        hypothesis = services.hypothesis_create(
            organization=team.org, user=team.member, title="Guided setup shortens onboarding",
            statement="We believe that a guided setup will shorten onboarding.",
            area=services.area_get_or_create(organization=team.org, name="Onboarding"),
            owner=team.member, stated_at=ago(20))
        services.interview_log(organization=team.org, user=team.member, occurred_at=ago(18),
                               interviewee="Dana", company="Initech", links=[LinkSpec(hypothesis)])
    hypothesis.refresh_from_db()
    return hypothesis


@pytest.fixture
def decided(team: Team, hypothesis: Hypothesis, ago, django_capture_on_commit_callbacks) -> Hypothesis:
    """`hypothesis`, validated 5 days ago (a 15-day cycle)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.hypothesis_decide(hypothesis=hypothesis, user=team.member, status="validated",
                                   decided_at=ago(5), note="Clear win.")
    hypothesis.refresh_from_db()
    return hypothesis


@pytest.fixture
def hypothesis_open(team: Team, ago) -> Hypothesis:
    """A second, open hypothesis (for the aging chart)."""
    return services.hypothesis_create(organization=team.org, user=team.member,
                                      title="Sample data makes trials convert",
                                      statement="We believe …", stated_at=ago(30))


@pytest.fixture
def foreign_hypothesis(team: Team, ago) -> Hypothesis:
    """A hypothesis of the outsider's organization."""
    return services.hypothesis_create(organization=team.other_org, user=team.outsider,
                                      title="Globex secret plan", statement="We believe …",
                                      stated_at=ago(10))


# --- browser -------------------------------------------------------------------------------------
# Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make browser`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@dataclass
class Browsing:
    """A page of a fresh browser context, and every error its console reported."""

    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str = "correct-horse-battery") -> None:  # noqa: S107
        self.go("/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str, **kwargs: object) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), **kwargs)
        return path


@pytest.fixture
def browsing(chromium, live_server) -> Iterator[Browsing]:
    """A desktop-sized page against the live server, recording console errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    browsing = Browsing(page=page, base_url=live_server.url)
    page.on("console", lambda message: message.type == "error"
            and browsing.errors.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: browsing.errors.append(f"page error: {error}"))
    yield browsing
    context.close()
