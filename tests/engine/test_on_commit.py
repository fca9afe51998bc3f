"""The services enqueue the recompute only after their transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from validation import engine, services, tasks
from validation.models import Hypothesis, Status
from validation.services import LinkSpec

from ..factories import BASE, HypothesisFactory


class Rollback(Exception):
    """Raised to abandon the transaction around a service call."""


@pytest.fixture
def published(monkeypatch) -> list[list[int]]:
    """The id batches handed to the broker (the task's `.delay`), in order."""
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.recompute_hypotheses_task, "delay", lambda ids: sent.append(ids))
    return sent


@pytest.fixture
def world(team, django_capture_on_commit_callbacks) -> dict[str, Any]:
    """Two hypotheses, a decided one, and one piece of evidence of each source."""
    org, user = team.org, team.member
    with django_capture_on_commit_callbacks(execute=True):
        h1 = HypothesisFactory(organization=org, stated_at=BASE)
        h2 = HypothesisFactory(organization=org, stated_at=BASE)
        decided = HypothesisFactory(organization=org, stated_at=BASE, status=Status.VALIDATED,
                                    decided_at=BASE + timedelta(days=5))
        interview = services.interview_log(organization=org, user=user,
                                           occurred_at=BASE + timedelta(days=1),
                                           links=[LinkSpec(h1)])
    engine.recompute_all()  # the factories wrote no derived values
    return {"org": org, "user": user, "h1": h1, "h2": h2, "decided": decided,
            "interview": interview}


WRITES: dict[str, tuple[Callable[[dict[str, Any]], Any], set[str]]] = {
    "an interview logged": (lambda w: services.interview_log(
        organization=w["org"], user=w["user"], occurred_at=BASE, links=[LinkSpec(w["h1"])]),
        {"h1"}),
    "a sales call logged": (lambda w: services.sales_call_log(
        organization=w["org"], user=w["user"], occurred_at=BASE, account="Initech",
        links=[LinkSpec(w["h1"]), LinkSpec(w["h2"])]), {"h1", "h2"}),
    "a running experiment logged": (lambda w: services.experiment_log(
        organization=w["org"], user=w["user"], name="Fake door", started_at=BASE,
        links=[LinkSpec(w["h2"])]), {"h2"}),
    "evidence moved and relinked": (lambda w: services.evidence_update(
        evidence=w["interview"], occurred_at=BASE + timedelta(days=2),
        links=[LinkSpec(w["h2"])]), {"h1", "h2"}),
    "evidence deleted": (lambda w: services.evidence_delete(evidence=w["interview"]), {"h1"}),
    "a statement back-dated": (lambda w: services.hypothesis_update(
        hypothesis=w["h1"], stated_at=BASE - timedelta(days=3)), {"h1"}),
    "a hypothesis decided": (lambda w: services.hypothesis_decide(
        hypothesis=w["h1"], user=w["user"], status=Status.INVALIDATED,
        decided_at=BASE + timedelta(days=4)), {"h1"}),
    "a hypothesis reopened": (lambda w: services.hypothesis_reopen(
        hypothesis=w["decided"], user=w["user"]), {"decided"}),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_rolled_back_write_enqueues_nothing(world, write, published,
                                              django_capture_on_commit_callbacks):
    apply, _ = WRITES[write]
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback),
          transaction.atomic()):
        apply(world)
        raise Rollback
    assert callbacks == []
    assert published == []


@pytest.mark.parametrize("write", list(WRITES))
def test_a_committed_write_enqueues_its_hypotheses_only_once_it_commits(
        world, write, published, django_capture_on_commit_callbacks):
    apply, affected = WRITES[write]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        apply(world)
    assert published == []  # nothing reaches the broker before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # the commit
    assert published == [sorted(world[name].pk for name in affected)]


def test_an_unreachable_broker_does_not_fail_the_committed_write(world, monkeypatch, caplog,
                                                                  django_capture_on_commit_callbacks):
    def unreachable(ids: list[int]) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_hypotheses_task, "delay", unreachable)
    with (caplog.at_level(logging.WARNING, logger="proofloop.engine"),
          django_capture_on_commit_callbacks(execute=True)):
        tasks.recompute_on_commit([world["h1"].pk])
    assert "broker unreachable: recompute of 1 hypotheses left to the reconcile task" in caplog.text


def test_large_changes_are_enqueued_in_batches(db, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.recompute_on_commit(range(1, engine.BATCH_SIZE * 2 + 2))
    assert [len(batch) for batch in published] == [engine.BATCH_SIZE, engine.BATCH_SIZE, 1]


def test_the_reconcile_task_corrects_and_counts_what_drifted(world, caplog):
    Hypothesis.objects.filter(pk=world["decided"].pk).update(cycle_time=None)
    with caplog.at_level(logging.INFO, logger="proofloop.engine"):
        assert tasks.reconcile_all.delay().get() == 1
    assert "recompute_all organization=all corrected=1" in caplog.text
    assert engine.verify() == []


def test_a_second_reconcile_is_skipped_while_one_is_running(world, caplog):
    from django.core.cache import cache

    Hypothesis.objects.filter(pk=world["decided"].pk).update(cycle_time=None)
    cache.add("proofloop:reconcile:all", "another worker", 60)
    try:
        with caplog.at_level(logging.INFO, logger="proofloop.engine"):
            assert tasks.reconcile_all.delay().get() == 0
        assert "reconcile organization=all skipped: another one is running" in caplog.text
        assert len(engine.verify()) == 1  # left for the running one
    finally:
        cache.delete("proofloop:reconcile:all")
    assert tasks.reconcile_all.delay().get() == 1
    assert cache.get("proofloop:reconcile:all") is None  # released
