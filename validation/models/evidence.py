"""Evidence from interviews, sales calls and experiments, and its links to hypotheses.

The three sources share one table (`Evidence`, with a `source` column) and are exposed as
proxy models. One table lets a single query list a hypothesis's evidence in evidence-time
order and a single aggregate compute first/last evidence times across sources, and lets the
database itself check each source's shape (CHECK constraints see only one row).
`evidence_at` — PRODUCT.md's evidence time — is a column the database generates.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from validation.stats import ConversionStats, conversion_stats

from .instants import instant_in_range_constraint, validate_instant_in_range
from .tenancy import OrgQuerySet, check_not_in_future, local_time, raise_if


class Source(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    SALES_CALL = "sales_call", "Sales call"
    EXPERIMENT = "experiment", "Experiment"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    NEUTRAL = "neutral", "Neutral"


class Strength(models.TextChoices):
    WEAK = "weak", "Weak"
    MODERATE = "moderate", "Moderate"
    STRONG = "strong", "Strong"


# What people do outweighs what they say (PRODUCT.md, "Evidence link").
DEFAULT_STRENGTH = {
    Source.INTERVIEW: Strength.WEAK,
    Source.SALES_CALL: Strength.MODERATE,
    Source.EXPERIMENT: Strength.STRONG,
}


class ExperimentKind(models.TextChoices):
    AB_TEST = "ab_test", "A/B test"
    FEATURE_FLAG = "feature_flag", "Feature-flag rollout"
    FAKE_DOOR = "fake_door", "Fake door"
    PRICING_TEST = "pricing_test", "Pricing test"
    PROTOTYPE = "prototype", "Prototype"
    OTHER = "other", "Other"


class ExperimentResult(models.TextChoices):
    WIN = "win", "Win"
    LOSS = "loss", "Loss"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


TIMED_BY_OCCURRENCE = (Source.INTERVIEW, Source.SALES_CALL)


class EvidenceQuerySet(OrgQuerySet["Evidence"]):
    def counted(self) -> EvidenceQuerySet:
        """Evidence that has an evidence time (a running experiment has none)."""
        return self.filter(evidence_at__isnull=False)

    def timeline(self) -> EvidenceQuerySet:
        """Evidence time order; running experiments last, by start."""
        return self.order_by(F("evidence_at").asc(nulls_last=True), "started_at", "id")


class EvidenceManager(models.Manager.from_queryset(EvidenceQuerySet)):  # type: ignore[misc]
    """For a proxy model: only the rows of that proxy's source."""

    def __init__(self, source: str | None = None) -> None:
        super().__init__()
        self.source = source

    def get_queryset(self) -> EvidenceQuerySet:
        queryset = super().get_queryset()
        return queryset.filter(source=self.source) if self.source else queryset


