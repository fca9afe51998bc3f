"""API tokens: issue one for a username and password, revoke it, or revoke them all."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import accounts

from ..authentication import TokenAuthentication
from ..throttles import TokenRateThrottle


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. It is "
                                            "shown once: Proofloop stores only its hash.")
    expiry = serializers.DateTimeField(help_text="When the token stops working.")


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list[type] = []  # a stale token or session must not get in the way
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(operation_id="auth_token_create", request=CredentialsSerializer,
                   responses={200: TokenSerializer}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # Through Django's backends, so that django-axes counts failures and locks out.
        user = authenticate(request._request, **credentials.validated_data)
        http_request: Any = request._request
        if getattr(http_request, "axes_locked_out", False):
            # django-axes' middleware would replace this answer with a plain-text page; the
            # API answers in its own error shape.
            http_request.axes_locked_out = False
            cool_off = get_cool_off(http_request)
            # Locked out by django-axes (this username from this address) or by core/lockout.py
            # (this address, whatever the usernames).
            raise exceptions.Throttled(
                wait=cool_off.total_seconds() if cool_off else None,
                detail="Too many failed sign-ins: try again later.")
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to sign in with this username and password."]})
        instance, token = accounts.token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)


class LogoutView(APIView):
    """Revoke the token this request is made with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None},
                   tags=["auth"])
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every API token of the user (a web session stays signed in)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout_all", request=None, responses={204: None},
                   tags=["auth"])
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
