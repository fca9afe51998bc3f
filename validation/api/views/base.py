"""What every organization-scoped endpoint shares: the one organization dependency, role
checks per action, and retrieval by id inside the organization only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from core.models import Membership, Organization, Role
from core.tenancy import membership_or_404

from ..permissions import HasOrgRole

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
M = TypeVar("M", bound=Model)


class OrgScopedViewSet(viewsets.GenericViewSet[M]):
    """A ViewSet under /orgs/{slug}/.

    `membership` and `organization` are resolved once per request, right after
    authentication: anonymous → 401, non-member → 404 (whatever the method and whether the
    organization exists), then the role `roles[action]` is required (403 below it). Reads
    default to viewer, writes to member.
    """

    permission_classes = [IsAuthenticated, HasOrgRole]
    roles: ClassVar[dict[str, str]] = {}
    # Model field names in the services' errors → the API's field names.
    error_fields: ClassVar[dict[str, str]] = {}

    membership: Membership
    organization: Organization

    def check_permissions(self, request: Request) -> None:
        if not (request.user and request.user.is_authenticated):
            self.permission_denied(request)  # 401, before the organization is looked at
        self.membership = membership_or_404(request.user, self.kwargs["slug"])
        self.organization = self.membership.organization
        super().check_permissions(request)

    def required_role(self) -> str:
        default = Role.VIEWER if self.request.method in SAFE_METHODS else Role.MEMBER
        return self.roles.get(self.action, default)

    @property
    def user(self) -> User:
        """The signed-in user (check_permissions has let only those through)."""
        return cast("User", self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(),
                "organization": getattr(self, "organization", None)}

    def get_object(self) -> M:
        """The object of this organization with the URL's id (404 otherwise); filters and
        ordering apply to lists only."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(self.get_queryset(), **{self.lookup_field: self.kwargs[lookup]})
        self.check_object_permissions(self.request, obj)
        return obj

    def get_queryset(self) -> QuerySet[M]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return cast(QuerySet[M], type(self).queryset).none()
        return self.org_queryset()

    def org_queryset(self) -> QuerySet[M]:
        raise NotImplementedError
