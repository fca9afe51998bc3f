"""Celery tasks: thin, taking ids, idempotent and safe to run twice or concurrently."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import engine

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(name="validation.tasks.recompute_hypotheses", **RETRY)
def recompute_hypotheses_task(hypothesis_ids: list[int]) -> int:
    """Recompute the derived values of a few hypotheses; returns how many were corrected."""
    return engine.recompute_hypotheses(hypothesis_ids)


@shared_task(name="validation.tasks.reconcile_all", **RETRY)
def reconcile_all(organization_id: int | None = None) -> int:
    """The hourly safety net: recompute everything set-based and log the corrections."""
    return engine.recompute_all(organization_id)
