"""Query-string filters of the lists (django-filter). Dates are local dates in the
organization's time zone, both bounds included, as everywhere in Proofloop."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as df
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.request import Request

from core.models import Organization
from validation.metrics import window_for_dates
from validation.models import ExperimentKind, ExperimentResult, Status
from validation.selectors import HypothesisFilters, hypothesis_list

from .serializers.fields import MAX_DATE, MIN_DATE

MAX_ID = 2**63 - 1


class OrgFilterBackend(DjangoFilterBackend):
    """django-filter, given the view's organization (for its time zone and stale threshold),
    on lists only: a retrieve by id ignores the query string."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet[Any], view: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view),
                "organization": view.organization}

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


class BoundedDateField(forms.DateField):
    """An ISO date (YYYY-MM-DD) only: 03/01/2026 means different days to different people."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["input_formats"] = ["%Y-%m-%d"]
        super().__init__(**kwargs)

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise forms.ValidationError(f"Give a date between {MIN_DATE} and {MAX_DATE}.")


@extend_schema_field(OpenApiTypes.DATE)
class LocalDateFilter(df.DateFilter):
    """A local date; `bound` says whether it starts or ends the range (both included)."""

    field_class = BoundedDateField

    def __init__(self, *, field_name: str, bound: str, **kwargs: Any) -> None:
        super().__init__(field_name=field_name, method=self.filter_bound, **kwargs)
        self.bound = bound

    def filter_bound(self, queryset: QuerySet[Any], name: str, value: date | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        org = self.parent.organization
        window = (window_for_dates(org, value, None) if self.bound == "from"
                  else window_for_dates(org, None, value))
        return queryset.filter(window.filter(self.field_name))


class StrictBooleanField(forms.Field):
    """`true` or `false` (any case); anything else is an error rather than ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered not in ("true", "false"):
            raise forms.ValidationError("Give true or false.")
        return lowered == "true"


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(df.Filter):
    field_class = StrictBooleanField


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(df.NumberFilter):
    field_class = IdField


class OrgFilterSet(df.FilterSet):
    """A FilterSet that knows the organization. Attributes ending in `_` are published
    without it (`from_` is the `from` parameter: `from` is a Python keyword)."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    @classmethod
    def get_filters(cls) -> dict[str, Any]:
        return {name.rstrip("_"): value for name, value in super().get_filters().items()}


class HypothesisFilterSet(OrgFilterSet):
    status = df.ChoiceFilter(choices=Status.choices)
    area = df.CharFilter(field_name="area__name", lookup_expr="iexact", max_length=60,
                         help_text="Product area name (case-insensitive).")
    owner = df.CharFilter(field_name="owner__username", max_length=150,
                          help_text="Username of the hypothesis's owner.")
    stale = BooleanFilter(help_text=(
        "true: open hypotheses with no counted evidence for longer than the organization's "
        "stale threshold; false: all the others."))
    stated_from = LocalDateFilter(field_name="stated_at", bound="from",
                                  help_text="Stated on or after this local date.")
    stated_to = LocalDateFilter(field_name="stated_at", bound="to",
                                help_text="Stated on or before this local date.")
    decided_from = LocalDateFilter(field_name="decided_at", bound="from",
                                   help_text="Decided on or after this local date.")
    decided_to = LocalDateFilter(field_name="decided_at", bound="to",
                                 help_text="Decided on or before this local date.")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The filters validated here, applied by the one selector of hypothesis lists."""
        data = self.form.cleaned_data
        return hypothesis_list(self.organization, HypothesisFilters(
            status=data.get("status") or None, area=data.get("area") or None,
            owner=data.get("owner") or None, stale=data.get("stale"),
            stated_from=data.get("stated_from"), stated_to=data.get("stated_to"),
            decided_from=data.get("decided_from"), decided_to=data.get("decided_to")),
            queryset=queryset)


class EvidenceFilterSet(OrgFilterSet):
    from_ = LocalDateFilter(field_name="evidence_at", bound="from",
                            help_text="Evidence time on or after this local date.")
    to = LocalDateFilter(field_name="evidence_at", bound="to",
                         help_text="Evidence time on or before this local date.")
    hypothesis = IdFilter(method="filter_hypothesis",
                          help_text="Only evidence linked to this hypothesis (its id).")

    def filter_hypothesis(self, queryset: QuerySet[Any], name: str, value: int | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(links__hypothesis_id=value)


class InterviewFilterSet(EvidenceFilterSet):
    segment = df.CharFilter(lookup_expr="iexact", max_length=80)
    company = df.CharFilter(lookup_expr="iexact", max_length=120)


class SalesCallFilterSet(EvidenceFilterSet):
    account = df.CharFilter(lookup_expr="iexact", max_length=120)
    deal_stage = df.CharFilter(lookup_expr="iexact", max_length=60)


class ExperimentFilterSet(EvidenceFilterSet):
    result = df.ChoiceFilter(choices=ExperimentResult.choices)
    kind = df.ChoiceFilter(choices=ExperimentKind.choices)
    running = BooleanFilter(field_name="concluded_at", lookup_expr="isnull",
                           help_text="true: experiments not concluded yet.")

