"""Evidence — interviews, sales calls and experiments — listed, logged, edited and deleted.

One set of views serves the three sources; the URLs pass `source`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Role
from core.views.base import OrgRequest, apply_errors, org_view, paginate, safe_next
from validation import services
from validation.csvio.formats import Kind
from validation.forms import (
    EVIDENCE_FORMS,
    DateRangeForm,
    EvidenceForm,
    evidence_initial,
    link_formset,
)
from validation.metrics import window_for_dates
from validation.models import (
    DEFAULT_STRENGTH,
    EvidenceLink,
    ExperimentResult,
    Hypothesis,
    Source,
    Stance,
)
from validation.services import PROXY_BY_SOURCE

from .base import csv_response

EXPORT_KIND = {Source.INTERVIEW: Kind.INTERVIEWS, Source.SALES_CALL: Kind.SALES_CALLS,
               Source.EXPERIMENT: Kind.EXPERIMENTS}


@dataclass(frozen=True)
class SourceInfo:
    """Names of one source, as the pages and URLs use them."""

    source: str
    url: str  # prefix of the URL names: interview-list, interview-create, …
    noun: str
    article: str
    plural: str
    search_fields: tuple[str, ...]
    intro: str


SOURCES = {
    Source.INTERVIEW: SourceInfo(
        Source.INTERVIEW, "interview", "interview", "an", "Interviews",
        ("interviewee", "company", "segment", "notes", "quotes"),
        "What users say, in their words. Log one right after the call, while it is fresh."),
    Source.SALES_CALL: SourceInfo(
        Source.SALES_CALL, "sales-call", "sales call", "a", "Sales calls",
        ("account", "deal_stage", "feedback", "objections"),
        "What prospects ask for and object to, straight from the pipeline."),
    Source.EXPERIMENT: SourceInfo(
        Source.EXPERIMENT, "experiment", "experiment", "an", "Experiments",
        ("name", "metric"),
        "What people do: A/B tests, rollouts, fake doors, pricing tests, prototypes. A running "
        "experiment becomes evidence when it concludes."),
}
STATES = [("", "Any state"), ("running", "Running"),
          *[(value, label) for value, label in ExperimentResult.choices]]


class EvidenceFilterForm(DateRangeForm):
    q = forms.CharField(required=False, label="Search",
                        widget=forms.SearchInput(attrs={"placeholder": "Search"}))
    hypothesis = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                        label="Linked to")
    state = forms.ChoiceField(required=False, choices=STATES, label="State")

    def __init__(self, *args: Any, source: str, hypotheses: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("hypothesis").choices = [("", "Any hypothesis"), *hypotheses]
        if source != Source.EXPERIMENT:
            del self.fields["state"]


def _hypotheses(request: OrgRequest) -> list[Hypothesis]:
    return list(Hypothesis.objects.for_org(request.org).only("id", "title", "status")
                .order_by("title"))


def _evidence(request: OrgRequest, source: str, pk: int) -> Any:
    return get_object_or_404(PROXY_BY_SOURCE[Source(source)].objects.for_org(request.org), pk=pk)


def _links() -> Prefetch:
    return Prefetch("links", queryset=EvidenceLink.objects.select_related("hypothesis")
                    .order_by("id"))


# --- list ---------------------------------------------------------------------------------------
def _filtered(request: OrgRequest, source: str) -> tuple[EvidenceFilterForm, dict[str, Any], Any]:
    """The list's filter form, its clean data and the filtered queryset, newest first (the
    list and its CSV export show the same rows)."""
    info = SOURCES[Source(source)]
    hypotheses = [(h.pk, h.title) for h in _hypotheses(request)]
    filters = EvidenceFilterForm(request.GET, source=source, hypotheses=hypotheses)
    data = filters.cleaned_data if filters.is_valid() else {}
    queryset = PROXY_BY_SOURCE[Source(source)].objects.for_org(request.org)
    if data.get("q"):
        query = Q()
        for field in info.search_fields:
            query |= Q(**{f"{field}__icontains": data["q"]})
        queryset = queryset.filter(query)
    if data.get("hypothesis"):
        queryset = queryset.filter(links__hypothesis_id=data["hypothesis"])
    if data.get("from") or data.get("to"):
        window = window_for_dates(request.org, data.get("from"), data.get("to"))
        # A running experiment is dated by its start.
        queryset = queryset.filter(window.filter("evidence_at")
                                   | (Q(evidence_at__isnull=True) & window.filter("started_at")))
    state = data.get("state")
    if state == "running":
        queryset = queryset.filter(concluded_at__isnull=True)
    elif state:
        queryset = queryset.filter(result=state)
    queryset = queryset.order_by(F("evidence_at").desc(nulls_first=True),
                                 F("started_at").desc(nulls_last=True), "-id")
    return filters, data, queryset


@org_view()
@require_GET
def evidence_list(request: OrgRequest, source: str) -> HttpResponse:
    info = SOURCES[Source(source)]
    filters, data, queryset = _filtered(request, source)
    page = paginate(request, queryset.prefetch_related(_links()))
    context = {"section": info.url, "info": info, "filters": filters, "page": page,
               "filtered": any(data.values())}
    template = ("validation/evidence/_results.html" if request.htmx
                else "validation/evidence/list.html")
    return render(request, template, context)


@org_view()
@require_GET
def evidence_export(request: OrgRequest, source: str) -> StreamingHttpResponse:
    """The list's rows, filtered as on the page, as CSV in the import format."""
    _, _, queryset = _filtered(request, source)
    kind = EXPORT_KIND[Source(source)]
    return csv_response(kind, queryset, f"{request.org.slug}-{kind.replace('_', '-')}")


