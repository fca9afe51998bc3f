"""Organization settings, for admins. The settings sub-navigation lists the pages of this
area; pages added later (members, invitations, import, digest preview) join SETTINGS_NAV."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import services as core_services
from core.models import Role
from validation.forms import OrganizationSettingsForm

from .base import OrgRequest, apply_errors, org_view


@dataclass(frozen=True)
class SettingsPage:
    """An entry of the settings sub-navigation: a URL name taking the organization's slug."""

    url_name: str
    label: str
    role: str = Role.ADMIN


# Add a page here to list it in the settings sub-navigation (templates/settings/_nav.html).
SETTINGS_NAV: list[SettingsPage] = [
    SettingsPage("org-settings", "Organization"),
    SettingsPage("org-members", "Members"),
    SettingsPage("digest-preview", "Weekly digest"),
    SettingsPage("import-new", "Import CSV", Role.MEMBER),
]


def settings_nav(request: OrgRequest) -> list[SettingsPage]:
    """The settings pages the member's role may open."""
    return [page for page in SETTINGS_NAV if request.membership.has_role(page.role)]


@org_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def org_settings(request: OrgRequest) -> HttpResponse:
    # A copy: the form writes what it was sent into its instance, even when that is invalid,
    # and the page around the form must keep showing the organization as stored.
    form = OrganizationSettingsForm(request.POST or None, instance=copy(request.org))
    if request.method == "POST" and form.is_valid():
        try:
            core_services.organization_update(
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
