"""Fields shared by the API's serializers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from validation.models.instants import (
    FIRST_DAY,
    LAST_DAY,
    OUT_OF_RANGE_MESSAGE,
    parse_instant,
    validate_instant_in_range,
)

MAX_COUNT = 2**31 - 1  # PostgreSQL's integer, the column type of the counts
# Dates the API accepts in its filters: those of the instants it accepts.
MIN_DATE, MAX_DATE = FIRST_DAY, LAST_DAY


class InstantField(serializers.DateTimeField):
    """An instant a user writes: refused, with the models' message, outside the range
    validation/models/instants.py defines — also when converting an instant near an end of
    the calendar to the time zone overflows, which DRF would report in its own words."""

    default_error_messages = {"overflow": OUT_OF_RANGE_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs["validators"] = [*kwargs.get("validators", []), validate_instant_in_range]
        bounds = f"Between {FIRST_DAY} and {LAST_DAY} (UTC)."
        kwargs["help_text"] = f"{kwargs['help_text']} {bounds}" if kwargs.get("help_text") else bounds
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        # Text is read by the one parser of instants, whose messages say what is wrong with the
        # value itself ("2026-02-30 is not a date (February has 28 days in 2026)").
        if isinstance(value, datetime):
            return super().to_internal_value(value)
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
        try:
            return parse_instant(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


@extend_schema_field({"type": "string", "nullable": True,
                      "description": "Username of a member of the organization."})
class MemberField(serializers.CharField):
    """A username in, the member's User out; anyone else is an error naming the username."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        # After the CharField's own checks (length, NUL characters): then look the user up.
        username = super().run_validation(data)
        if username is None:
            return None
        organization = self.context["organization"]
        user = get_user_model().objects.filter(
            username=username, memberships__organization=organization).first()
        if user is None:
            raise serializers.ValidationError(f"{username} is not a member of this organization.")
        return user

    def to_representation(self, value: Any) -> str:
        return value.get_username()


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored as "" when unset, published as null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        if data is None or data == "":
            return ""
        return super().run_validation(data)

    def to_representation(self, value: Any) -> Any:
        return value or None


class DaysField(serializers.FloatField):
    """A duration in days (seconds / 86 400), exact; null when it does not exist yet."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)



def username_of(source: str, **kwargs: Any) -> serializers.CharField:
    """The username of the user foreign key `source` (read-only; null when unset)."""
    return serializers.CharField(source=f"{source}.username", read_only=True, allow_null=True,
                                 **kwargs)
