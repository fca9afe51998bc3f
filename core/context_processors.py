from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

HTMX_MARKER_SALT = "proofloop.htmx-marker"


def site(request: HttpRequest) -> dict[str, object]:
    return {"SITE_URL": settings.SITE_URL}


def htmx_marker(request: HttpRequest) -> str:
    """The value our own htmx elements carry in `data-htmx-ours`, and the page in its
    `htmx-marker` meta: static/proofloop/js/app.js lets htmx send only the requests of elements
    that carry it. An HMAC of the session key, so that markup a user stored (which another user's
    page might show) cannot carry it; empty without a session (no htmx on signed-out pages)."""
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    return salted_hmac(HTMX_MARKER_SALT, key, algorithm="sha256").hexdigest()[:32] if key else ""


def htmx(request: HttpRequest) -> dict[str, object]:
    return {"htmx_marker": htmx_marker(request)}
