"""Reads that more than one surface needs. The hypotheses list page, its CSV export and the
API's list all filter through hypothesis_list(), so a filter means the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import Organization

from .metrics import stale_threshold, window_for_dates
from .models import Hypothesis
from .models.hypotheses import HypothesisQuerySet

DECIDED = "decided"  # a status filter: validated or invalidated


@dataclass(frozen=True)
class HypothesisFilters:
    """Which hypotheses a list shows; None (or empty) leaves a criterion out.

    `status` is a status or "decided"; `area` a product area's name and `owner` a username
    (both any case for the area, exact for the owner); `stale` True keeps the stale ones and
    False the others; `q` looks in titles; the dates are local dates of the organization, both
    included.
    """

    status: str | None = None
    area: str | None = None
    owner: str | None = None
    stale: bool | None = None
    q: str | None = None
    stated_from: date | None = None
    stated_to: date | None = None
    decided_from: date | None = None
    decided_to: date | None = None


def hypothesis_list(org: Organization, filters: HypothesisFilters = HypothesisFilters(), *,
                    now: datetime | None = None,
                    queryset: QuerySet[Hypothesis] | None = None) -> HypothesisQuerySet:
    """The organization's hypotheses that match `filters` (of `queryset`, when given), with
    `idle_since` and `stale` annotated and area and owner joined; unordered. One query when
    evaluated."""
    threshold = stale_threshold(org)
    base = queryset if queryset is not None else Hypothesis.objects.for_org(org)
    hypotheses = (cast(HypothesisQuerySet, base).select_related("area", "owner")
                  .with_stale(threshold=threshold, now=now or timezone.now()))
    if filters.q:
        hypotheses = hypotheses.filter(title__icontains=filters.q)
    if filters.status == DECIDED:
        hypotheses = hypotheses.decided()
    elif filters.status:
        hypotheses = hypotheses.filter(status=filters.status)
    if filters.area:
        hypotheses = hypotheses.filter(area__name__iexact=filters.area)
    if filters.owner:
        hypotheses = hypotheses.filter(owner__username=filters.owner)
    if filters.stale is not None:
        hypotheses = hypotheses.filter(Q(stale=filters.stale))  # with_stale()'s annotation
    for field, start, end in (("stated_at", filters.stated_from, filters.stated_to),
                              ("decided_at", filters.decided_from, filters.decided_to)):
        if start or end:
            hypotheses = hypotheses.filter(window_for_dates(org, start, end).filter(field))
    return hypotheses
