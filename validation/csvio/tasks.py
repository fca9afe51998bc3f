"""The CSV import's task. Apart from validation/tasks.py because it runs the importer, which
writes through validation.services, which queue their own tasks through validation.tasks:
kept here, nothing imports in a circle. Workers load it through CELERY_IMPORTS."""

from __future__ import annotations

from celery import shared_task

from .jobs import import_run


@shared_task(name="validation.tasks.run_import", acks_late=True, reject_on_worker_lost=True)
def run_import(import_id: int) -> str:
    """Check and write one uploaded CSV (claimed once; all rows or none)."""
    return import_run(import_id)