@org_view()
@require_GET
def evidence_detail(request: OrgRequest, source: str, pk: int) -> HttpResponse:
    info = SOURCES[Source(source)]
    evidence = get_object_or_404(PROXY_BY_SOURCE[Source(source)].objects.for_org(request.org)
                                 .select_related("created_by").prefetch_related(_links()), pk=pk)
    return render(request, "validation/evidence/detail.html",
                  {"section": info.url, "info": info, "evidence": evidence})


# --- log and edit -------------------------------------------------------------------------------
def _save(request: OrgRequest, source: str, form: EvidenceForm, links: Any,
          hypotheses: list[Hypothesis], evidence: Any | None) -> Any | None:
    """Log or update through the services; on a rule's error, show it and save nothing."""
    by_id = {h.pk: h for h in hypotheses}
    specs = links.link_specs(by_id)
    try:
        if evidence is None:
            return services.evidence_log(organization=request.org, user=request.user,
                                         source=source, links=specs, **form.service_fields())
        return services.evidence_update(evidence=evidence, links=specs, **form.service_fields())
    except ValidationError as error:
        # Link errors the formset could not catch (it already limits the choices to this
        # organization's hypotheses and refuses duplicates) show at the top of the form.
        apply_errors(form, error)
        return None


def _success(info: SourceInfo, evidence: Any, verb: str) -> str:
    count = evidence.links.count()
    linked = {0: "not linked to a hypothesis yet", 1: "linked to 1 hypothesis"}.get(
        count, f"linked to {count} hypotheses")
    return f"{info.noun.capitalize()} {verb}, {linked}."


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def evidence_create(request: OrgRequest, source: str) -> HttpResponse:
    info = SOURCES[Source(source)]
    form_class = EVIDENCE_FORMS[source]
    hypotheses = _hypotheses(request)
    list_url = reverse(f"{info.url}-list", args=[request.org.slug])
    if request.method == "POST":
        form = form_class(request.POST)
        links = link_formset(source=source, hypotheses=hypotheses, data=request.POST)
        # `&`, not `and`: validate both, so that every error shows at once.
        if (form.is_valid() & links.is_valid()) and (
                evidence := _save(request, source, form, links, hypotheses, None)):
            messages.success(request, _success(info, evidence, "logged"))
            if "another" in request.POST:
                query = {k: request.GET[k] for k in ("hypothesis", "next") if k in request.GET}
                url = reverse(f"{info.url}-create", args=[request.org.slug])
                return redirect(f"{url}?{urlencode(query)}" if query else url)
            return redirect(safe_next(request, list_url))
    else:
        initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
        form = form_class(initial=initial)
        preset = request.GET.get("hypothesis", "")
        chosen = [h for h in hypotheses if preset.isdigit() and h.pk == int(preset)]
        links = link_formset(source=source, hypotheses=hypotheses, initial=[
            {"hypothesis": h.pk, "stance": Stance.SUPPORTS,
             "strength": DEFAULT_STRENGTH[Source(source)]} for h in chosen])
    return render(request, "validation/evidence/form.html", {
        "section": info.url, "info": info, "form": form, "links": links, "evidence": None,
        "cancel_url": safe_next(request, list_url), "has_hypotheses": bool(hypotheses)})


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def evidence_edit(request: OrgRequest, source: str, pk: int) -> HttpResponse:
    info = SOURCES[Source(source)]
    form_class = EVIDENCE_FORMS[source]
    evidence = _evidence(request, source, pk)
    hypotheses = _hypotheses(request)
    detail_url = reverse(f"{info.url}-detail", args=[request.org.slug, evidence.pk])
    if request.method == "POST":
        form = form_class(request.POST)
        links = link_formset(source=source, hypotheses=hypotheses, data=request.POST)
        if (form.is_valid() & links.is_valid()) and (
                saved := _save(request, source, form, links, hypotheses, evidence)):
            messages.success(request, _success(info, saved, "saved"))
            return redirect(safe_next(request, detail_url))
    else:
        form = form_class(initial=evidence_initial(evidence, form_class))
        links = link_formset(source=source, hypotheses=hypotheses, initial=[
            {"hypothesis": link.hypothesis_id, "stance": link.stance, "strength": link.strength}
            for link in evidence.links.order_by("id")])
    return render(request, "validation/evidence/form.html", {
        "section": info.url, "info": info, "form": form, "links": links, "evidence": evidence,
        "cancel_url": safe_next(request, detail_url), "has_hypotheses": bool(hypotheses)})


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def evidence_delete(request: OrgRequest, source: str, pk: int) -> HttpResponse:
    info = SOURCES[Source(source)]
    evidence = _evidence(request, source, pk)
    if request.method == "POST":
        title = evidence.title
        services.evidence_delete(evidence=evidence)
        messages.success(request, f"Deleted the {info.noun} “{title}”.")
        return redirect(safe_next(request, reverse(f"{info.url}-list", args=[request.org.slug])))
    return render(request, "validation/evidence/delete.html", {
        "section": info.url, "info": info, "evidence": evidence,
        "links": evidence.links.select_related("hypothesis").order_by("id")})
