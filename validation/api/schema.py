"""The OpenAPI schema (drf-spectacular): every operation lists the errors it can answer, all
in the one error shape, and the token scheme is ours (knox's, UTF-8-safe)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.viewsets import ViewSetMixin

from .errors import ErrorSerializer
from .permissions import HasOrgRole

ERRORS = {
    "400": "Invalid input: `errors` gives a message per field.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Your role in this organization does not allow this (or a session request lacks "
           "its CSRF token).",
    "404": "No such organization, object or page — or you are not a member of the "
           "organization: Proofloop does not say which.",
    "415": "The body must be JSON (Content-Type: application/json).",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
}
PATH_PARAMETERS = {
    "slug": OpenApiParameter("slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                             OpenApiParameter.PATH, description="The organization's slug."),
    "username": OpenApiParameter("username", {"type": "string", "pattern": r"^[\w.@+-]+$"},
                                 OpenApiParameter.PATH, description="A member's username."),
    "pk": OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id."),
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
PAGINATION_PARAMETERS = ("page", "page_size", "cursor")


class ProofloopTokenScheme(KnoxTokenScheme):
    target_class = "validation.api.authentication.TokenAuthentication"
    name = "tokenAuth"


class ProofloopAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        """The resource: `hypotheses` for /orgs/{slug}/hypotheses/…, `orgs`, `auth`."""
        tokens = [t for t in self.path.split("/") if t]  # api, v1, orgs, {slug}, hypotheses, …
        if tokens[2:4] == ["orgs", "{slug}"] and len(tokens) > 4:
            return [tokens[4]]
        return tokens[2:3]

    def get_description(self) -> str:  # type: ignore[override]
        """A ViewSet action's own docstring; the classes' docstrings are for developers."""
        if isinstance(self.view, ViewSetMixin):
            handler = getattr(self.view, self.view.action, None)
            return get_doc(handler) if handler and handler.__module__.startswith(
                "validation.api") else ""
        return super().get_description()

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        return params + [param for variable, param in PATH_PARAMETERS.items()
                         if f"{{{variable}}}" in self.path or f"{{{param.name}}}" in self.path]

    def _error_codes(self) -> list[str]:
        """The error statuses this operation can answer, from how its view is built."""
        permissions = [p.__class__ for p in self.view.get_permissions()]
        anonymous = AllowAny in permissions
        unsafe = self.method in UNSAFE
        has_body = self.method in ("POST", "PATCH") and self.get_request_serializer() is not None
        # Filters, ordering and metric parameters are validated; page numbers, page sizes and
        # cursors are not (a bad page or cursor is a 404).
        validated_query = any(p.get("in") == "query" and p["name"] not in PAGINATION_PARAMETERS
                              for p in self._get_parameters())
        sessions = SessionAuthentication in self.view.authentication_classes  # CSRF on writes
        roles = HasOrgRole in permissions and "{slug}" in self.path
        codes = set()
        if has_body or validated_query:
            codes.add("400")
        if self.method == "DELETE" and "{username}" in self.path:
            codes.add("400")  # the owner cannot be removed
        if not anonymous:
            codes.add("401")
        if unsafe and (sessions or roles):
            codes.add("403")
        if "{" in self.path or self._is_list_view():
            codes.add("404")  # a missing object, or an invalid page or cursor
        if has_body:
            codes.add("415")
        if unsafe:
            codes.add("429")
        return sorted(codes)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=ERRORS[code]), code,
                direction=direction))
        return dict(sorted(responses.items()))
