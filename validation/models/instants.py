"""The instants Proofloop accepts, defined once, and local times that never fail.

An accepted instant lies in [1900-01-01T00:00:00Z, 9001-01-01T00:00:00Z): from the first moment
of 1900-01-01 in UTC, included, to the end of 9000-12-31 in UTC. Python's datetime ends at the
years 1 and 9999, and showing an instant near either end in a time zone can cross that end
(0001-01-01T00:00Z is still year 0 in Los Angeles, 9999-12-31T23:00Z already 10000 in
Kiritimati): such dates broke pages. The bounds leave centuries on each side.

The models' field validators and CHECK constraints, the API's fields, the web forms and the CSV
import all take the bounds from here, and read instants typed as text with parse_instant().
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone

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


# --- reading an instant from text ---------------------------------------------------------------
# What people type and what programs send: 2026-03-02 09:00, 2026-03-02T09:00:00+01:00,
# 2026-03-02T09:00Z, 2026-03-02 (midnight). Without an offset, the time is local to the active
# time zone (the organization's on its pages and in its imports).
_INSTANT = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6})\d*)?)?)?"
    r"\s*(?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)?")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
FORMAT_HINT = "use YYYY-MM-DD HH:MM, or ISO 8601 with an offset (2026-03-02T09:00:00+01:00)"


def _offset(text: str) -> tzinfo:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValidationError("%(value)s is not a time-zone offset: use +HH:MM, from -23:59 to "
                              "+23:59.", code="invalid", params={"value": text})
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_instant(value: str, zone: tzinfo | None = None) -> datetime:
    """The instant `value` names, aware; raises ValidationError saying what is wrong with the
    value itself ("2026-11-31 is not a date (November has 30 days)", "11/17/2026: use
    YYYY-MM-DD HH:MM…"), quoting it. A time without an offset is read in `zone` (default: the
    active time zone). The accepted range is checked too."""
    text = value.strip()
    match = _INSTANT.fullmatch(text)
    if match is None:
        raise ValidationError("%(value)s: " + FORMAT_HINT + ".", code="invalid",
                              params={"value": text})
    year, month, day = (int(match[name]) for name in ("year", "month", "day"))
    day_text = f"{match['year']}-{match['month']}-{match['day']}"
    if not 1 <= month <= 12:
        raise ValidationError("%(value)s is not a date: there is no month %(month)d.",
                              code="invalid", params={"value": day_text, "month": month})
    last = calendar.monthrange(year, month)[1] if year else 31
    if not 1 <= day <= last:
        leap = f" in {year}" if month == 2 else ""
        raise ValidationError("%(value)s is not a date (%(name)s has %(days)d days%(leap)s).",
                              code="invalid", params={"value": day_text, "name": MONTHS[month - 1],
                                                      "days": last, "leap": leap})
    hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
    second = int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValidationError("%(value)s is not a time of day: hours go from 00 to 23, minutes "
                              "and seconds from 00 to 59.", code="invalid", params={"value": text})
    if year < FIRST_DAY.year - 1 or year > LAST_DAY.year + 1:
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code=OUT_OF_RANGE_CODE)
    micro = int((match["fraction"] or "0").ljust(6, "0"))
    naive = datetime(year, month, day, hour, minute, second, micro)
    try:
        if match["offset"]:
            instant = naive.replace(tzinfo=_offset(match["offset"])).astimezone(UTC)
        else:
            instant = naive.replace(tzinfo=zone or timezone.get_current_timezone()).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code=OUT_OF_RANGE_CODE) from None
    validate_instant_in_range(instant)
    return instant
