"""`/invitations/`: the invitations addressed to the signed-in user's account, which they
accept (and join) or decline. Nobody becomes a member of an organization any other way."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core import invitations
from core.invitations import AlreadyMember, InvitationRefused
from core.models import Invitation

from ..errors import ErrorSerializer
from ..serializers.invitations import InvitationSerializer
from ..serializers.orgs import MembershipSerializer

NOT_FOUND = ("No such invitation: it may have expired, been withdrawn or answered already, or be "
             "addressed to someone else.")


@extend_schema_view(
    list=extend_schema(summary="Invitations to your account that you can still answer"),
)
class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Invitation]):
    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer

    def get_queryset(self) -> QuerySet[Invitation]:
        """Only the user's own pending invitations: any other id is a 404, whoever it is for."""
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Invitation.objects.none()
        return (Invitation.objects.pending_for(self.request.user)
                .select_related("organization", "invited_by").order_by("-created_at", "-pk"))

    def get_object(self) -> Invitation:
        invitation = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if invitation is None:
            raise exceptions.NotFound(NOT_FOUND)
        return invitation

    @extend_schema(summary="Accept an invitation: you join the organization with its role",
                   request=None, responses={
                       201: MembershipSerializer,
                       400: OpenApiResponse(ErrorSerializer, description=(
                           "You are a member of the organization already: your role stays, the "
                           "invitation stays unanswered."))})
    def accept(self, request: Request, pk: int) -> Response:
        """Join the invitation's organization with its role; the invitation is used up."""
        user = cast(User, request.user)
        try:
            membership = invitations.invitation_accept(invitation=self.get_object(), user=user)
        except InvitationRefused:  # answered, withdrawn or expired since it was read
            raise exceptions.NotFound(NOT_FOUND) from None
        except AlreadyMember as already:
            raise exceptions.ValidationError({"non_field_errors": [str(already)]}) from None
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Decline an invitation", request=None, responses={204: None})
    def decline(self, request: Request, pk: int) -> Response:
        """Turn the invitation down: it can no longer be accepted."""
        user = cast(User, request.user)
        try:
            invitations.invitation_decline(invitation=self.get_object(), user=user)
        except InvitationRefused:
            raise exceptions.NotFound(NOT_FOUND) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
