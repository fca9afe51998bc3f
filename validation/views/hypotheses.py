"""Hypotheses: list, detail with the evidence timeline, create, edit, decide, reopen, delete."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, F, When
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Membership, Role
from core.views.base import OrgRequest, apply_errors, org_view, paginate
from validation import selectors, services
from validation.csvio.formats import Kind
from validation.forms import ChoicesMixin, DecideForm, HypothesisForm, ReopenForm
from validation.metrics import stale_threshold
from validation.models import (
    Evidence,
    Hypothesis,
    HypothesisStatusChange,
    ProductArea,
    Source,
    Status,
)

from .base import csv_response

SORTS = {
    "recent": ("Newest first", [F("stated_at").desc(), F("id").desc()]),
    "age": ("Oldest first", [F("stated_at").asc(), F("id").asc()]),
    "idle": ("Most idle first", [F("idle_since").asc(), F("id").asc()]),
    "decided": ("Recently decided", [F("decided_at").desc(nulls_last=True), F("id").desc()]),
    "title": ("Title", [F("title").asc(), F("id").asc()]),
}
STATUS_FILTERS = [("", "Any status"), ("open", "Open"), ("decided", "Validated or invalidated"),
                  *[(s, label) for s, label in Status.choices if s != Status.OPEN]]


class HypothesisFilterForm(ChoicesMixin, forms.Form):
    q = forms.CharField(required=False, label="Search",
                        widget=forms.SearchInput(attrs={"placeholder": "Search titles"}))
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)
    area = forms.ChoiceField(required=False, label="Area")
    owner = forms.ChoiceField(required=False)
    stale = forms.BooleanField(required=False, label="Stale only")
    sort = forms.ChoiceField(required=False, label="Sort by",
                             choices=[(key, label) for key, (label, _) in SORTS.items()])

    def __init__(self, *args: Any, areas: list[str], owners: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("area").choices = [("", "All areas")] + [(a, a) for a in areas]
        self.choice_field("owner").choices = [("", "Anyone")] + owners


def _members(org: Any) -> list[Any]:
    return [m.user for m in Membership.objects.for_org(org).select_related("user")
            .order_by("user__first_name", "user__username")]


def _area_names(org: Any) -> list[str]:
    return list(ProductArea.objects.for_org(org).order_by("name").values_list("name", flat=True))


def _hypothesis(request: OrgRequest, pk: int) -> Hypothesis:
    return get_object_or_404(Hypothesis.objects.for_org(request.org)
                             .select_related("area", "owner"), pk=pk)


def _detail_url(request: OrgRequest, hypothesis: Hypothesis) -> str:
    return reverse("hypothesis-detail", args=[request.org.slug, hypothesis.pk])


# --- list ---------------------------------------------------------------------------------------
def _filtered(request: OrgRequest) -> tuple[HypothesisFilterForm, dict[str, Any], Any]:
    """The list's filter form, its clean data and the filtered, sorted queryset (the list
    and its CSV export show the same rows)."""
    org = request.org
    members = _members(org)
    owners = [(m.get_username(), m.get_full_name() or m.get_username()) for m in members]
    filters = HypothesisFilterForm(request.GET, areas=_area_names(org), owners=owners)
    data = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.hypothesis_list(org, selectors.HypothesisFilters(
        q=data.get("q") or None, status=data.get("status") or None,
        area=data.get("area") or None, owner=data.get("owner") or None,
        stale=True if data.get("stale") else None))
    sort = data.get("sort") or "recent"
    return filters, data, queryset.order_by(*SORTS[sort][1])


@org_view()
@require_GET
def hypothesis_list(request: OrgRequest) -> HttpResponse:
    filters, data, queryset = _filtered(request)
    page = paginate(request, queryset)
    now = timezone.now()
    rows = [{"hypothesis": h, "age": h.age(now),
             "idle": h.idle(now) if h.status == Status.OPEN else None, "stale": h.stale}
            for h in page.object_list]
    context = {"section": "hypotheses", "filters": filters, "page": page, "rows": rows,
               "sort": data.get("sort") or "recent",
               "filtered": any(v for k, v in data.items() if k != "sort")}
    template = ("validation/hypotheses/_results.html" if request.htmx
                else "validation/hypotheses/list.html")
    return render(request, template, context)


@org_view()
@require_GET
def hypothesis_export(request: OrgRequest) -> StreamingHttpResponse:
    """The list's rows, filtered and sorted as on the page, as CSV (with derived metrics)."""
    _, _, queryset = _filtered(request)
    return csv_response(Kind.HYPOTHESES, queryset, f"{request.org.slug}-hypotheses")