class Evidence(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="evidence")
    source = models.CharField(max_length=12, choices=Source.choices, editable=False)

    # Interviews and sales calls.
    occurred_at = models.DateTimeField(null=True, blank=True,
                                       validators=[validate_instant_in_range])
    # Interviews.
    interviewee = models.CharField(max_length=120, blank=True)
    company = models.CharField(max_length=120, blank=True)
    segment = models.CharField(max_length=80, blank=True)
    notes = models.TextField(blank=True)
    quotes = models.TextField(blank=True)
    # Sales calls.
    account = models.CharField(max_length=120, blank=True)
    deal_stage = models.CharField(max_length=60, blank=True)
    deal_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    feedback = models.TextField(blank=True)
    objections = models.TextField(blank=True)
    # Experiments.
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=ExperimentKind.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True,
                                      validators=[validate_instant_in_range])
    concluded_at = models.DateTimeField(null=True, blank=True,
                                        validators=[validate_instant_in_range],
                                        help_text="Empty while the experiment runs.")
    metric = models.CharField(max_length=120, blank=True)
    control_users = models.PositiveIntegerField(null=True, blank=True)
    control_conversions = models.PositiveIntegerField(null=True, blank=True)
    variant_users = models.PositiveIntegerField(null=True, blank=True)
    variant_conversions = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=ExperimentResult.choices, blank=True)

    # PRODUCT.md's evidence time: occurred_at, or concluded_at for experiments (the shape
    # constraints below leave exactly one of them set); NULL for a running experiment.
    evidence_at = models.GeneratedField(
        expression=Coalesce("occurred_at", "concluded_at"),
        output_field=models.DateTimeField(null=True),
        db_persist=True,
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    hypotheses = models.ManyToManyField("validation.Hypothesis", through="EvidenceLink",
                                        related_name="evidence")

    objects = EvidenceManager()

    SOURCE: ClassVar[str | None] = None

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-evidence_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "evidence_at"], name="evidence_org_time"),
            models.Index(fields=["organization", "source", "evidence_at"],
                         name="evidence_org_source_time"),
            # The API's evidence lists page by cursor on (evidence time or a running
            # experiment's start, id), newest first: without this index every page sorts all
            # of the organization's evidence of that source.
            models.Index(F("organization"), F("source"),
                         Coalesce("evidence_at", "started_at").desc(), F("id").desc(),
                         name="evidence_org_source_cursor"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=Source.values),
                                   name="evidence_source_valid"),
            models.CheckConstraint(
                condition=~Q(source__in=TIMED_BY_OCCURRENCE)
                | Q(occurred_at__isnull=False, started_at__isnull=True, concluded_at__isnull=True),
                name="evidence_occurrence_shape",
                violation_error_message="An interview or a sales call needs the date it took "
                "place, and no experiment dates."),
            models.CheckConstraint(
                condition=~Q(source=Source.EXPERIMENT)
                | Q(occurred_at__isnull=True, started_at__isnull=False),
                name="evidence_experiment_shape",
                violation_error_message="An experiment needs its start date."),
            models.CheckConstraint(
                condition=Q(concluded_at__isnull=True) | Q(concluded_at__gte=F("started_at")),
                name="evidence_concluded_after_started",
                violation_error_message="An experiment cannot conclude before it started."),
            models.CheckConstraint(
                condition=Q(concluded_at__isnull=True, result="")
                | Q(concluded_at__isnull=False, result__in=ExperimentResult.values),
                name="evidence_result_iff_concluded",
                violation_error_message="A concluded experiment needs a result, and a running "
                "one has none."),
            models.CheckConstraint(
                condition=Q(control_conversions__isnull=True)
                | Q(control_users__isnull=False, control_conversions__lte=F("control_users")),
                name="evidence_control_conversions_le_users",
                violation_error_message="Control conversions cannot exceed control users."),
            models.CheckConstraint(
                condition=Q(variant_conversions__isnull=True)
                | Q(variant_users__isnull=False, variant_conversions__lte=F("variant_users")),
                name="evidence_variant_conversions_le_users",
                violation_error_message="Variant conversions cannot exceed variant users."),
            models.CheckConstraint(
                condition=Q(deal_value__isnull=True) | Q(deal_value__gte=0),
                name="evidence_deal_value_not_negative",
                violation_error_message="A deal value cannot be negative."),
            models.UniqueConstraint(fields=["id", "organization"], name="evidence_id_org_unique"),
            instant_in_range_constraint("evidence", "occurred_at"),
            instant_in_range_constraint("evidence", "started_at"),
            instant_in_range_constraint("evidence", "concluded_at"),
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.source and self.SOURCE:
            self.source = self.SOURCE

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """A one-line name for lists and timelines."""
        if self.source == Source.INTERVIEW:
            who = self.interviewee or "Interview"
            return f"{who} ({self.company})" if self.company else who
        if self.source == Source.SALES_CALL:
            return f"{self.account} — {self.deal_stage}" if self.deal_stage else self.account
        return self.name

    @property
    def default_strength(self) -> str:
        return DEFAULT_STRENGTH[Source(self.source)]

    @property
    def is_running(self) -> bool:
        return self.source == Source.EXPERIMENT and self.concluded_at is None

    @property
    def stats(self) -> ConversionStats | None:
        """Conversion rates, lift and significance when all four counts are given."""
        return conversion_stats(self.control_users, self.control_conversions,
                                self.variant_users, self.variant_conversions)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        noun = self.get_source_display() if self.source else "Evidence"
        if self.source in TIMED_BY_OCCURRENCE:
            if self.occurred_at is None:
                errors.setdefault("occurred_at", []).append(f"Give the date of the {noun.lower()}.")
            check_not_in_future(errors, "occurred_at", self.occurred_at, f"The {noun.lower()}")
        if self.source == Source.SALES_CALL and not self.account.strip():
            errors.setdefault("account", []).append("Name the account the call was with.")
        if self.source == Source.EXPERIMENT:
            self._clean_experiment(errors)
        raise_if(errors)

    def _clean_experiment(self, errors: dict[str, list[str]]) -> None:
        if not self.name.strip():
            errors.setdefault("name", []).append("Name the experiment.")
        if self.started_at is None:
            errors.setdefault("started_at", []).append("Give the date the experiment started.")
        check_not_in_future(errors, "started_at", self.started_at, "The start")
        check_not_in_future(errors, "concluded_at", self.concluded_at, "The conclusion")
        if self.started_at and self.concluded_at and self.concluded_at < self.started_at:
            org = self.organization if self.organization_id else None
            errors.setdefault("concluded_at", []).append(
                f"An experiment cannot conclude ({local_time(self.concluded_at, org)}) before "
                f"it started ({local_time(self.started_at, org)}).")
        if self.concluded_at and not self.result:
            errors.setdefault("result", []).append(
                "A concluded experiment needs a result: win, loss or inconclusive.")
        if self.result and not self.concluded_at:
            errors.setdefault("concluded_at", []).append(
                "Give the date the experiment concluded, or clear its result while it runs.")
        for side in ("control", "variant"):
            users = getattr(self, f"{side}_users")
            conversions = getattr(self, f"{side}_conversions")
            if conversions is not None and users is None:
                errors.setdefault(f"{side}_users", []).append(
                    f"Give the {side} users the conversions are out of.")
            elif conversions is not None and users is not None and conversions > users:
                errors.setdefault(f"{side}_conversions", []).append(
                    f"Conversions ({conversions}) cannot exceed users ({users}).")


