"""Celery tasks: thin, taking ids, idempotent and safe to run twice or concurrently — and the one
place that queues them: `enqueue_on_commit` (after the transaction commits; in-process when
there is no broker, as Celery's eager mode; logged, not raised, when the broker is unreachable,
since the write is committed and the hourly reconcile catches up).

The CSV import's task lives in validation/csvio/tasks.py (it runs the importer, which writes
through the services that import this module)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, TypedDict

from celery import Task, shared_task
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, transaction
from kombu.exceptions import OperationalError

from core.models import Organization

from . import digest, engine

logger = logging.getLogger("proofloop.engine")


class RetryOptions(TypedDict, total=False):
    """The retry options every task but deliver_digest takes, as shared_task's keywords."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool | int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int | None
    acks_late: bool
    reject_on_worker_lost: bool


RETRY: RetryOptions = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


# --- queueing -------------------------------------------------------------------------------------
def enqueue_on_commit(task: Task, *args: Any,
                      unreachable: Callable[[], None] | None = None) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one); nothing
    if it rolls back. When the broker cannot be reached the committed write stands: `unreachable`
    is called to say so and record that the work was not started (by default, a log line)."""
    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError:
            if unreachable is not None:
                unreachable()
            else:
                logger.warning("broker unreachable: %s%r not queued", task.name, args)

    transaction.on_commit(send)


def recompute_on_commit(ids: Iterable[int]) -> None:
    """Queue the recompute of hypotheses `ids`, in batches of engine.BATCH_SIZE, once the
    current transaction commits; left to the hourly reconcile if the broker is unreachable."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), engine.BATCH_SIZE):
        batch = ids[start:start + engine.BATCH_SIZE]
        enqueue_on_commit(recompute_hypotheses_task, batch,
                          unreachable=partial(_recompute_left_to_reconcile, len(batch)))


def _recompute_left_to_reconcile(count: int) -> None:
    logger.warning("broker unreachable: recompute of %d hypotheses left to the reconcile task",
                   count)


# --- derived values -----------------------------------------------------------------------------
@shared_task(name="validation.tasks.recompute_hypotheses", **RETRY)
def recompute_hypotheses_task(hypothesis_ids: list[int]) -> int:
    """Recompute the derived values of a few hypotheses; returns how many were corrected."""
    return engine.recompute_hypotheses(hypothesis_ids)


# Far longer than any reconcile (1.5 s at a million evidence rows, README.md "Benchmark"),
# and shorter than the broker's visibility timeout, so that a reconcile redelivered after its
# worker died is not turned away by its own stale lock.
RECONCILE_LOCK_SECONDS = min(15 * 60, settings.CELERY_BROKER_VISIBILITY_TIMEOUT // 2)


@shared_task(name="validation.tasks.reconcile_all", **RETRY)
def reconcile_all(organization_id: int | None = None) -> int:
    """The hourly safety net: recompute everything set-based and log the corrections.

    One at a time (a cache lock: Redis SET NX when REDIS_URL is set): a second reconcile would
    be correct but would lock every hypothesis again for nothing; it returns 0 and logs that
    it was skipped. Returns how many hypotheses had wrong stored values.
    """
    key = f"proofloop:reconcile:{organization_id or 'all'}"
    token = uuid.uuid4().hex
    if not cache.add(key, token, RECONCILE_LOCK_SECONDS):
        logger.info("reconcile organization=%s skipped: another one is running",
                    organization_id or "all")
        return 0
    try:
        return engine.recompute_all(organization_id)
    finally:
        if cache.get(key) == token:
            cache.delete(key)


@task_prerun.connect(weak=False)
@task_postrun.connect(weak=False)
def _close_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Around each task on a worker, what Django does around each request: close database
    connections that have failed or outlived CONN_MAX_AGE, keep the others.

    Celery's Django fixup would otherwise close the connection before and after every task
    (settings set CELERY_DB_REUSE_MAX to stop that): a new PostgreSQL connection costs more
    than the incremental recompute itself. Eager tasks run inside the caller's transaction
    and are left alone.
    """
    request = getattr(sender, "request", None)
    if request is not None and not getattr(request, "is_eager", False):
        close_old_connections()


# --- weekly digest ------------------------------------------------------------------------------
@shared_task(name="validation.tasks.send_due_digests", **RETRY)
def send_due_digests() -> int:
    """Hourly: start one task per organization whose local digest hour it is."""
    digest.fail_abandoned_claims()
    due = digest.organizations_due(datetime.now(UTC))
    for organization_id, week in due:
        send_org_digest.delay(organization_id, week.isoformat())
    return len(due)


@shared_task(name="validation.tasks.send_org_digest", **RETRY)
def send_org_digest(organization_id: int, week: str) -> int:
    """Create the week's deliveries of one organization and queue each; idempotent."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    delivery_ids = digest.deliveries_create(organization, date.fromisoformat(week))
    for delivery_id in delivery_ids:
        deliver_digest.delay(delivery_id)
    return len(delivery_ids)


@shared_task(bind=True, name="validation.tasks.deliver_digest", max_retries=6,
             acks_late=True, reject_on_worker_lost=True)
def deliver_digest(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send one member's digest; a failed send is retried with backoff, then recorded."""
    try:
        return digest.deliver(delivery_id)
    except digest.DeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=digest.retry_countdown(self.request.retries)) from exc
