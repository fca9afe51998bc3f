"""Home — the dashboard used last, the invitations to answer, or an empty state — and a
health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ..models import Invitation, Organization
from .base import LAST_ORG_SESSION_KEY


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the organization used last (or the first one); the invitations the user
    has to answer, when there are any; an empty state for a user who belongs to none yet."""
    organizations = list(Organization.objects.for_user(request.user).order_by("name"))
    pending = list(Invitation.objects.pending_for(request.user)
                   .select_related("organization", "invited_by").order_by("-created_at", "-pk"))
    if pending or not organizations:
        return render(request, "home.html", {"section": "home", "organizations": organizations,
                                             "invitations": pending})
    last = request.session.get(LAST_ORG_SESSION_KEY)
    target = next((org for org in organizations if org.slug == last), organizations[0])
    return redirect("dashboard", slug=target.slug)
