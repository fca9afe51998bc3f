"""Any sequence of writes through the services leaves every stored derived value equal to a
from-scratch computation (`engine.verify() == []`) and to an independent oracle.

The oracle below is PRODUCT.md's "Metric definitions" written again in plain Python over a
shadow copy of the data the state machine keeps itself; it shares no code with the engine,
not even the database's generated `evidence_at` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from validation import engine, services
from validation.models import Hypothesis
from validation.services import PROXY_BY_SOURCE, LinkSpec

from ..factories import OrganizationFactory, UserFactory

INTERVIEW, SALES_CALL, EXPERIMENT = "interview", "sales_call", "experiment"
SOURCES = (INTERVIEW, SALES_CALL, EXPERIMENT)
DECIDED = ("validated", "invalidated")  # the statuses that have a cycle time
DERIVED = ("first_evidence_at", "first_interview_at", "first_sales_call_at",
           "first_experiment_at", "last_evidence_at", "evidence_count", "cycle_time")

BASE = datetime(2025, 6, 2, 9, tzinfo=UTC)
# Half-day steps over a month: coarse enough that evidence often falls exactly on a statement
# time (counted: "at or after") or before it (prior evidence).
instants = st.integers(0, 60).map(lambda k: BASE + timedelta(hours=12 * k))
delays = st.integers(0, 40).map(lambda k: timedelta(hours=12 * k))
stances = st.sampled_from(["supports", "refutes", "neutral"])


# --- the oracle ----------------------------------------------------------------------------------
@dataclass
class ShadowHypothesis:
    stated_at: datetime
    status: str = "open"
    decided_at: datetime | None = None


@dataclass
class ShadowEvidence:
    source: str
    occurred_at: datetime | None = None
    started_at: datetime | None = None
    concluded_at: datetime | None = None
    hypotheses: set[int] = field(default_factory=set)

    @property
    def time(self) -> datetime | None:
        """PRODUCT.md's evidence time; a running experiment is not evidence yet."""
        return self.occurred_at if self.source in (INTERVIEW, SALES_CALL) else self.concluded_at


def oracle(hypothesis_id: int, hypothesis: ShadowHypothesis,
           evidence: dict[int, ShadowEvidence]) -> dict[str, Any]:
    """The derived values of one hypothesis, straight from PRODUCT.md's definitions."""
    timed = [(e.source, e.time) for e in evidence.values()
             if hypothesis_id in e.hypotheses and e.time is not None]
    counted = [(source, t) for source, t in timed if t >= hypothesis.stated_at]
    values: dict[str, Any] = {
        "first_evidence_at": min((t for _, t in counted), default=None),
        "last_evidence_at": max((t for _, t in counted), default=None),
        "evidence_count": len(timed),  # all linked evidence, prior included
        "cycle_time": (hypothesis.decided_at - hypothesis.stated_at
                       if hypothesis.status in DECIDED else None),
    }
    for source in SOURCES:
        values[f"first_{source}_at"] = min((t for s, t in counted if s == source), default=None)
    return values


def test_the_oracle_reproduces_the_worked_example_of_the_product_specification():
    h1 = ShadowHypothesis(datetime(2026, 3, 2, 9, tzinfo=UTC), "validated",
                          datetime(2026, 3, 16, 9, tzinfo=UTC))
    evidence = {
        1: ShadowEvidence(INTERVIEW, occurred_at=datetime(2026, 2, 27, tzinfo=UTC), hypotheses={1}),
        2: ShadowEvidence(SALES_CALL, occurred_at=datetime(2026, 3, 4, 21, tzinfo=UTC),
                          hypotheses={1}),
        3: ShadowEvidence(EXPERIMENT, started_at=datetime(2026, 3, 5, tzinfo=UTC),
                          concluded_at=datetime(2026, 3, 12, 9, tzinfo=UTC), hypotheses={1}),
        4: ShadowEvidence(EXPERIMENT, started_at=datetime(2026, 3, 6, tzinfo=UTC), hypotheses={1}),
    }
    values = oracle(1, h1, evidence)
    assert values["first_evidence_at"] - h1.stated_at == timedelta(days=2.5)
    assert values["first_experiment_at"] - h1.stated_at == timedelta(days=10)
    assert values["first_interview_at"] is None
    assert values["cycle_time"] == timedelta(days=14)
    assert values["evidence_count"] == 3  # the prior interview counts here; the running experiment does not


