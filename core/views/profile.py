"""My profile: the weekly digest of each of my organizations, on or off, and my API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from knox.models import AuthToken

from .. import accounts
from ..models import Membership
from .base import AuthedRequest


def _profile_context(request: AuthedRequest) -> dict[str, object]:
    return {
        "section": "profile",
        "memberships": Membership.objects.for_user(request.user),
        "tokens": AuthToken.objects.filter(user=request.user).order_by("-created"),
        "now": timezone.now(),
        "token_ttl_days": settings.API_TOKEN_TTL_DAYS,
    }


@login_required
@require_GET
def profile(request: AuthedRequest) -> HttpResponse:
    return render(request, "account/profile.html", _profile_context(request))


@login_required
@require_POST
def profile_digest(request: AuthedRequest, slug: str) -> HttpResponse:
    """Turn the weekly digest of one of my organizations on (`subscribed=1`) or off."""
    membership = (Membership.objects.select_related("organization")
                  .filter(user=request.user, organization__slug=slug).first())
    if membership is None:
        raise Http404("No such organization.")
    membership.digest_subscribed = request.POST.get("subscribed") == "1"
    membership.save(update_fields=["digest_subscribed"])
    if request.htmx:  # the row itself shows the new state
        return render(request, "account/_digest_row.html", {"membership": membership})
    state = "on" if membership.digest_subscribed else "off"
    messages.success(request, f"Weekly digest of {membership.organization.name} turned {state}.")
    return redirect("profile")


@login_required
@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    """Create an API token and show its key, this once: only its hash is stored."""
    token, key = accounts.token_issue(user=request.user)
    messages.success(request, "API token created. Copy it now: it will not be shown again.")
    return render(request, "account/profile.html",
                  {**_profile_context(request), "new_key": key, "new_token": token})


@login_required
@require_POST
def token_revoke(request: AuthedRequest, key: str) -> HttpResponse:
    deleted, _ = AuthToken.objects.filter(user=request.user, token_key=key).delete()
    if not deleted:
        raise Http404("No such token.")
    messages.success(request, f"Token {key}… revoked: requests that use it are now refused.")
    return redirect("profile")
