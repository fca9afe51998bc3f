"""PRODUCT.md's worked example, logged through the services (shared by several suites)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from core.models import Organization
from validation import services
from validation.models import Hypothesis, Status
from validation.services import LinkSpec


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class WorkedExample:
    h1: Hypothesis
    h2: Hypothesis


def log_worked_example(org: Organization, user, *, area: str | None = None) -> WorkedExample:
    """H1 stated 2026-03-02 09:00 with prior interview, sales call and experiment, validated
    2026-03-16 09:00 (cycle 14.0 days); H2 invalidated in the same week after 7.0 days. With
    `area`, H1 (only) is in that product area.
    Call inside `django_capture_on_commit_callbacks(execute=True)` to run the recomputes."""
    h1 = services.hypothesis_create(
        organization=org, user=user, title="H1 Guided setup", statement="We believe …",
        stated_at=at(2026, 3, 2, 9),
        area=services.area_get_or_create(organization=org, name=area) if area else None)
    h2 = services.hypothesis_create(organization=org, user=user, title="H2 Annual discount",
                                    statement="We believe …", stated_at=at(2026, 3, 9, 12))
    services.interview_log(organization=org, user=user, occurred_at=at(2026, 2, 27, 10),
                           links=[LinkSpec(h1)])
    services.sales_call_log(organization=org, user=user, occurred_at=at(2026, 3, 4, 21),
                            account="Acme", links=[LinkSpec(h1)])
    services.experiment_log(organization=org, user=user, name="Guided setup",
                            started_at=at(2026, 3, 5, 9), concluded_at=at(2026, 3, 12, 9),
                            result="win", links=[LinkSpec(h1)])
    services.hypothesis_decide(hypothesis=h1, user=user, status=Status.VALIDATED,
                               decided_at=at(2026, 3, 16, 9), note="Ship it to everyone.")
    services.hypothesis_decide(hypothesis=h2, user=user, status=Status.INVALIDATED,
                               decided_at=at(2026, 3, 16, 12))
    return WorkedExample(h1, h2)  # refresh them once the recomputes have run
