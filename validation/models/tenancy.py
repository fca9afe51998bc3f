"""Tenancy as a QuerySet method: every domain row belongs to exactly one organization."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.dbrules import FUTURE_TOLERANCE

from .instants import localtime_or_utc

M = TypeVar("M", bound=models.Model)


class OrgQuerySet(models.QuerySet[M]):
    def for_org(self, organization: Any) -> Self:
        """The rows of `organization` (an Organization or its id), and no other."""
        return self.filter(organization=organization)


def check_not_in_future(errors: dict[str, list[str]], field: str, value: datetime | None,
                        what: str) -> None:
    """Add an error for `field` to `errors` when `value` is later than now."""
    if value is not None and value > timezone.now() + FUTURE_TOLERANCE:
        errors.setdefault(field, []).append(f"{what} cannot be in the future.")


def local_time(instant: datetime, organization: Any) -> str:
    """An instant as people of `organization` read it: "2026-03-16 10:00 Europe/Paris" (in
    UTC, and saying so, when that local time would fall off the calendar)."""
    zone = getattr(organization, "tz", None) if organization is not None else None
    local = localtime_or_utc(instant, zone or UTC)
    name = organization.timezone if zone is not None and local.tzinfo is zone else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {name}"


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)
