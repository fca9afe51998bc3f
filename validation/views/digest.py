"""Digest pages: one-click unsubscribe (no sign-in needed) and the admins' preview."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

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
