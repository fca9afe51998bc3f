"""Token authentication: django-rest-knox (tokens stored hashed, with an expiry), made safe
for headers that are not UTF-8."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`; a missing or other scheme falls through to the session."""

    def authenticate_credentials(self, token: bytes) -> Any:
        # knox decodes the key as UTF-8 and would fail with a 500 on other bytes.
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)
