"""CSV imports run in the background; this row is their state, progress and outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .tenancy import OrgQuerySet


class Kind(models.TextChoices):
    """What an imported (or exported) CSV file holds."""

    HYPOTHESES = "hypotheses", "Hypotheses"
    INTERVIEWS = "interviews", "Interviews"
    SALES_CALLS = "sales_calls", "Sales calls"
    EXPERIMENTS = "experiments", "Experiments"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Checking rows"
    WRITING = "writing", "Importing"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Not imported"


FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class ImportJob(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="imports")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    filename = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # File-level problem (e.g. the worker could not be reached), or "" …
    error = models.TextField(blank=True)
    # … and row-level problems: [{"line", "column", "message"}], at most 1,000 kept.
    row_errors = models.JSONField(default=list, blank=True)
    row_error_count = models.PositiveIntegerField(default=0)
    # The decoded file, kept until the import has run.
    content = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="import_org_created")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="import_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values),
                                   name="import_status_valid"),
            models.CheckConstraint(condition=Q(processed_rows__lte=F("total_rows")),
                                   name="import_progress_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        """Progress of the row checks, 0-100 (the write that follows is one transaction)."""
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