# --- the state machine ---------------------------------------------------------------------------
class EngineMachine(RuleBasedStateMachine):
    """Writes through the services with their on-commit recomputes executed, as in production.

    Each example runs in a savepoint rolled back by `teardown`, inside the test's transaction.
    """

    hypotheses = Bundle("hypotheses")
    evidence = Bundle("evidence")

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.org = OrganizationFactory(timezone="Europe/Paris")
        self.user = UserFactory()
        self.shadow_hypotheses: dict[int, ShadowHypothesis] = {}
        self.shadow_evidence: dict[int, ShadowEvidence] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # helpers
    @staticmethod
    def committed(write: Any) -> Any:
        """Run a service and then its on-commit callbacks (the eager recompute task)."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            return write()

    def refused(self, write: Any) -> None:
        """A write the shadow model says is invalid must be refused and change nothing."""
        with pytest.raises(ValidationError):
            self.committed(write)

    def links(self, hypothesis_ids: list[int], stance: str) -> list[LinkSpec]:
        return [LinkSpec(Hypothesis.objects.get(pk=pk), stance=stance) for pk in hypothesis_ids]

    def load_evidence(self, pk: int) -> Any:
        return PROXY_BY_SOURCE[self.shadow_evidence[pk].source].objects.get(pk=pk)

    @staticmethod
    def evidence_fields(source: str, when: datetime, running: bool) -> dict[str, Any]:
        if source == INTERVIEW:
            return {"occurred_at": when, "interviewee": "Dana", "company": "Initech"}
        if source == SALES_CALL:
            return {"occurred_at": when, "account": "Globex"}
        return {"name": "Fake door", "kind": "fake_door", "started_at": when - timedelta(days=2),
                "concluded_at": None if running else when, "result": "" if running else "win"}

    # rules
    @rule(target=hypotheses, stated=instants)
    def state_a_hypothesis(self, stated: datetime) -> int:
        hypothesis = self.committed(lambda: services.hypothesis_create(
            organization=self.org, user=self.user, title="H", statement="We believe …",
            stated_at=stated))
        self.shadow_hypotheses[hypothesis.pk] = ShadowHypothesis(stated)
        return hypothesis.pk

    @rule(target=evidence, source=st.sampled_from(SOURCES), when=instants, running=st.booleans(),
          linked=st.lists(hypotheses, unique=True, max_size=3), stance=stances)
    def log_evidence(self, source: str, when: datetime, running: bool, linked: list[int],
                     stance: str) -> int:
        fields = self.evidence_fields(source, when, running)
        item = self.committed(lambda: services.evidence_log(
            organization=self.org, user=self.user, source=source,
            links=self.links(linked, stance), **fields))
        self.shadow_evidence[item.pk] = ShadowEvidence(
            source, occurred_at=fields.get("occurred_at"), started_at=fields.get("started_at"),
            concluded_at=fields.get("concluded_at"), hypotheses=set(linked))
        return item.pk

    @rule(pk=evidence, when=instants, running=st.booleans())
    def move_the_evidence_time(self, pk: int, when: datetime, running: bool) -> None:
        shadow = self.shadow_evidence[pk]
        fields = self.evidence_fields(shadow.source, when, running)
        changes = {name: fields[name] for name in ("occurred_at", "started_at", "concluded_at",
                                                    "result") if name in fields}
        self.committed(lambda: services.evidence_update(evidence=self.load_evidence(pk), **changes))
        shadow.occurred_at = changes.get("occurred_at")
        shadow.started_at = changes.get("started_at")
        shadow.concluded_at = changes.get("concluded_at")

    @rule(pk=evidence, linked=st.lists(hypotheses, unique=True, max_size=3), stance=stances)
    def replace_the_links(self, pk: int, linked: list[int], stance: str) -> None:
        self.committed(lambda: services.evidence_update(evidence=self.load_evidence(pk),
                                                        links=self.links(linked, stance)))
        self.shadow_evidence[pk].hypotheses = set(linked)

    @rule(pk=consumes(evidence))
    def delete_evidence(self, pk: int) -> None:
        self.committed(lambda: services.evidence_delete(evidence=self.load_evidence(pk)))
        del self.shadow_evidence[pk]

    @rule(pk=hypotheses, stated=instants)
    def move_the_statement_time(self, pk: int, stated: datetime) -> None:
        shadow = self.shadow_hypotheses[pk]

        def write() -> Any:
            return services.hypothesis_update(hypothesis=Hypothesis.objects.get(pk=pk),
                                              stated_at=stated)

        if shadow.decided_at is not None and shadow.decided_at < stated:
            self.refused(write)  # a decision cannot come before the statement
            return
        self.committed(write)
        shadow.stated_at = stated

    @rule(pk=hypotheses, status=st.sampled_from(["validated", "invalidated", "abandoned"]),
          after=delays)
    def decide(self, pk: int, status: str, after: timedelta) -> None:
        shadow = self.shadow_hypotheses[pk]
        decided_at = shadow.stated_at + after

        def write() -> Any:
            return services.hypothesis_decide(hypothesis=Hypothesis.objects.get(pk=pk),
                                              user=self.user, status=status, decided_at=decided_at)

        if shadow.status != "open":
            self.refused(write)
            return
        self.committed(write)
        shadow.status, shadow.decided_at = status, decided_at

    @rule(pk=hypotheses)
    def reopen(self, pk: int) -> None:
        shadow = self.shadow_hypotheses[pk]

        def write() -> Any:
            return services.hypothesis_reopen(hypothesis=Hypothesis.objects.get(pk=pk),
                                              user=self.user)

        if shadow.status == "open":
            self.refused(write)
            return
        self.committed(write)
        shadow.status, shadow.decided_at = "open", None

    @rule(pk=consumes(hypotheses))
    def delete_a_hypothesis(self, pk: int) -> None:
        self.committed(lambda: services.hypothesis_delete(hypothesis=Hypothesis.objects.get(pk=pk)))
        del self.shadow_hypotheses[pk]
        for shadow in self.shadow_evidence.values():
            shadow.hypotheses.discard(pk)

    @invariant()
    def stored_values_equal_a_from_scratch_computation_and_the_oracle(self) -> None:
        assert engine.verify() == []
        stored = {row.pop("id"): row for row in
                  Hypothesis.objects.filter(organization=self.org).values("id", *DERIVED)}
        expected = {pk: oracle(pk, shadow, self.shadow_evidence)
                    for pk, shadow in self.shadow_hypotheses.items()}
        assert stored == expected


@pytest.mark.slow  # a minute or more of generated write sequences
@pytest.mark.django_db
def test_any_sequence_of_writes_leaves_stored_values_equal_to_scratch_and_to_the_oracle():
    run_state_machine_as_test(EngineMachine, settings=settings(
        max_examples=60, stateful_step_count=30, deadline=None,
        # Each example rolls back its own savepoint, so the function-scoped database fixture
        # is safely shared between examples.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
