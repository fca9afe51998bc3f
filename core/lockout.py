"""A lockout per client address across usernames, against password spraying.

django-axes locks out a username from one address (AXES_LOCKOUT_PARAMETERS); one address trying
a few passwords on each of many usernames never reaches that limit. Axes counts every lockout
parameter against one AXES_FAILURE_LIMIT, so an address-only rule with a higher limit cannot be
added there: this module counts the failed sign-ins of each address in the cache (Redis when
REDIS_URL is set, shared by every process) and refuses every sign-in from an address that has
failed SIGNIN_ADDRESS_FAILURE_LIMIT times within the cool-off window, before any password is
checked. A successful sign-in does not reset the count (one account of one's own must not
buy an attacker more guesses). It is on and off with django-axes (AXES_ENABLED).

The refusal is flagged as django-axes flags its own (request.axes_locked_out), so the web sign-in
form answers with axes' 429 page and the API's token endpoint with its 429 error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from .net import client_key


def _window_seconds() -> int:
    return int(float(settings.AXES_COOLOFF_TIME) * 3600)


def _key(request: Any) -> str:
    return f"proofloop:sign-in-failures:{client_key(request)}"


def address_locked_out(request: Any) -> bool:
    """Whether the request's address has failed SIGNIN_ADDRESS_FAILURE_LIMIT sign-ins in the
    current window."""
    return int(cache.get(_key(request), 0)) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT


@receiver(user_login_failed, dispatch_uid="proofloop-address-failure-count")
def address_failure_count(sender: Any, credentials: dict[str, Any], request: Any = None,
                          **kwargs: Any) -> None:
    """Count one failed sign-in of the request's address; the window starts with the first."""
    if request is None or not settings.AXES_ENABLED:
        return
    key = _key(request)
    if not cache.add(key, 1, timeout=_window_seconds()):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=_window_seconds())


class AddressLockoutBackend:
    """An authentication backend that authenticates nobody: it refuses, before the password is
    checked, every sign-in from an address over the limit (listed before ModelBackend)."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None or not settings.AXES_ENABLED:
            return None
        if address_locked_out(request):
            request.axes_locked_out = True
            # authenticate() stops at PermissionDenied and reports a failed sign-in.
            raise PermissionDenied("Too many failed sign-ins from this address.")
        return None
    # No get_user(): Django would then record this backend in sessions (force_login and
    # login() pick the first backend that has one) and find no user in them.