class Interview(Evidence):
    SOURCE = Source.INTERVIEW
    objects: ClassVar[EvidenceManager] = EvidenceManager(Source.INTERVIEW)

    class Meta:
        proxy = True


class SalesCall(Evidence):
    SOURCE = Source.SALES_CALL
    objects: ClassVar[EvidenceManager] = EvidenceManager(Source.SALES_CALL)

    class Meta:
        proxy = True
        verbose_name = "sales call"


class Experiment(Evidence):
    SOURCE = Source.EXPERIMENT
    objects: ClassVar[EvidenceManager] = EvidenceManager(Source.EXPERIMENT)

    class Meta:
        proxy = True


class EvidenceLink(models.Model):
    """Evidence bearing on a hypothesis, for, against or neither, with a strength."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    hypothesis = models.ForeignKey("validation.Hypothesis", on_delete=models.CASCADE,
                                   related_name="links")
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.SUPPORTS)
    strength = models.CharField(max_length=10, choices=Strength.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["hypothesis", "evidence"], name="link_hypothesis_evidence")]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "hypothesis"], name="link_unique_pair",
                                    violation_error_message="This evidence is already linked "
                                    "to that hypothesis."),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="link_stance_valid"),
            models.CheckConstraint(condition=Q(strength__in=Strength.values),
                                   name="link_strength_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.stance} {self.hypothesis_id} ({self.strength})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("evidence", "hypothesis"):
            target = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if target is not None and target.organization_id != self.organization_id:
                errors.setdefault(field, []).append(
                    f"This {field} belongs to another organization.")
        raise_if(errors)
