"""The engine's own mechanics: batches, compiled statements, the worker's connections."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery.signals import task_postrun, task_prerun

from proofloop.celery import app
from validation import engine, tasks
from validation.models import Hypothesis, Status

from ..factories import BASE, InterviewFactory, LinkFactory

pytestmark = pytest.mark.django_db


def test_recomputing_more_hypotheses_than_one_batch_stores_every_value(org):
    count = engine.BATCH_SIZE * 2 + 7
    Hypothesis.objects.bulk_create(
        Hypothesis(organization=org, title=f"H{i}", statement="…", stated_at=BASE,
                   status=Status.VALIDATED, decided_at=BASE + timedelta(hours=i))
        for i in range(count))
    ids = list(Hypothesis.objects.for_org(org).values_list("id", flat=True))

    assert engine.recompute_hypotheses(reversed(ids)) == count
    assert engine.verify() == []
    assert engine.recompute_hypotheses(ids) == 0
    cycle_times = sorted(Hypothesis.objects.for_org(org).values_list("cycle_time", flat=True))
    assert cycle_times == [timedelta(hours=i) for i in range(count)]


def test_statements_compiled_once_per_batch_size_bind_each_call_to_its_own_ids(org):
    hypotheses = [LinkFactory(evidence=InterviewFactory(organization=org,
                                                        occurred_at=BASE + timedelta(days=i))
                              ).hypothesis for i in range(1, 4)]
    Hypothesis.objects.update(last_evidence_at=None)
    engine._compiled_for_ids.cache_clear()

    engine.recompute_hypotheses([hypotheses[1].pk])
    assert [h.last_evidence_at for h in Hypothesis.objects.order_by("id")] == [
        None, BASE + timedelta(days=2), None]
    engine.recompute_hypotheses([hypotheses[2].pk])  # same size: the compiled statements again
    engine.recompute_hypotheses([hypotheses[0].pk])
    assert engine._compiled_for_ids.cache_info().misses == 1
    assert engine.verify() == []


@pytest.mark.parametrize(("eager", "closes"), [(False, 2), (True, 0)])
def test_a_worker_closes_only_failed_or_expired_connections_around_each_task(monkeypatch, eager,
                                                                               closes):
    calls = []
    monkeypatch.setattr(tasks, "close_old_connections", lambda: calls.append(1))
    task = type("Task", (), {"request": SimpleNamespace(is_eager=eager)})()
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=0,
                      state="SUCCESS")
    assert len(calls) == closes


def test_the_worker_keeps_its_database_connection_between_tasks():
    """Celery's Django fixup closes connections around every task unless this is set."""
    assert app.conf.get("CELERY_DB_REUSE_MAX", None) >= 100
