"""The client's address, the one rule every per-address limit uses (DRF throttles, django-axes,
the per-address sign-in lockout, the sign-up limit).

X-Forwarded-For is written by whoever sends the request: a client may put anything in it, so
it is read only as far as our own proxies wrote it. settings.TRUSTED_PROXY_COUNT says how many
proxies stand in front of the app: each appends the address it received the request from, so
the client is the N-th address from the right. With 0 (the default: gunicorn faces the
clients), the header is ignored and the client is REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """The client's IP address (a Django or DRF request), or None when it is unknown. A
    forwarded chain shorter than TRUSTED_PROXY_COUNT, or an entry that is not an address,
    falls back to REMOTE_ADDR: it did not come through our proxies as configured."""
    remote = _valid(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if len(forwarded) < trusted:
        return remote
    return _valid(forwarded[-trusted]) or remote


def client_key(request: Any) -> str:
    """client_ip() as a cache key part: requests without a known address share one key."""
    return client_ip(request) or "unknown"
