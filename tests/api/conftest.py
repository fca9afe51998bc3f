"""API fixtures: clients signed in as each role, and a small world in two organizations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.models import Membership, Organization
from tests.conftest import Team
from tests.factories import (
    AreaFactory,
    ExperimentFactory,
    HypothesisFactory,
    InterviewFactory,
    LinkFactory,
    SalesCallFactory,
)
from validation.models import (
    Evidence,
    EvidenceLink,
    Experiment,
    Hypothesis,
    HypothesisStatusChange,
    ImportJob,
    Interview,
    ProductArea,
    SalesCall,
    Status,
)

ROLES = ("anonymous", "outsider", "viewer", "member", "admin", "owner")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_as(team: Team) -> Callable[[str], APIClient]:
    """An API client for a role of the `team` fixture (or "anonymous")."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(team.user(role))
        return client

    return make


@dataclass
class World:
    org: Organization
    other_org: Organization
    hypothesis: Hypothesis  # open, in area Onboarding, owned by the member
    decided: Hypothesis  # validated
    interview: Interview
    sales_call: SalesCall
    experiment: Experiment
    other_hypothesis: Hypothesis  # Globex's
    other_interview: Interview  # Globex's
    import_job: ImportJob  # a finished CSV import



@pytest.fixture
def world(team: Team) -> World:
    org, other = team.org, team.other_org
    area = AreaFactory(organization=org, name="Onboarding")
    hypothesis = HypothesisFactory(organization=org, area=area, owner=team.member,
                                   title="Guided setup", stated_at=at(2026, 3, 2, 9))
    decided = HypothesisFactory(organization=org, title="Sample data",
                                stated_at=at(2026, 3, 1, 9), status=Status.VALIDATED,
                                decided_at=at(2026, 3, 10, 9))
    interview = InterviewFactory(organization=org, occurred_at=at(2026, 3, 3, 9))
    sales_call = SalesCallFactory(organization=org, occurred_at=at(2026, 3, 4, 21))
    experiment = ExperimentFactory(organization=org, started_at=at(2026, 3, 5, 9),
                                   concluded_at=at(2026, 3, 12, 9), control_users=1000,
                                   control_conversions=100, variant_users=1000,
                                   variant_conversions=130)
    for evidence in (interview, sales_call, experiment):
        LinkFactory(evidence=evidence, hypothesis=hypothesis)
    other_hypothesis = HypothesisFactory(organization=other, title="Globex secret")
    other_interview = InterviewFactory(organization=other)
    LinkFactory(evidence=other_interview, hypothesis=other_hypothesis)
    import_job = ImportJob.objects.create(organization=org, kind="interviews",
                                          filename="interviews.csv", status="succeeded",
                                          total_rows=3, processed_rows=3, created_count=3)
    return World(org=org, other_org=other, hypothesis=hypothesis, decided=decided,
                 interview=interview, sales_call=sales_call, experiment=experiment,
                 other_hypothesis=other_hypothesis, other_interview=other_interview,
                 import_job=import_job)


COUNTED_MODELS: tuple[Any, ...] = (Organization, Membership, Hypothesis, HypothesisStatusChange,
                                   Evidence, EvidenceLink, ProductArea)


def row_counts() -> dict[str, int]:
    """How many rows each table of the domain holds: to prove a refused write wrote nothing."""
    return {model.__name__: model._default_manager.count() for model in COUNTED_MODELS}
