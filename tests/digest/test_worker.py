"""The digest through a real Celery worker on Redis and a real SMTP server on loopback."""

from datetime import UTC, datetime

import pytest

from core.models import Organization
from validation import digest
from validation.models import DeliveryStatus, DigestDelivery
from validation.tasks import send_due_digests, send_org_digest

from ..worker import real_worker, wait_until

# Without REDIS_URL (the embedded-default run) real_worker() skips with its reason; CI runs
# the suite a second time with Redis, where these run.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_beat_tick_sends_each_member_one_digest_through_the_worker(team, smtp_server):
    now = datetime.now(UTC)
    local = now.astimezone(team.org.tz)
    Organization.objects.filter(pk=team.org.pk).update(digest_weekday=local.weekday(),
                                                       digest_hour=local.hour)
    with real_worker() as worker:
        send_due_digests.delay()
        send_due_digests.delay()  # a duplicate tick
        wait_until(lambda: DigestDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4,
                   message="four digests to be sent")
        worker.wait_until_settled()  # both ticks and all they started have run
    assert sorted(m["X-Envelope-To"] for m in smtp_server.messages) == [
        "admin@example.com", "member@example.com", "owner@example.com", "viewer@example.com"]


def test_a_failing_smtp_server_is_retried_with_backoff_then_recorded(team, closed_smtp_port,
                                                                     settings):
    settings.DIGEST_RETRY_BASE_SECONDS = 0.1
    with real_worker():
        send_org_digest.delay(team.org.pk, "2026-03-16")
        wait_until(lambda: DigestDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 4,
                   timeout=40, message="four deliveries to be recorded as failed")
    for delivery in DigestDelivery.objects.all():
        assert delivery.attempts == digest.MAX_ATTEMPTS
        assert "Connection refused" in delivery.last_error
