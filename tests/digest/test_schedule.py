"""Beat runs hourly; each organization gets its digest at its own local weekday and hour,
once a week, daylight-saving changes included."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core.models import Role
from validation.models import DigestDelivery
from validation.tasks import send_due_digests

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def org_with_member(slug: str, tz: str, **settings) -> str:
    org = OrganizationFactory(slug=slug, name=slug.title(), timezone=tz, **settings)
    MembershipFactory(organization=org, user=UserFactory(username=f"{slug}-reader"),
                      role=Role.VIEWER)
    return f"{slug}-reader@example.com"


def run_hourly_ticks(start: datetime, hours: int) -> dict[str, list[datetime]]:
    """Tick beat's hourly task at each hour; returns when each address got an email."""
    received: dict[str, list[datetime]] = {}
    for hour in range(hours):
        now = start + timedelta(hours=hour)
        before = len(mail.outbox)
        with time_machine.travel(now, tick=False):
            send_due_digests.delay()
        for message in mail.outbox[before:]:
            received.setdefault(message.to[0], []).append(now)
    return received


def test_los_angeles_and_tokyo_each_get_the_digest_at_their_own_local_hour():
    la = org_with_member("pacific", "America/Los_Angeles")  # default: Monday 08:00
    tokyo = org_with_member("nihon", "Asia/Tokyo")
    received = run_hourly_ticks(datetime(2026, 3, 20, 0, tzinfo=UTC), hours=24 * 7)
    # Monday 2026-03-23 08:00 in Tokyo (UTC+9) is Sunday 23:00 UTC.
    assert received[tokyo] == [datetime(2026, 3, 22, 23, tzinfo=UTC)]
    # Monday 08:00 in Los Angeles (PDT, UTC-7) is 15:00 UTC.
    assert received[la] == [datetime(2026, 3, 23, 15, tzinfo=UTC)]
    weeks = dict(DigestDelivery.objects.values_list("email", "week_start"))
    assert {str(w) for w in weeks.values()} == {"2026-03-16"}


def test_a_fall_back_week_sends_once_even_at_the_repeated_hour():
    # 2026-11-01 01:00-02:00 happens twice in New York.
    reader = org_with_member("eastern", "America/New_York", digest_weekday=6, digest_hour=1)
    received = run_hourly_ticks(datetime(2026, 10, 29, 0, tzinfo=UTC), hours=24 * 7)
    assert received[reader] == [datetime(2026, 11, 1, 5, tzinfo=UTC)]  # the first 01:00 (EDT)


def test_a_spring_forward_week_sends_once_though_the_hour_does_not_exist():
    # 2026-03-08 02:00-03:00 does not exist in New York: the digest goes at 03:00 EDT.
    reader = org_with_member("eastern", "America/New_York", digest_weekday=6, digest_hour=2)
    received = run_hourly_ticks(datetime(2026, 3, 5, 0, tzinfo=UTC), hours=24 * 7)
    assert received[reader] == [datetime(2026, 3, 8, 7, tzinfo=UTC)]


def test_a_missed_tick_is_caught_up_within_the_due_window_without_a_second_email():
    reader = org_with_member("late", "UTC")
    monday = datetime(2026, 3, 23, 8, tzinfo=UTC)
    with time_machine.travel(monday + timedelta(hours=2, minutes=5), tick=False):
        send_due_digests.delay()  # the 08:00 and 09:00 ticks never ran
        send_due_digests.delay()
    assert [m.to for m in mail.outbox] == [[reader]]
