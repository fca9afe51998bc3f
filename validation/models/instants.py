"""The instants Proofloop accepts, defined once, and local times that never fail.

An accepted instant lies in [1900-01-01T00:00:00Z, 9001-01-01T00:00:00Z): from the first moment
of 1900-01-01 in UTC, included, to the end of 9000-12-31 in UTC. Python's datetime ends at the
years 1 and 9999, and showing an instant near either end in a time zone can cross that end
(0001-01-01T00:00Z is still year 0 in Los Angeles, 9999-12-31T23:00Z already 10000 in
Kiritimati): such dates broke pages. The bounds leave centuries on each side.

The models' field validators and CHECK constraints, the API's fields, the web forms and the CSV
import (through the API's fields and the models) all take the bounds from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)
EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)  # accepted
END_OF_INSTANTS = datetime(9001, 1, 1, tzinfo=UTC)  # the first instant refused
OUT_OF_RANGE_MESSAGE = f"Use a date between {FIRST_DAY} and {LAST_DAY}."
OUT_OF_RANGE_CODE = "instant_out_of_range"


def is_in_range(value: datetime) -> bool:
    """Whether `value` (aware; a naive one is read as UTC) is an accepted instant."""
    aware = value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    return EARLIEST_INSTANT <= aware < END_OF_INSTANTS


def validate_instant_in_range(value: datetime | None) -> None:
    """A field validator (models, forms, DRF): refuses instants outside the accepted range."""
    if value is not None and not is_in_range(value):
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code=OUT_OF_RANGE_CODE)


def instant_in_range_constraint(prefix: str, field: str) -> models.CheckConstraint:
    """The database's copy of the rule, for a model's Meta.constraints. A NULL passes: whether
    an instant may be missing is the business of the field and of the shape constraints."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": EARLIEST_INSTANT, f"{field}__lt": END_OF_INSTANTS}),
        name=f"{prefix}_{field}_in_range",
        violation_error_message=OUT_OF_RANGE_MESSAGE,
        violation_error_code=OUT_OF_RANGE_CODE)


def localtime_or_utc(value: datetime, zone: tzinfo | None = None) -> datetime:
    """`value` in `zone` (default: the active time zone, the organization's on its pages) — or,
    when that local time falls off Python's calendar, in UTC, or as given if even that does.
    Only an instant outside the accepted range can fall off, that is one written around
    validation; a page showing it must not fail."""
    try:
        return value.astimezone(zone or timezone.get_current_timezone())
    except (OverflowError, ValueError):
        pass
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return value
