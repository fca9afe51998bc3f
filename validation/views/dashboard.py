"""The leadership dashboard: headline figures and the velocity charts of one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from core.models import Organization
from core.views.base import OrgRequest, org_view
from validation import charts, metrics
from validation.forms import DateRangeForm
from validation.metrics import Window, local_midnight
from validation.models import Hypothesis, ProductArea
from validation.templatetags.proofloop import stale_days

DEFAULT_WEEKS = 12
PRESET_WEEKS = (4, 12, 26, 52)
# The aging chart draws the oldest open hypotheses, one row each; the list has the rest.
AGING_LIMIT = 30


class DashboardFilterForm(DateRangeForm):
    area = forms.ChoiceField(required=False, label="Product area")

    def __init__(self, *args: Any, areas: list[str], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.choice_field("area").choices = [("", "All areas")] + [(name, name) for name in areas]
        self.fields["from"].widget.attrs["max"] = today.isoformat()
        self.fields["to"].widget.attrs["max"] = today.isoformat()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from") and data["from"] > self.today:
            self.add_error("from", "The range cannot start in the future.")
        return data


def preset_start(today: date, weeks: int) -> date:
    """The first local day of the `weeks`-week range that ends today."""
    return today - timedelta(days=7 * weeks - 1)


def dashboard_window(org: Organization, date_from: date | None, date_to: date | None,
                     now: datetime) -> Window:
    """The instants the dashboard covers: from the start of `date_from` (default: 12 weeks
    back) to the end of `date_to` or now, whichever comes first."""
    today = timezone.localtime(now, org.tz).date()
    end = min(local_midnight(org, date_to + timedelta(days=1)), now) if date_to else now
    start_day = date_from or preset_start(date_to or today, DEFAULT_WEEKS)
    return Window(local_midnight(org, start_day), end)


@dataclass(frozen=True)
class Chart:
    """One chart card; `figure` is None when there is nothing to draw yet."""

    id: str
    title: str
    description: str
    figure: dict[str, Any] | None
    empty: str
    label: str
    wide: bool = False
    more: tuple[str, str] | None = None  # (url, link text) to the rest of what it shows


@org_view()
@require_GET
def dashboard(request: OrgRequest) -> HttpResponse:
    org = request.org
    now = timezone.now()
    today = timezone.localdate(now)
    areas = list(ProductArea.objects.for_org(org).order_by("name").values_list("name", flat=True))
    filters = DashboardFilterForm(request.GET, areas=areas, today=today)
    data = filters.cleaned_data if filters.is_valid() else {}
    area = data.get("area") or None
    window = dashboard_window(org, data.get("from"), data.get("to"), now)
    assert window.start is not None and window.end is not None
    context: dict[str, Any] = {
        "section": "dashboard", "filters": filters, "area": area, "window": window,
        "window_end_day": timezone.localtime(window.end - timedelta(microseconds=1)).date(),
        "presets": _presets(request, today, data),
    }
    if not Hypothesis.objects.for_org(org).exists():
        return render(request, "validation/dashboard.html", {**context, "first_run": True})

    # One reverse() per page, not per dot: the aging chart alone may have a thousand.
    detail_url = reverse("hypothesis-detail", args=[org.slug, 0])
    prefix, suffix = detail_url.rsplit("/0/", 1)

    def link(pk: int) -> str:
        return f"{prefix}/{pk}/{suffix}"

    comparison = metrics.window_comparison(org, window=window, area=area)
    current = comparison["current"]
    weeks = metrics.velocity_in_window(org, window=window, area=area)
    decided = metrics.decisions(org, window=window, area=area)
    counts = metrics.open_counts(org, area=area, now=now)
    aging = metrics.aging_open_hypotheses(org, area=area, now=now, limit=AGING_LIMIT)
    trend = metrics.velocity_trend(org, area=area, end=window.end)
    has_evidence = any(sum(week["evidence"].values()) for week in weeks)
    has_decisions = any(week["decided"] + week["abandoned"] for week in weeks)
    ttfe = current["time_to_first_evidence"]
    chart_list = [
        Chart("cycle-time", "Cycle time per decision",
              "Each dot is a hypothesis validated or invalidated in this range: days from "
              "statement to decision. Click a dot to open it.",
              charts.as_data(charts.cycle_time_scatter(
                  decided, current, tz=org.tz, link=link, span=(window.start, window.end)))
              if current["count"] else None,
              "No hypothesis was validated or invalidated in this range. Decide one and its "
              "cycle time appears here.",
              "Scatterplot of cycle time against decision date", wide=True),
        Chart("throughput", "Decisions per week",
              "Validated and invalidated stacked (the throughput); abandoned beside them.",
              charts.as_data(charts.throughput_by_week(weeks)) if has_decisions else None,
              "No decisions in this range yet.", "Bar chart of decisions per week"),
        Chart("evidence-mix", "Evidence per week by source",
              "Interviews, sales calls and concluded experiments, by evidence time.",
              charts.as_data(charts.evidence_mix_by_week(weeks)) if has_evidence else None,
              "No evidence in this range. Log an interview, a sales call or an experiment.",
              "Stacked bar chart of evidence per week by source"),
        Chart("aging", "Aging open hypotheses",
              f"{_aging_population(counts['open'])} against the cycle-time percentiles of this "
              f"range; diamonds are stale (no new evidence for over {stale_days(org)} "
              "days).",
              charts.as_data(charts.aging_open_hypotheses(
                  aging, current, stale_days=stale_days(org), link=link))
              if aging else None,
              "No open hypotheses. State the next belief worth testing.",
              "Dot plot of the age of each open hypothesis", wide=True,
              more=_all_open_link(org, area, counts["open"])),
        Chart("ttfe", "Time to first evidence",
              "Median (p50) and p85 days from statement to the first counted evidence, for "
              "the hypotheses decided in this range.",
              charts.as_data(charts.time_to_first_evidence(ttfe)) if ttfe["count"] else None,
              "None of the hypotheses decided in this range had counted evidence.",
              "Bar chart of days to first evidence by source"),
        Chart("trend", "Velocity trend",
              "The last 4 weeks of the range against the 4 before.",
              charts.as_data(charts.velocity_trend(trend))
              if trend["current"]["decided"] or trend["previous"]["decided"] else None,
              "No decisions in the last 8 weeks of this range.",
              "Bar charts comparing throughput and p50 cycle time, last 4 weeks against the 4 "
              "before"),
    ]
    context.update({
        "comparison": comparison, "current": current, "previous": comparison["previous"],
        "changes": comparison["changes"], "counts": counts,
        "trend": trend, "charts": chart_list,
    })
    return render(request, "validation/dashboard.html", context)


def _aging_population(open_count: int) -> str:
    if open_count > AGING_LIMIT:
        return f"Age of the {AGING_LIMIT} oldest of {intcomma(open_count)} open hypotheses"
    return "Age of each open hypothesis"


def _all_open_link(org: Organization, area: str | None,
                   open_count: int) -> tuple[str, str] | None:
    """The hypotheses list, open ones oldest first, when the chart shows only some of them."""
    if open_count <= AGING_LIMIT:
        return None
    query = urlencode({"status": "open", "sort": "age", **({"area": area} if area else {})})
    url = f"{reverse('hypothesis-list', args=[org.slug])}?{query}"
    return url, f"All {intcomma(open_count)} open hypotheses, oldest first"


def _presets(request: OrgRequest, today: date, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Links to the common ranges ending today, keeping the area."""
    chosen = (data.get("from"), data.get("to"))
    presets = []
    for weeks in PRESET_WEEKS:
        start = preset_start(today, weeks)
        query = request.GET.copy()
        query["from"], query["to"] = start.isoformat(), today.isoformat()
        active = chosen == (start, today) or (weeks == DEFAULT_WEEKS and chosen == (None, None))
        presets.append({"label": f"{weeks} weeks", "query": query.urlencode(), "active": active})
    return presets
