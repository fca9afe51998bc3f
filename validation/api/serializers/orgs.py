"""Organizations, their members and their product areas."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from core.inputs import max_length
from core.models import Membership, Organization, Role, Weekday, validate_timezone
from validation.models import ProductArea


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, read_only=True,
                                   help_text="Your role in this organization.")

    class Meta:
        model = Organization
        fields = ["slug", "name", "timezone", "stale_after_days", "digest_weekday", "digest_hour",
                  "role", "created_at"]
        read_only_fields = fields


class OrganizationUpdateSerializer(serializers.Serializer):
    """Settings an admin may change. The slug stays: it is in every URL."""

    name = serializers.CharField(max_length=max_length(Organization, "name"))
    timezone = serializers.CharField(max_length=max_length(Organization, "timezone"),
                                     validators=[validate_timezone], help_text=(
        "IANA time zone (Europe/Paris); weeks start on Monday 00:00 there."))
    stale_after_days = serializers.IntegerField(min_value=1, max_value=365, help_text=(
        "An open hypothesis with no new evidence for longer than this is stale."))
    digest_weekday = serializers.ChoiceField(choices=Weekday.choices,
                                             help_text="Day of the weekly digest, 0 = Monday.")
    digest_hour = serializers.IntegerField(min_value=0, max_value=23,
                                           help_text="Local hour of the weekly digest.")


class OrganizationCreateSerializer(OrganizationUpdateSerializer):
    slug = serializers.SlugField(max_length=max_length(Organization, "slug"), required=False, help_text=(
        "Used in URLs; derived from the name when left out."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("timezone", "stale_after_days", "digest_weekday", "digest_hour"):
            self.fields[name].required = False


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True,
                                 help_text="First and last name; may be empty.")
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "name", "role", "joined_at"]
        read_only_fields = fields


class MembershipSerializer(MemberSerializer):
    """A membership with its organization: what accepting an invitation makes."""

    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The organization's slug.")

    class Meta(MemberSerializer.Meta):
        fields = ["organization", *MemberSerializer.Meta.fields]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, validators=[UnicodeUsernameValidator()],
        help_text="The username of the account to invite. It joins only when that account "
                  "accepts the invitation.")
    role = serializers.ChoiceField(choices=[c for c in Role.choices if c[0] != Role.OWNER],
                                   default=Role.MEMBER, help_text=(
                                       "The owner role is given by a transfer only."))


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, help_text=(
        "Giving `owner` transfers ownership (the owner only): the previous owner becomes an "
        "admin. The owner cannot otherwise be demoted."))


class AreaSerializer(serializers.ModelSerializer):
    hypothesis_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProductArea
        fields = ["id", "name", "hypothesis_count", "created_at"]
        read_only_fields = fields


class AreaCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(ProductArea, "name"))
