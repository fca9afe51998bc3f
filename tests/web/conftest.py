"""Fixtures of the web tests: signed-in clients per role, a small organization history, and
a headless Chromium (Debian's) driven by Playwright for the browser tests."""

from datetime import timedelta

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
# The Playwright fixtures (`chromium`, `browsing`) live in tests/browser.py, shared by every
# suite through tests/conftest.py: one Playwright per test session.
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Browsing  # noqa: E402,F401
