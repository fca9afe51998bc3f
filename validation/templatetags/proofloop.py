"""Template helpers for the web app: local times, durations in days, accessible form fields,
navigation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.forms import BoundField
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.models import Invitation, Membership, Organization
from core.views.base import LAST_ORG_SESSION_KEY
from validation import metrics
from validation.models.hypotheses import days as to_days
from validation.models.instants import localtime_or_utc

register = template.Library()

# Format characters of Django's `date` that already say the zone or the offset.
ZONE_FORMATS = set("eOTZcrU")


@register.filter(expects_localtime=False)
def local(value: Any, arg: str | None = None) -> str:
    """An instant in the active time zone (the organization's, on its pages), formatted as
    Django's `|date:arg` formats it — but never failing: an instant whose local time falls off
    the calendar (year 1 west of UTC, 9999 east of it; only one written around validation
    can) is shown in UTC, marked so. Use it, not `|date`, for every instant of a row."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return date_filter(value, arg)
    zone = timezone.get_current_timezone()
    shown = localtime_or_utc(value, zone)
    text = date_filter(shown, arg)
    fell_back_to_utc = shown.tzinfo is UTC and shown.tzinfo is not zone
    if fell_back_to_utc and text and not ZONE_FORMATS & set(arg or ""):
        text += " UTC"
    return text


def one_decimal(value: float) -> Decimal:
    """Round half up to one decimal as people do (12.95 → 13.0), from the float's shortest
    representation rather than its binary expansion (12.949999…)."""
    return Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@register.filter
def days(value: timedelta | float | None) -> str:
    """A duration as days rounded to one decimal ("12.5"); "—" when unknown."""
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        value = to_days(value)
        assert value is not None
    return str(one_decimal(value))


@register.filter
def in_days(value: timedelta | float | None) -> str:
    """A duration with its unit ("12.5 days", "1.0 day"); "—" when unknown (emails)."""
    number = days(value)
    if number == "—":
        return number
    return f"{number} day" if number == "1.0" else f"{number} days"


@register.filter
def stale_days(org: Organization) -> str:
    """The organization's stale threshold in force, in days ("14", or "9.5")."""
    value = to_days(metrics.stale_threshold(org))
    assert value is not None
    return str(int(value)) if value == int(value) else str(one_decimal(value))


@register.filter
def percent(value: float | None) -> str:
    """A rate between 0 and 1 as a whole percentage ("67%"); "—" when unknown."""
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def signed_percent(value: float | None) -> str:
    """A relative change as a signed whole percentage ("+14%", "−9%"); "—" when unknown."""
    return "—" if value is None else signed(value * 100, 0) + "%"


@register.filter
def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign ("+1.5", "−0.3"); "—" when unknown."""
    if value is None:
        return "—"
    text = f"{abs(value):.{int(decimals)}f}"
    if float(text) == 0:
        return "±0" if int(decimals) == 0 else f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


@register.filter(name="input")
def field_input(field: BoundField) -> SafeString:
    """The field's widget, wired to its help text and errors for screen readers."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs: dict[str, Any] = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


TOPBAR_INVITATIONS = 5


@register.inclusion_tag("includes/topbar.html", takes_context=True)
def topbar(context: template.Context) -> dict[str, Any]:
    """The top navigation: the user's organizations for the switcher (one query), the
    organization the navigation and the Log menu point to — the page's own, else the one
    used last, else the first — and the invitations the user can answer (one query)."""
    request = context["request"]
    memberships = list(Membership.objects.for_user(request.user))
    current = getattr(request, "membership", None)
    if current is None and memberships:
        last = request.session.get(LAST_ORG_SESSION_KEY)
        current = next((m for m in memberships if m.organization.slug == last), memberships[0])
    # The invitations to answer, on every page (one query): nobody joins without accepting.
    # The menu lists the newest few; the home page lists them all.
    invitations = list(Invitation.objects.pending_for(request.user)
                       .select_related("organization", "invited_by")
                       .order_by("-created_at", "-pk")[:TOPBAR_INVITATIONS + 1])
    return {"memberships": memberships, "current": current, "request": request,
            "invitations": invitations[:TOPBAR_INVITATIONS],
            "more_invitations": len(invitations) > TOPBAR_INVITATIONS,
            "in_org": getattr(request, "org", None) is not None,
            "section": context.get("section", "")}


@register.simple_tag
def status_icon(status: str) -> SafeString:
    """A small shape that tells decisions apart without relying on colour."""
    shapes = {"validated": "✓", "invalidated": "✕", "abandoned": "–", "open": "●"}
    return format_html('<span aria-hidden="true">{}</span>', shapes.get(status, "•"))


@register.simple_tag
def delta(value: float | None, unit: str = "", better: str = "", scale: float = 1,
          decimals: int = 1) -> SafeString:
    """A change against the previous period, with an arrow, and a tone when a direction is
    better ("lower" or "higher"); "no comparison" when unknown."""
    if value is None:
        return mark_safe('<span class="delta delta--none">no comparison</span>')  # noqa: S308
    value *= scale
    text = signed(value, decimals)
    rounded = round(value, int(decimals))
    arrow = "↑" if rounded > 0 else "↓" if rounded < 0 else "→"
    tone = "neutral"
    if rounded and better:
        tone = "good" if (rounded < 0) == (better == "lower") else "bad"
    return format_html('<span class="delta delta--{}"><span aria-hidden="true">{}</span> {}{}</span>',
                       tone, arrow, text, unit)


EVIDENCE_URL_PREFIX = {"interview": "interview", "sales_call": "sales-call",
                       "experiment": "experiment"}


@register.simple_tag
def evidence_url(evidence: Any, slug: str, action: str = "detail") -> str:
    """The URL of one of an evidence's pages (`detail`, `edit`, `delete`)."""
    return reverse(f"{EVIDENCE_URL_PREFIX[evidence.source]}-{action}", args=[slug, evidence.pk])
