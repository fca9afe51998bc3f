"""The organization's settings page, for admins: name, time zone, stale threshold, digest
schedule."""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import OrganizationSettingsForm
from ..models import Role
from .base import OrgRequest, apply_errors, org_view, settings_nav


@org_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def org_settings(request: OrgRequest) -> HttpResponse:
    # A copy: the form writes what it was sent into its instance, even when that is invalid,
    # and the page around the form must keep showing the organization as stored.
    form = OrganizationSettingsForm(request.POST or None, instance=copy(request.org))
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=request.org,
                **{name: form.cleaned_data[name] for name in OrganizationSettingsForm.Meta.fields})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Organization settings saved.")
            return redirect("org-settings", slug=request.org.slug)
    return render(request, "settings/organization.html", {
        "section": "settings", "form": form, "settings_nav": settings_nav(request),
        "settings_page": "org-settings"})
