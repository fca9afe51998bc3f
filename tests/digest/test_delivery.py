"""Exactly once per (organization, member, week): claimed before sending, recorded after;
failures retried with backoff and recorded, never silently lost."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from core.models import Membership, Role
from proofloop.celery import app as celery_app
from validation import digest
from validation.models import DeliveryStatus, DigestDelivery
from validation.tasks import deliver_digest, send_org_digest

from ..factories import MembershipFactory, UserFactory

WEEK = date(2026, 3, 16)


def recipients_of(messages) -> list[str]:
    return sorted(address for message in messages for address in message.to)


@pytest.mark.django_db
def test_every_role_receives_it_but_not_a_member_who_unsubscribed(team):
    Membership.objects.filter(user=team.admin).update(digest_subscribed=False)
    send_org_digest.delay(team.org.pk, WEEK.isoformat())
    assert recipients_of(mail.outbox) == ["member@example.com", "owner@example.com",
                                          "viewer@example.com"]
    assert "outsider@example.com" not in recipients_of(mail.outbox)
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db
def test_duplicate_ticks_send_one_email_per_member(team):
    for _ in range(3):
        send_org_digest.delay(team.org.pk, WEEK.isoformat())
    assert recipients_of(mail.outbox) == sorted(f"{r}@example.com" for r in
                                                ("owner", "admin", "member", "viewer"))
    assert DigestDelivery.objects.count() == 4


@pytest.mark.django_db
def test_a_delivery_claimed_by_another_worker_is_not_sent_again(team):
    [first, *_] = digest.deliveries_create(team.org, WEEK)
    assert digest.claim(first) is True
    assert digest.claim(first) is False  # the second worker loses the conditional UPDATE
    assert digest.deliver(first) == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_email_per_member(team):
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            send_org_digest.apply(args=(team.org.pk, WEEK.isoformat()), throw=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert recipients_of(mail.outbox) == sorted(f"{r}@example.com" for r in
                                                ("owner", "admin", "member", "viewer"))
    assert DigestDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


@pytest.fixture
def eager_retries():
    """Run retries in-process as the embedded default does (tests otherwise propagate)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.mark.django_db
def test_a_send_that_raises_is_retried_then_recorded_as_failed(team, closed_smtp_port,
                                                              eager_retries):
    Membership.objects.exclude(user=team.viewer).update(digest_subscribed=False)
    send_org_digest.delay(team.org.pk, WEEK.isoformat())  # eager: retries run at once
    delivery = DigestDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == digest.MAX_ATTEMPTS
    assert "Connection refused" in delivery.last_error or "ConnectionRefused" in delivery.last_error


@pytest.mark.django_db
def test_a_failed_attempt_is_retried_and_then_sent(team, closed_smtp_port, settings):
    Membership.objects.exclude(user=team.viewer).update(digest_subscribed=False)
    [delivery_id] = digest.deliveries_create(team.org, WEEK)
    with pytest.raises(digest.DeliveryFailed):
        digest.deliver(delivery_id)
    delivery = DigestDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert delivery.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_digest.delay(delivery_id).get() == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert recipients_of(mail.outbox) == ["viewer@example.com"]


@pytest.mark.django_db
def test_a_delivery_whose_worker_died_mid_send_is_marked_failed_not_resent(team):
    [delivery_id, *_] = digest.deliveries_create(team.org, WEEK)
    digest.claim(delivery_id)
    DigestDelivery.objects.filter(pk=delivery_id).update(
        claimed_at=timezone.now() - digest.STALE_CLAIM - timedelta(minutes=1))
    assert digest.fail_abandoned_claims() == 1
    delivery = DigestDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.FAILED and "worker stopped" in delivery.last_error
    send_org_digest.delay(team.org.pk, WEEK.isoformat())
    assert len(mail.outbox) == 3
    assert delivery.email not in recipients_of(mail.outbox)


@pytest.mark.django_db
def test_a_member_who_unsubscribes_before_the_send_is_not_emailed(team):
    ids = digest.deliveries_create(team.org, WEEK)
    Membership.objects.filter(user=team.member).update(digest_subscribed=False)
    for delivery_id in ids:
        deliver_digest.delay(delivery_id)
    assert "member@example.com" not in recipients_of(mail.outbox)
    assert DigestDelivery.objects.get(user=team.member).status == DeliveryStatus.CANCELLED


@pytest.mark.django_db
def test_a_member_without_an_email_address_is_skipped(team):
    newcomer = UserFactory(username="noemail", email="")
    MembershipFactory(organization=team.org, user=newcomer, role=Role.MEMBER)
    send_org_digest.delay(team.org.pk, WEEK.isoformat())
    assert len(mail.outbox) == 4
