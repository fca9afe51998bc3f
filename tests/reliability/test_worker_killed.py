"""A Celery worker killed with SIGKILL in the middle of its work: nothing it was doing is
half-written, and a new worker finishes the job — `verify_metrics` then reports zero
mismatches and every derived value equals the one computed before the crash.

The worker is a real `celery -A proofloop worker --pool=solo` in a child process of its own, on
this test's (committed) database and on Redis. To kill it *mid-task* every time rather than
by luck, the test holds a row lock on one hypothesis: the worker's recompute waits on it in
PostgreSQL, the test sees it waiting (pg_stat_activity), and kills it there.

How the killed task comes back: tasks are acknowledged late (`acks_late`), so the message
stays in Redis's unacked set and is handed out again once the broker's visibility timeout has
passed. Production waits CELERY_VISIBILITY_TIMEOUT (an hour; the hourly reconcile catches up
first). These workers run tests/reliability/worker_settings.py: production settings with a
5-second visibility timeout, so that the redelivery itself is what is tested here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from devtools.processes import CeleryWorker, forget_queue
from tests.factories import HypothesisFactory
from tests.worker import wait_until
from validation import engine, services, tasks
from validation.models import Hypothesis, Status
from validation.services import LinkSpec

from .conftest import celery_broker, require_postgresql, require_redis, this_database_url, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
              "TEST_VISIBILITY_TIMEOUT": "5"}


@pytest.fixture
def lost_recomputes(team) -> dict[str, object]:
    """Twelve hypotheses with evidence of every source, some decided; their right derived
    values; then every stored value corrupted, as if every recompute had been lost."""
    require_redis()
    require_postgresql()
    start = timezone.now() - timedelta(days=60)
    hypotheses = []
    for i in range(12):
        h = HypothesisFactory(organization=team.org, stated_at=start + timedelta(days=i))
        link = [LinkSpec(h)]
        services.interview_log(organization=team.org, user=team.member,
                               occurred_at=start + timedelta(days=i + 2), links=link)
        services.sales_call_log(organization=team.org, user=team.member, account="Initech",
                                occurred_at=start + timedelta(days=i - 1), links=link)
        services.experiment_log(organization=team.org, user=team.member, name="Fake door",
                                started_at=start + timedelta(days=i + 3),
                                concluded_at=start + timedelta(days=i + 9), result="win",
                                links=link)
        if i % 3 == 0:
            services.hypothesis_decide(hypothesis=h, user=team.member, status=Status.VALIDATED,
                                       decided_at=start + timedelta(days=i + 20))
        hypotheses.append(h.pk)
    engine.recompute_all()
    assert engine.verify() == []
    right = derived_values()
    Hypothesis.objects.update(evidence_count=99, first_evidence_at=None, last_evidence_at=None,
                              first_interview_at=None, cycle_time=timedelta(days=999))
    assert engine.verify()
    return {"ids": sorted(hypotheses), "right": right}


def derived_values() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Hypothesis.objects.values_list("pk", *engine.DERIVED_FIELDS)}


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"tests-killed-{uuid.uuid4().hex[:10]}"
    yield name
    forget_queue(settings.REDIS_URL, name)


class RowLock:
    """A transaction of the test's own holding `FOR UPDATE` on one hypothesis."""

    def __init__(self, hypothesis_id: int) -> None:
        self.connection = psycopg.connect(this_database_url())
        self.connection.execute("SELECT id FROM validation_hypothesis WHERE id = %s FOR UPDATE",
                                [hypothesis_id])
        # pg_stat_activity is read once per transaction: watch it from outside this one.
        self.watcher = psycopg.connect(this_database_url(), autocommit=True)

    def waiting_backend(self) -> int | None:
        """The pid of the backend blocked on this lock (the worker's), if any."""
        row = self.watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s", ["%validation_hypothesis%"]
        ).fetchone()
        return row[0] if row else None

    def terminate(self, pid: int) -> None:
        """End the dead worker's backend, as the database does when it notices its client is
        gone (a backend waiting on a lock does not look, and would finish the statement)."""
        self.watcher.execute("SELECT pg_terminate_backend(%s)", [pid])

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()
        self.watcher.close()


