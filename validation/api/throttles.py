"""Rate limits, counted in the default cache (Redis when REDIS_URL is set, so that every
process shares the counts)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from core.net import client_key


class ClientAddressMixin(BaseThrottle):
    """The client's address as core.net.client_ip reads it (X-Forwarded-For only as far as
    TRUSTED_PROXY_COUNT proxies wrote it): DRF's own get_ident keys an anonymous client on the
    whole header when no proxy count is set, which a client rotates at will."""

    def get_ident(self, request: Request) -> str:
        return client_key(request)


class WriteRateThrottle(ClientAddressMixin, UserRateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per user: the `writes` rate. Reads are not limited."""

    scope = "writes"

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class InvitationRateThrottle(UserRateThrottle):
    """Invitations sent through the members endpoint, per admin: the `invitations` rate. Every
    attempt counts, refused ones too, so it also bounds how fast usernames can be tried."""

    scope = "invitations"


class TokenRateThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Token requests per client address: the `token` rate (failed sign-ins are limited per
    username and address by django-axes, and per address by core/lockout.py)."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
