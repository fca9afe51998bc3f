"""CSV import (upload, then a progress page fed by the background task) and templates."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Role
from core.views.base import OrgRequest, org_view, settings_nav
from validation.csvio.exporter import template_lines
from validation.csvio.formats import COLUMNS, Kind
from validation.csvio.reader import CsvFileError, check_size
from validation.csvio.services import import_start
from validation.models.imports import ImportJob


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, label="What the file holds")
    file = forms.FileField(label="CSV file", help_text=(
        f"UTF-8, comma-separated, with a header row; up to "
        f"{settings.IMPORT_MAX_BYTES // 1_048_576} MB."))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size, max_bytes=settings.IMPORT_MAX_BYTES)
        except CsvFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


@org_view(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def import_new(request: OrgRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None,
                      initial={"kind": request.GET.get("kind", Kind.INTERVIEWS)})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_start(organization=request.org, user=request.user,
                               kind=form.cleaned_data["kind"], filename=upload.name,
                               data=upload)
        except CsvFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("import-detail", slug=request.org.slug, pk=job.pk)
    recent = ImportJob.objects.for_org(request.org).select_related("created_by")[:10]
    return render(request, "validation/imports/new.html", {
        "section": "settings", "form": form, "formats": [(kind, COLUMNS[kind]) for kind in Kind],
        "recent": recent, "settings_nav": settings_nav(request), "settings_page": "import-new"})


@org_view(Role.MEMBER)
@require_GET
def import_detail(request: OrgRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.for_org(request.org), pk=pk)
    context = {"section": "settings", "job": job, "settings_nav": settings_nav(request),
               "settings_page": "import-new"}
    if request.htmx:  # the progress fragment, polled until the import has finished
        return render(request, "validation/imports/_progress.html", context)
    return render(request, "validation/imports/detail.html", context)


@org_view(Role.VIEWER)
@require_GET
def import_template(request: OrgRequest, kind: str) -> HttpResponseBase:
    if kind not in Kind.values:
        return redirect("import-new", slug=request.org.slug)
    response = StreamingHttpResponse(template_lines(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="proofloop-{kind}-template.csv"'
    return response
