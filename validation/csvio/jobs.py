"""Starting an import (checked at once: size, encoding, columns) and running it (a task)."""

from __future__ import annotations

import io
import logging
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.models import Organization
from validation.models.imports import ImportJob, ImportStatus

from .formats import Kind
from .importer import MAX_REPORTED_ERRORS, RowErrors, import_rows
from .reader import CsvFileError, check_size, parse, scan

logger = logging.getLogger("proofloop.imports")


def import_start(*, organization: Organization, user: Any, kind: str, filename: str,
                 data: bytes | IO[bytes]) -> ImportJob:
    """Check the file as a whole and queue its import; raises CsvFileError, writing nothing,
    when the file cannot be imported at all. `data` is the file's bytes or a binary file (an
    upload, whose `size` is checked before any of it is read), read as a stream."""
    if kind not in Kind.values:
        raise CsvFileError(f"Unknown kind {kind!r}: use {', '.join(Kind.values)}.")
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    size = len(data) if isinstance(data, bytes) else getattr(data, "size", None)
    if size is not None:
        check_size(size, max_bytes=settings.IMPORT_MAX_BYTES)
    scanned = scan(stream, kind, max_bytes=settings.IMPORT_MAX_BYTES)
    with transaction.atomic():
        job = ImportJob.objects.create(organization=organization, kind=kind,
                                       filename=filename[:255], created_by=user,
                                       total_rows=scanned.total_rows, content=scanned.text)
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from validation.tasks import run_import

    try:
        run_import.delay(job_id)
    except OperationalError:
        logger.warning("broker unreachable: import %s not started", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), content="",
            error="The background worker could not be reached, so nothing was imported. "
                  "Try again in a minute.")


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