# --- detail -------------------------------------------------------------------------------------
@org_view()
@require_GET
def hypothesis_detail(request: OrgRequest, pk: int) -> HttpResponse:
    hypothesis = _hypothesis(request, pk)
    now = timezone.now()
    timeline = (Evidence.objects.for_org(request.org).filter(links__hypothesis=hypothesis)
                .annotate(stance=F("links__stance"), strength=F("links__strength"),
                          is_prior=Case(When(evidence_at__lt=hypothesis.stated_at, then=True),
                                        default=False, output_field=BooleanField()))
                .timeline())
    history = (HypothesisStatusChange.objects.filter(hypothesis=hypothesis)
               .select_related("changed_by").order_by("changed_at", "id"))
    firsts = [{"source": source, "label": label, "days": hypothesis.time_to_first(source)}
              for source, label in Source.choices]
    context = {
        "section": "hypotheses", "hypothesis": hypothesis, "timeline": timeline,
        "history": history, "firsts": firsts,
        "age": hypothesis.age(now),
        "idle": hypothesis.idle(now) if hypothesis.status == Status.OPEN else None,
        "stale": hypothesis.is_stale(stale_threshold(request.org), now),
        "decide_form": DecideForm() if hypothesis.status == Status.OPEN else None,
        "reopen_form": ReopenForm() if hypothesis.status != Status.OPEN else None,
    }
    return render(request, "validation/hypotheses/detail.html", context)


# --- create and edit ------------------------------------------------------------------------------
def _save_hypothesis(request: OrgRequest, form: HypothesisForm,
                     hypothesis: Hypothesis | None) -> Hypothesis | None:
    """Create or update through the services; on a rule's error, show it and save nothing."""
    fields = form.service_fields()
    try:
        if hypothesis is None:
            return services.hypothesis_create(organization=request.org, user=request.user,
                                              **fields)
        if fields["stated_at"] is None:
            fields["stated_at"] = hypothesis.stated_at
        return services.hypothesis_update(hypothesis=hypothesis, **fields)
    except ValidationError as error:
        # Moving the statement after the decision is reported on the decision date.
        apply_errors(form, error, aliases={"decided_at": "stated_at", "name": "area"})
        return None


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def hypothesis_create(request: OrgRequest) -> HttpResponse:
    members = _members(request.org)
    kwargs = {"members": members, "area_names": _area_names(request.org)}
    if request.method == "POST":
        form = HypothesisForm(request.POST, **kwargs)
        if form.is_valid() and (hypothesis := _save_hypothesis(request, form, None)):
            messages.success(request, f"Hypothesis “{hypothesis.title}” stated. Log the first "
                                      "evidence when you have it.")
            return redirect(_detail_url(request, hypothesis))
    else:
        form = HypothesisForm(initial={"owner": request.user.pk}, **kwargs)
    return render(request, "validation/hypotheses/form.html",
                  {"section": "hypotheses", "form": form, "hypothesis": None})


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def hypothesis_edit(request: OrgRequest, pk: int) -> HttpResponse:
    hypothesis = _hypothesis(request, pk)
    kwargs = {"members": _members(request.org), "area_names": _area_names(request.org)}
    if request.method == "POST":
        form = HypothesisForm(request.POST, **kwargs)
        if form.is_valid() and _save_hypothesis(request, form, hypothesis):
            messages.success(request, "Hypothesis saved.")
            return redirect(_detail_url(request, hypothesis))
    else:
        form = HypothesisForm(initial={
            "title": hypothesis.title, "statement": hypothesis.statement,
            "success_criteria": hypothesis.success_criteria,
            "area": hypothesis.area.name if hypothesis.area else "",
            "owner": hypothesis.owner_id, "stated_at": hypothesis.stated_at,
        }, **kwargs)
    return render(request, "validation/hypotheses/form.html",
                  {"section": "hypotheses", "form": form, "hypothesis": hypothesis})


# --- decide, reopen, delete ---------------------------------------------------------------------
@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def hypothesis_decide(request: OrgRequest, pk: int) -> HttpResponse:
    hypothesis = _hypothesis(request, pk)
    if hypothesis.status != Status.OPEN:
        messages.info(request, f"This hypothesis is already {hypothesis.get_status_display().lower()}"
                               ": reopen it before deciding again.")
        return redirect(_detail_url(request, hypothesis))
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hypothesis_decide(hypothesis=hypothesis, user=request.user,
                                       status=form.cleaned_data["status"],
                                       decided_at=form.cleaned_data["decided_at"],
                                       note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            hypothesis.refresh_from_db()
            messages.success(request, f"Marked {hypothesis.get_status_display().lower()}.")
            return redirect(_detail_url(request, hypothesis))
    return render(request, "validation/hypotheses/decide.html",
                  {"section": "hypotheses", "hypothesis": hypothesis, "form": form})


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def hypothesis_reopen(request: OrgRequest, pk: int) -> HttpResponse:
    hypothesis = _hypothesis(request, pk)
    if hypothesis.status == Status.OPEN:
        messages.info(request, "This hypothesis is already open.")
        return redirect(_detail_url(request, hypothesis))
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hypothesis_reopen(hypothesis=hypothesis, user=request.user,
                                       note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Reopened. Its earlier decision stays in the history.")
            return redirect(_detail_url(request, hypothesis))
    return render(request, "validation/hypotheses/reopen.html",
                  {"section": "hypotheses", "hypothesis": hypothesis, "form": form})


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def hypothesis_delete(request: OrgRequest, pk: int) -> HttpResponse:
    hypothesis = _hypothesis(request, pk)
    if request.method == "POST":
        title = hypothesis.title
        services.hypothesis_delete(hypothesis=hypothesis)
        messages.success(request, f"Deleted “{title}”. Its evidence stays in the logs.")
        return redirect("hypothesis-list", slug=request.org.slug)
    links = hypothesis.links.count()
    return render(request, "validation/hypotheses/delete.html",
                  {"section": "hypotheses", "hypothesis": hypothesis, "links": links})

