"""Starting an import: the file checked as a whole (size, encoding, columns), an ImportJob written,
and its task queued after commit."""

from __future__ import annotations

import io
import logging
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import Organization
from validation.models.imports import ImportJob, ImportStatus
from validation.tasks import enqueue_on_commit

from .formats import Kind
from .reader import CsvFileError, check_size, scan
from .tasks import run_import

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
        enqueue_on_commit(run_import, job.pk, unreachable=partial(_unreachable, job.pk))
    return job


def _unreachable(job_id: int) -> None:
    """The worker could not be reached: the job fails at once, saying so (nothing imported)."""
    logger.warning("broker unreachable: import %s not started", job_id)
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(), content="",
        error="The background worker could not be reached, so nothing was imported. "
              "Try again in a minute.")
