"""Invitations to an account, as the admin who sent one and the person invited see them."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import serializers

from core.models import Invitation, Organization


class InvitationSerializer(serializers.ModelSerializer):
    """A pending invitation. It says nothing about the account it is addressed to: the admin
    typed the username, and the invitee is the one reading it."""

    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The organization's slug.")
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    invited_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text="The admin who invited; null once their account is deleted.")

    class Meta:
        model = Invitation
        fields = ["id", "organization", "organization_name", "role", "invited_by", "expires_at"]
        read_only_fields = fields


class InvitationCreatedSerializer(serializers.Serializer):
    """The answer to an invitation by username: the same for every username that is not a
    member's, whether or not an account has it."""

    invitation = InvitationSerializer(read_only=True)
