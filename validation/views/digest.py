"""Digest pages: one-click unsubscribe (no sign-in needed) and the admins' preview."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Role
from core.views.base import OrgRequest, org_view, settings_nav

from .. import digest


# The signed token is the credential here, and RFC 8058 one-click unsubscribe POSTs come from
# mail clients without a CSRF token: hence csrf_exempt. GET never changes anything, because
# mail scanners prefetch links; it shows a button that POSTs.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    membership = digest.membership_for_token(token)
    if membership is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        digest.unsubscribe(membership)
        return render(request, "digest/unsubscribed.html", {"membership": membership})
    return render(request, "digest/unsubscribe.html", {"membership": membership})


@org_view(Role.ADMIN)
@require_GET
def digest_preview(request: OrgRequest) -> HttpResponse:
    """This week's (so far) or last week's digest, as a member of this organization gets it."""
    which = "this" if request.GET.get("week") == "this" else "last"
    now = timezone.now()
    week = digest.digest_week(request.org, now)
    if which == "this":
        week += timedelta(days=7)
    message = digest.build_digest(request.membership, digest.digest_context(request.org, week,
                                                                             now=now))
    return render(request, "digest/preview.html", {
        "section": "settings", "settings_nav": settings_nav(request),
        "settings_page": "digest-preview", "which": which, "week": week,
        "subject": message.subject, "text": message.body, "html": message.alternatives[0][0],
        "recipients": len(digest.recipients(request.org))})
