"""Refuse a request body larger than settings.REQUEST_MAX_BYTES from its Content-Length, before
any of it is read.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only for bodies read whole and for the non-file
fields of a form; a file upload of any size was parsed to a temporary file (the CSRF check reads
the form first) before a view could look at its size. Django reads no more of a body than its
Content-Length says, and none of a body sent without one, so checking that header is enough.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

MB = 1_048_576


def too_large_message(size: int) -> str:
    return (f"The request is {size / MB:.1f} MB; the limit is "
            f"{settings.REQUEST_MAX_BYTES / MB:.0f} MB. A CSV import may be up to "
            f"{settings.IMPORT_MAX_BYTES / MB:.0f} MB: split a larger file into smaller ones.")


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads nothing of a body whose length it cannot read
        if size > settings.REQUEST_MAX_BYTES:
            return self.refuse(request, size)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, size: int) -> HttpResponse:
        message = too_large_message(size)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "too_large", "errors": {}},
                                status=413)
        try:  # from the import page, back to it; from anywhere else, home
            match = resolve(request.path)
            back = request.path if match.url_name == "import-new" else None
        except Resolver404:
            back = None
        return render(request, "413.html", {"message": message, "back": back}, status=413)
