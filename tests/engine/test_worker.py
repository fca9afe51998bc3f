"""The engine through a real Celery worker on Redis (not eager mode).

Skipped, with the reason, when REDIS_URL is unset (the embedded default run); CI's
PostgreSQL + Redis pass runs them. See tests/worker.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.worker import RunningWorker, wait_until
from validation import engine, services, tasks
from validation.models import Hypothesis, Status
from validation.services import LinkSpec

from ..factories import BASE

pytestmark = pytest.mark.worker

RECOMPUTE = tasks.recompute_hypotheses_task.name


def stored(hypothesis: Hypothesis) -> dict[str, object]:
    return Hypothesis.objects.filter(pk=hypothesis.pk).values(*engine.DERIVED_FIELDS).get()


def test_logging_evidence_through_a_service_updates_the_derived_values_on_the_worker(
        celery_worker: RunningWorker, team):
    org, user = team.org, team.member
    hypothesis = services.hypothesis_create(organization=org, user=user, title="Usage pricing",
                                            statement="We believe …", stated_at=BASE)
    assert stored(hypothesis)["evidence_count"] == 0

    services.sales_call_log(organization=org, user=user, account="Initech",
                            occurred_at=BASE + timedelta(days=2, hours=12),
                            links=[LinkSpec(hypothesis)])

    values = wait_until(lambda: (v := stored(hypothesis))["evidence_count"] == 1 and v,
                        message="the worker to store the new evidence count")
    assert values["first_evidence_at"] == values["first_sales_call_at"] == BASE + timedelta(days=2.5)
    assert values["last_evidence_at"] == BASE + timedelta(days=2.5)
    (run,) = celery_worker.wait_for_runs(RECOMPUTE, 1)
    assert (run.args, run.retval, run.state) == (([hypothesis.pk],), 1, "SUCCESS")
    assert run.queue == celery_worker.queue and not run.eager  # delivered by Redis to the worker

    services.hypothesis_decide(hypothesis=hypothesis, user=user, status=Status.VALIDATED,
                               decided_at=BASE + timedelta(days=14))
    wait_until(lambda: stored(hypothesis)["cycle_time"] == timedelta(days=14),
               message="the worker to store the cycle time")
    assert engine.verify() == []


def test_running_the_same_task_twice_gives_the_same_result(celery_worker: RunningWorker, team):
    org, user = team.org, team.member
    hypothesis = services.hypothesis_create(organization=org, user=user, title="Annual plans",
                                            statement="We believe …", stated_at=BASE)
    services.interview_log(organization=org, user=user, occurred_at=BASE + timedelta(days=1),
                           links=[LinkSpec(hypothesis)])
    celery_worker.wait_for_runs(RECOMPUTE, 1)
    right = stored(hypothesis)
    Hypothesis.objects.filter(pk=hypothesis.pk).update(evidence_count=42, first_evidence_at=None)

    tasks.recompute_hypotheses_task.delay([hypothesis.pk])
    first = celery_worker.wait_for_runs(RECOMPUTE, 2)[-1]
    after_first = stored(hypothesis)
    tasks.recompute_hypotheses_task.delay([hypothesis.pk])
    second = celery_worker.wait_for_runs(RECOMPUTE, 3)[-1]

    assert after_first == stored(hypothesis) == right
    assert (first.retval, second.retval) == (1, 0)  # the second run finds nothing to correct


def test_the_reconcile_task_corrects_drifted_values_on_the_worker(celery_worker: RunningWorker,
                                                                  team):
    org, user = team.org, team.member
    hypotheses = [services.hypothesis_create(organization=org, user=user, title=f"H{i}",
                                             statement="We believe …", stated_at=BASE)
                  for i in range(3)]
    Hypothesis.objects.filter(pk__in=[h.pk for h in hypotheses[:2]]).update(evidence_count=5)

    tasks.reconcile_all.delay()

    (run,) = celery_worker.wait_for_runs(tasks.reconcile_all.name, 1)
    assert (run.retval, run.state) == (2, "SUCCESS")
    assert engine.verify() == []
