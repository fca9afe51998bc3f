"""What every page of an organization shares, in every app: the organization dependency (404 for
non-members, 403 for a role too low), the request types, errors from services shown on forms,
redirects, pagination, and the settings sub-navigation that each app adds its pages to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from ..models import Membership, Organization, Role
from ..tenancy import membership_or_404

LAST_ORG_SESSION_KEY = "proofloop_last_org"
PAGE_SIZE = 50


class AuthedRequest(HttpRequest):
    """An HttpRequest of a signed-in user, with django-htmx's details."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


class OrgRequest(AuthedRequest):
    """An HttpRequest to an organization page, as org_view() hands it to the view."""

    org: Organization
    membership: Membership


View = Callable[..., HttpResponseBase]


def org_view(role: str = Role.VIEWER) -> Callable[[View], View]:
    """Decorate a view of `/o/<slug>/…`: sign-in required, 404 for non-members (never 403:
    existence must not leak), 403 for members whose role is below `role`.

    The view receives the request with `org` and `membership` set, without `slug`; it runs
    with the organization's time zone active, so forms read and pages show local times.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = membership_or_404(request.user, slug)
            org_request: OrgRequest = request  # type: ignore[assignment]
            org_request.membership = membership
            org_request.org = membership.organization
            if not membership.has_role(role):
                raise PermissionDenied(
                    f"Your role in {membership.organization.name} is {membership.get_role_display()}"
                    f": it can read everything but not make this change.")
            if request.session.get(LAST_ORG_SESSION_KEY) != slug:
                request.session[LAST_ORG_SESSION_KEY] = slug
            with timezone.override(membership.organization.tz):
                return view(org_request, *args, **kwargs)

        return wrapper

    return decorator


def apply_errors(form: BaseForm, error: ValidationError,
                 aliases: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on `form`: each message next to its field, messages
    for fields the form does not have at the top of the form."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, messages)


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL of the request when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of `queryset`; a bad or out-of-range number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))



# --- the settings sub-navigation ------------------------------------------------------------------
@dataclass(frozen=True)
class SettingsPage:
    """An entry of the settings sub-navigation: a URL name taking the organization's slug."""

    url_name: str
    label: str
    role: str = Role.ADMIN


# Each app lists its settings pages here (templates/settings/_nav.html shows them in this order):
# this app's below, the validation app's from its AppConfig.ready().
SETTINGS_NAV: list[SettingsPage] = [
    SettingsPage("org-settings", "Organization"),
    SettingsPage("org-members", "Members"),
]


def settings_page_add(page: SettingsPage) -> None:
    """List `page` in the settings sub-navigation (once, however often it is called)."""
    if page not in SETTINGS_NAV:
        SETTINGS_NAV.append(page)


def settings_nav(request: OrgRequest) -> list[SettingsPage]:
    """The settings pages the member's role may open."""
    return [page for page in SETTINGS_NAV if request.membership.has_role(page.role)]
