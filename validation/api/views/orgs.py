"""Organizations (`/orgs/`), their members and their product areas."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from core import invitations
from core import services as core_services
from core.models import Membership, Organization, Role
from validation import services
from validation.models import ProductArea

from ..serializers.invitations import InvitationCreatedSerializer
from ..serializers.orgs import (
    AreaCreateSerializer,
    AreaSerializer,
    MemberCreateSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    OrganizationCreateSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
)
from ..throttles import InvitationRateThrottle
from .base import OrgScopedViewSet


def _with_role(organization: Organization, role: str) -> Organization:
    organization.role = role  # type: ignore[attr-defined]
    return organization


@extend_schema_view(
    list=extend_schema(summary="Your organizations, with your role in each"),
    create=extend_schema(summary="Create an organization; you become its owner",
                         request=OrganizationCreateSerializer,
                         responses={201: OrganizationSerializer}),
    retrieve=extend_schema(summary="One of your organizations"),
    partial_update=extend_schema(summary="Change an organization's settings (admin)",
                                 request=OrganizationUpdateSerializer,
                                 responses={200: OrganizationSerializer}),
    destroy=extend_schema(summary="Delete an organization and everything in it (owner)"),
)
class OrganizationViewSet(mixins.ListModelMixin, OrgScopedViewSet[Organization]):
    """`/orgs/` lists the user's organizations; `/orgs/{slug}/` is organization-scoped."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    lookup_field = "slug"
    roles = {"partial_update": Role.ADMIN, "destroy": Role.OWNER}

    def check_permissions(self, request: Request) -> None:
        if "slug" in self.kwargs:
            super().check_permissions(request)
        else:  # /orgs/ itself: any signed-in user, about their own organizations
            super(OrgScopedViewSet, self).check_permissions(request)

    def org_queryset(self) -> QuerySet[Organization]:
        user = self.user
        role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")
        return (Organization.objects.for_user(user).annotate(role=Subquery(role[:1]))
                .order_by("name", "slug"))

    def get_object(self) -> Organization:
        return _with_role(self.organization, self.membership.role)

    def create(self, request: Request) -> Response:
        data = self._validated(OrganizationCreateSerializer)
        organization = core_services.organization_create(user=self.user, **data)
        return Response(self.get_serializer(_with_role(organization, Role.OWNER)).data,
                        status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, slug: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def partial_update(self, request: Request, slug: str) -> Response:
        data = self._validated(OrganizationUpdateSerializer, partial=True)
        organization = core_services.organization_update(organization=self.organization, **data)
        return Response(self.get_serializer(_with_role(organization, self.membership.role)).data)

    def destroy(self, request: Request, slug: str) -> Response:
        core_services.organization_delete(organization=self.organization)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _validated(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="Members of the organization"),
    create=extend_schema(summary="Invite an existing user by username (admin); they join when "
                                 "they accept", request=MemberCreateSerializer,
                         responses={202: OpenApiResponse(InvitationCreatedSerializer, description=(
                             "The pending invitation. The answer is the same whether or not an "
                             "account has that username."))}),
    partial_update=extend_schema(summary="Change a member's role; `owner` transfers ownership",
                                 request=MemberUpdateSerializer,
                                 responses={200: MemberSerializer}),
    destroy=extend_schema(summary="Remove a member (admin), or leave (yourself, any role); the "
                                  "owner cannot be removed nor leave"),
)
class MemberViewSet(mixins.ListModelMixin, OrgScopedViewSet[Membership]):
    queryset = Membership.objects.all()
    serializer_class = MemberSerializer
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    roles = {"create": Role.ADMIN, "partial_update": Role.ADMIN, "destroy": Role.ADMIN}
    error_fields = {"user": "username", "invitee_username": "username"}

    def get_throttles(self) -> list[Any]:
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(InvitationRateThrottle())
        return throttles

    def required_role(self) -> str:
        if self.action == "destroy" and self._leaving():
            return Role.VIEWER  # any member may leave
        return super().required_role()

    def _leaving(self) -> bool:
        return self.kwargs.get("username") == self.user.get_username()

    def org_queryset(self) -> QuerySet[Membership]:
        return (Membership.objects.for_org(self.organization).select_related("user")
                .order_by("user__username"))

    def create(self, request: Request, slug: str) -> Response:
        """Invite the account with this username; it becomes a member only by accepting
        (`POST /api/v1/invitations/{id}/accept/`). Every username that is not a member's gets the
        same answer, whether or not an account has it."""
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitations.invitation_invite_username(
            organization=self.organization, invited_by=self.user, **serializer.validated_data)
        return Response(InvitationCreatedSerializer({"invitation": invitation}).data,
                        status=status.HTTP_202_ACCEPTED)

    def partial_update(self, request: Request, slug: str, username: str) -> Response:
        membership = self.get_object()
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = core_services.membership_change_role(
            membership=membership, role=serializer.validated_data["role"], by=self.membership)
        return Response(self.get_serializer(membership).data)

    def destroy(self, request: Request, slug: str, username: str) -> Response:
        """Remove a member (admins), or leave the organization (your own username, any role).
        The owner can do neither: ownership must be transferred first."""
        membership = self.get_object()
        if membership.user_id == self.user.pk:
            core_services.membership_leave(membership=membership)
        else:
            core_services.membership_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Product areas, with how many hypotheses each has"),
    create=extend_schema(summary="Create a product area (or return the one with that name)",
                         request=AreaCreateSerializer,
                         responses={201: AreaSerializer,
                                    200: OpenApiResponse(AreaSerializer, description=(
                                        "An area with that name (any case) existed already."))}),
)
class AreaViewSet(mixins.ListModelMixin, OrgScopedViewSet[ProductArea]):
    queryset = ProductArea.objects.all()
    serializer_class = AreaSerializer

    def org_queryset(self) -> QuerySet[ProductArea]:
        return (ProductArea.objects.for_org(self.organization)
                .annotate(hypothesis_count=Count("hypotheses")).order_by("name", "id"))

    def create(self, request: Request, slug: str) -> Response:
        serializer = AreaCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = ProductArea.objects.for_org(self.organization).filter(
            name__iexact=serializer.validated_data["name"].strip()).exists()
        area = services.area_get_or_create(organization=self.organization,
                                           name=serializer.validated_data["name"])
        assert area is not None  # the name is not blank
        area = self.get_queryset().get(pk=area.pk)
        return Response(self.get_serializer(area).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
