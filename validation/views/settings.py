"""Organization settings, for admins. The settings sub-navigation lists the pages of this
area; pages added later (members, invitations, import, digest preview) join SETTINGS_NAV."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.models import Role
from validation.forms import OrganizationSettingsForm

from .base import OrgRequest, org_view


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
    form = OrganizationSettingsForm(request.POST or None, instance=request.org)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Organization settings saved.")
        return redirect("org-settings", slug=request.org.slug)
    return render(request, "settings/organization.html", {
        "section": "settings", "form": form, "settings_nav": settings_nav(request),
        "settings_page": "org-settings"})
