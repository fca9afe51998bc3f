"""Running a queued import: the body of the `run_import` task (validation/csvio/tasks.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from validation.models.imports import ImportJob, ImportStatus

from .importer import MAX_REPORTED_ERRORS, RowErrors, import_rows
from .reader import CsvFileError, parse

logger = logging.getLogger("proofloop.imports")


def import_run(job_id: int) -> str:
    """Run a queued import once (claimed with a conditional UPDATE); returns its status."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.VALIDATING, started_at=timezone.now()):
        return "skipped"
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)

    def progress(done: int) -> None:
        writing = done >= job.total_rows  # every row checked: the write comes next
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=min(done, job.total_rows),
            status=ImportStatus.WRITING if writing else ImportStatus.VALIDATING)

    try:
        parsed = parse(job.content, job.kind)
        outcome = import_rows(organization=job.organization, user=job.created_by,
                              kind=job.kind, parsed=parsed, progress=progress)
    except RowErrors as exc:
        return _finish(job_id, ImportStatus.FAILED, row_errors=exc.errors)
    except CsvFileError as exc:
        return _finish(job_id, ImportStatus.FAILED, error=str(exc))
    except Exception:
        logger.exception("import %s failed", job_id)
        _finish(job_id, ImportStatus.FAILED,
                error="The import stopped on an unexpected error; nothing was imported.")
        raise
    return _finish(job_id, ImportStatus.SUCCEEDED, created=outcome.created)


def _finish(job_id: int, status: str, *, created: int = 0, error: str = "",
            row_errors: list[Any] | None = None) -> str:
    row_errors = row_errors or []
    ImportJob.objects.filter(pk=job_id).update(
        status=status, created_count=created, error=error, finished_at=timezone.now(),
        row_errors=[e.as_dict() for e in row_errors[:MAX_REPORTED_ERRORS]],
        row_error_count=len(row_errors), content="")
    return status
