"""Hypotheses, their decisions and the history of their status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from .instants import instant_in_range_constraint, validate_instant_in_range
from .tenancy import OrgQuerySet, check_not_in_future, local_time, raise_if

SECONDS_PER_DAY = 86_400


def days(duration: timedelta | float | None) -> float | None:
    """A duration — a timedelta, or a number of seconds — in days (seconds / 86 400), as every
    duration is reported; None stays None."""
    if duration is None:
        return None
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    return seconds / SECONDS_PER_DAY


class Status(models.TextChoices):
    OPEN = "open", "Open"
    VALIDATED = "validated", "Validated"
    INVALIDATED = "invalidated", "Invalidated"
    ABANDONED = "abandoned", "Abandoned"


# Decisions that have a cycle time; abandoned hypotheses are counted apart.
DECIDED_STATUSES = (Status.VALIDATED, Status.INVALIDATED)


# Since when a hypothesis has been idle: its last counted evidence time, or `stated_at` if none.
IDLE_SINCE = Coalesce(F("last_evidence_at"), F("stated_at"))


def stale_q(threshold: timedelta, now: datetime | None = None) -> Q:
    """The definition of stale, as a condition on hypotheses: open, and idle — no counted
    evidence, or no statement if none — for longer than `threshold` (the organization's
    threshold in force: metrics.stale_threshold)."""
    cutoff = (now or timezone.now()) - threshold
    return Q(status=Status.OPEN) & Q(LessThan(IDLE_SINCE, cutoff))  # never NULL: stated_at is set


class HypothesisQuerySet(OrgQuerySet["Hypothesis"]):
    def open(self) -> HypothesisQuerySet:
        return self.filter(status=Status.OPEN)

    def decided(self) -> HypothesisQuerySet:
        """Validated or invalidated: the hypotheses that have a cycle time."""
        return self.filter(status__in=DECIDED_STATUSES)

    def with_idle_since(self) -> HypothesisQuerySet:
        """Annotate `idle_since`: the last counted evidence time, or `stated_at` if none."""
        return self.annotate(idle_since=IDLE_SINCE)

    def stale(self, *, threshold: timedelta, now: datetime | None = None) -> HypothesisQuerySet:
        """The stale hypotheses (stale_q)."""
        return self.filter(stale_q(threshold, now))

    def with_stale(self, *, threshold: timedelta, now: datetime | None = None
                   ) -> HypothesisQuerySet:
        """Annotate `idle_since` and `stale` (stale_q as a column), for lists that show it."""
        return self.annotate(idle_since=IDLE_SINCE, stale=ExpressionWrapper(
            stale_q(threshold, now), output_field=models.BooleanField()))


class Hypothesis(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="hypotheses")
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="We believe that … for … will …")
    success_criteria = models.TextField(blank=True,
                                        help_text="What evidence would validate it.")
    area = models.ForeignKey("validation.ProductArea", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="hypotheses")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_hypotheses")
    stated_at = models.DateTimeField(default=timezone.now,
                                     validators=[validate_instant_in_range],
                                     help_text="When it was formulated; may be back-dated.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True,
                                      validators=[validate_instant_in_range])
    decision_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Derived values, written only by validation.engine (the cycle-time engine).
    first_evidence_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_interview_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_sales_call_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_experiment_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_evidence_at = models.DateTimeField(null=True, blank=True, editable=False)
    evidence_count = models.PositiveIntegerField(default=0, editable=False)
    cycle_time = models.DurationField(null=True, blank=True, editable=False)

    objects = HypothesisQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "hypotheses"
        ordering = ["-stated_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "decided_at"], name="hypothesis_org_decided"),
            models.Index(fields=["organization", "stated_at"], name="hypothesis_org_stated"),
            models.Index(fields=["organization", "status"], name="hypothesis_org_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values),
                                   name="hypothesis_status_valid"),
            models.CheckConstraint(
                condition=Q(status=Status.OPEN, decided_at__isnull=True)
                | (~Q(status=Status.OPEN) & Q(decided_at__isnull=False)),
                name="hypothesis_decided_at_iff_decided",
                violation_error_message="An open hypothesis has no decision time; a decided "
                "one needs one."),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(decided_at__gte=F("stated_at")),
                name="hypothesis_decided_after_stated",
                violation_error_message="A hypothesis cannot be decided before it was stated."),
            models.UniqueConstraint(fields=["id", "organization"], name="hypothesis_id_org_unique"),
            instant_in_range_constraint("hypothesis", "stated_at"),
            instant_in_range_constraint("hypothesis", "decided_at"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        check_not_in_future(errors, "stated_at", self.stated_at, "The statement date")
        check_not_in_future(errors, "decided_at", self.decided_at, "The decision date")
        if self.status == Status.OPEN and self.decided_at is not None:
            errors.setdefault("decided_at", []).append(
                "An open hypothesis has no decision date: clear it or decide the hypothesis.")
        if self.status != Status.OPEN and self.decided_at is None:
            errors.setdefault("decided_at", []).append("Give the date of the decision.")
        if self.decided_at and self.stated_at and self.decided_at < self.stated_at:
            errors.setdefault("decided_at", []).append(
                f"The decision ({local_time(self.decided_at, self._org())}) cannot come before "
                f"the hypothesis was stated ({local_time(self.stated_at, self._org())}).")
        if self.area_id and self.area and self.area.organization_id != self.organization_id:
            errors.setdefault("area", []).append("This area belongs to another organization.")
        if (self.owner_id and self.organization_id and self.owner is not None
                and not self.owner.memberships.filter(
                    organization_id=self.organization_id).exists()):
            errors.setdefault("owner", []).append(
                f"{self.owner.get_username()} is not a member of this organization.")
        raise_if(errors)

    def _org(self) -> Any:
        return self.organization if self.organization_id else None

    # --- derived values that depend only on this row -----------------------------------------
    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    @property
    def time_to_first_evidence(self) -> timedelta | None:
        if self.first_evidence_at is None:
            return None
        return self.first_evidence_at - self.stated_at

    def time_to_first(self, source: str) -> timedelta | None:
        """Time from the statement to the first counted evidence of `source`."""
        first = getattr(self, f"first_{source}_at")
        return None if first is None else first - self.stated_at

    @property
    def time_to_first_evidence_days(self) -> float | None:
        return days(self.time_to_first_evidence)

    @property
    def cycle_time_days(self) -> float | None:
        return days(self.cycle_time)

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or timezone.now()) - self.stated_at

    def idle(self, now: datetime | None = None) -> timedelta:
        return (now or timezone.now()) - (self.last_evidence_at or self.stated_at)

    def is_stale(self, threshold: timedelta, now: datetime | None = None) -> bool:
        """stale_q for this one hypothesis, in Python (its page has it loaded already)."""
        return self.status == Status.OPEN and self.idle(now) > threshold


class HypothesisStatusChange(models.Model):
    """One change of a hypothesis's status: decided, reopened, or created."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    hypothesis = models.ForeignKey(Hypothesis, on_delete=models.CASCADE,
                                   related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    decided_at = models.DateTimeField(null=True, blank=True,
                                      validators=[validate_instant_in_range])
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # Now, or (CSV import, demo) the statement or decision time the change records.
    changed_at = models.DateTimeField(default=timezone.now,
                                      validators=[validate_instant_in_range])

    objects: Any = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["hypothesis", "changed_at"], name="status_change_hyp")]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=Status.values),
                                   name="status_change_to_valid"),
            instant_in_range_constraint("status_change", "decided_at"),
            instant_in_range_constraint("status_change", "changed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.hypothesis_id}: {self.from_status or '—'} → {self.to_status}"