@pytest.fixture
def row_lock() -> Iterator[type[RowLock]]:
    """RowLock, released at the end whatever happens (a held lock would block the flush of
    the test database)."""
    made: list[RowLock] = []

    def make(hypothesis_id: int) -> RowLock:
        made.append(RowLock(hypothesis_id))
        return made[-1]

    yield make  # type: ignore[misc]
    for lock in made:
        lock.release()


def kill_mid_task(worker: CeleryWorker, lock: RowLock) -> None:
    pid = wait_until(lock.waiting_backend, timeout=60,
                     message="the worker to be blocked in the middle of its task")
    worker.kill()
    lock.terminate(pid)
    lock.release()


def verify_metrics_says_all_right() -> str:
    out = StringIO()
    call_command("verify_metrics", stdout=out)  # raises CommandError on any mismatch
    return out.getvalue()


def test_a_batch_of_recomputes_survives_a_worker_killed_in_the_middle(lost_recomputes, queue, tmp_path,
                                                                     row_lock):
    ids, right = lost_recomputes["ids"], lost_recomputes["right"]
    batches = [ids[0:4], ids[4:8], ids[8:12]]
    lock = row_lock(batches[1][1])
    with celery_broker(settings.REDIS_URL) as app:
        sent = [tasks.recompute_hypotheses_task.apply_async(args=[batch], queue=queue)
                for batch in batches]
        first = worker_process(queue, tmp_path / "first.log", **WORKER_ENV)
        try:
            wait_until(lambda: all(derived_values()[pk] == right[pk] for pk in batches[0]),
                       timeout=60, message="the first batch to be recomputed")
            kill_mid_task(first, lock)
        finally:
            first.stop()
        # Killed mid-task: its batch is not half-written, the next batch was never started.
        stored = derived_values()
        assert all(stored[pk] != right[pk] for pk in batches[1] + batches[2])
        assert f"Task validation.tasks.recompute_hypotheses[{sent[1].id}] received" in \
            first.output()
        assert sent[2].id not in first.output()

        second = worker_process(queue, tmp_path / "second.log", **WORKER_ENV)
        try:
            second.wait_ready(app)
            wait_until(lambda: engine.verify() == [], timeout=60,
                       message="the second worker to finish the job")
            # The killed task itself came back (acks_late + visibility timeout), besides the
            # one that had not started.
            wait_until(lambda: f"[{sent[1].id}] succeeded" in second.output(), timeout=10,
                       message="the killed task to be redelivered and run")
        finally:
            second.stop()
    assert f"[{sent[2].id}] succeeded" in second.output()
    assert derived_values() == right  # nothing recomputed wrongly
    assert "All stored derived values are right" in verify_metrics_says_all_right()


def test_a_reconcile_killed_in_the_middle_is_redelivered_and_completes(lost_recomputes, queue, tmp_path,
                                                                       row_lock):
    right = lost_recomputes["right"]
    lock = row_lock(lost_recomputes["ids"][6])  # the reconcile locks every hypothesis in id order
    with celery_broker(settings.REDIS_URL) as app:
        sent = tasks.reconcile_all.apply_async(queue=queue)
        first = worker_process(queue, tmp_path / "first.log", **WORKER_ENV)
        try:
            kill_mid_task(first, lock)
        finally:
            first.stop()
        # One UPDATE for all: the killed reconcile wrote nothing at all.
        assert all(value != right[pk] for pk, value in derived_values().items())
        # The killed reconcile's own lock in Redis (validation/tasks.py, half the visibility
        # timeout) expires before the next one may run.
        wait_until(lambda: cache.get("proofloop:reconcile:all") is None, timeout=10,
                   message="the killed reconcile's lock to expire")

        second = worker_process(queue, tmp_path / "second.log", **WORKER_ENV)
        try:
            second.wait_ready(app)
            wait_until(lambda: f"[{sent.id}] succeeded" in second.output(), timeout=60,
                       message="the killed reconcile to be redelivered and run")
        finally:
            second.stop()
    assert f"Task validation.tasks.reconcile_all[{sent.id}] received" in first.output()
    assert derived_values() == right
    assert "All stored derived values are right" in verify_metrics_says_all_right()
    assert Path(tmp_path / "second.log").read_text().count(f"[{sent.id}] succeeded") == 1
