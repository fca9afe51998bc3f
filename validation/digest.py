"""The weekly digest: what happened in an organization's validation cycle last week.

Every figure comes from validation.metrics. Deliveries are claimed with a conditional UPDATE
before sending (healthchecks' habit), so a duplicate beat tick, a second worker or a retry
never sends the same (organization, member, week) twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.email import absolute_url, build_email
from core.models import Membership, Organization

from . import metrics
from .models import CLAIMABLE, DeliveryStatus, DigestDelivery

logger = logging.getLogger("proofloop.digest")

UNSUBSCRIBE_SALT = "proofloop.digest.unsubscribe"
MAX_ATTEMPTS = 5
# A claim older than this means the worker died while sending: the email may or may not have
# left, so the delivery is marked failed (visible to admins) rather than sent a second time.
STALE_CLAIM = timedelta(minutes=30)
TREND_WEEKS = 12


# --- schedule -----------------------------------------------------------------------------------
# Beat ticks every hour; an organization is due from its local digest time until this much
# later, so a late or missed tick still sends. Deliveries are unique per member and week, so
# the extra ticks inside the window send nothing twice.
DUE_WINDOW = timedelta(hours=3)


def scheduled_at(org: Organization, now: datetime) -> datetime:
    """The UTC instant of this local week's digest (weekday and hour in the org's zone).

    A local hour that does not exist (spring forward) maps to the instant just after the gap;
    one that occurs twice (fall back) to its first occurrence — so each week has exactly one.
    """
    day = metrics.week_start(org, now) + timedelta(days=org.digest_weekday)
    return datetime.combine(day, time(org.digest_hour), tzinfo=org.tz).astimezone(UTC)


def digest_week(org: Organization, now: datetime) -> date:
    """The local Monday of the last complete week before `now`."""
    return metrics.week_start(org, now) - timedelta(days=7)


def is_due(org: Organization, now: datetime) -> bool:
    """True from the organization's digest time this week until DUE_WINDOW later."""
    scheduled = scheduled_at(org, now)
    return scheduled <= now < scheduled + DUE_WINDOW


def organizations_due(now: datetime) -> list[tuple[int, date]]:
    """(organization id, week to report) for each organization whose digest is due now."""
    return [(org.pk, digest_week(org, now)) for org in Organization.objects.order_by("pk")
            if is_due(org, now)]


def parse_week(value: str) -> date:
    """An ISO week such as `2026-W46` as the date of its Monday."""
    try:
        year, week = value.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO week such as 2026-W46.") from None


# --- unsubscribe ----------------------------------------------------------------------------------
def unsubscribe_token(membership: Membership) -> str:
    """A signed token naming one member of one organization (no expiry: links stay valid)."""
    return signing.dumps({"m": membership.pk, "u": membership.user_id}, salt=UNSUBSCRIBE_SALT)


def membership_for_token(token: str) -> Membership | None:
    """The membership a token was signed for, or None if it is forged or no longer exists."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return (Membership.objects.select_related("organization", "user")
            .filter(pk=data.get("m"), user_id=data.get("u")).first())


def unsubscribe_url(membership: Membership) -> str:
    return absolute_url(reverse("digest-unsubscribe", args=[unsubscribe_token(membership)]))


# --- content ------------------------------------------------------------------------------------
def _chart(weeks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The weeks with bar widths (percent of the largest value) for table-based HTML bars,
    which render in mail clients without JavaScript or images."""
    def widths(key: str) -> list[int]:
        values = [w[key] or 0 for w in weeks]
        peak = max(values, default=0) or 1
        return [round(100 * v / peak) for v in values]

    return [{**week, "decided_pct": d, "cycle_pct": c}
            for week, d, c in zip(weeks, widths("decided"), widths("p50_cycle_days"), strict=True)]


def digest_context(org: Organization, week: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the digest shows for the week starting on local Monday `week`."""
    now = now or timezone.now()
    window = metrics.week_window(org, week)
    assert window.end is not None
    as_of = min(now, window.end)
    stats = metrics.cycle_time_stats(org, window=window)
    recent = metrics.cycle_time_stats(org, window=metrics.Window(window.end - timedelta(weeks=4),
                                                                window.end))
    weeks = metrics.velocity_by_week(org, weeks=TREND_WEEKS, now=window.start)
    decisions = metrics.decisions(org, window=window)
    new = metrics.hypotheses_stated(org, window=window)
    evidence = metrics.evidence_by_source(org, window=window)
    stale = metrics.stale_hypotheses(org, now=as_of)
    throughput = stats["validated"] + stats["invalidated"]
    dashboard = absolute_url(reverse("dashboard", args=[org.slug]))
    return {
        "org": org,
        "week_start": week,
        "week_end": week + timedelta(days=6),
        "iso_week": f"{week.isocalendar().year}-W{week.isocalendar().week:02d}",
        "stats": stats,
        "throughput": throughput,
        "four_weeks": {
            "throughput_per_week": (recent["validated"] + recent["invalidated"]) / 4,
            "p50_days": recent["p50_days"],
            "p85_days": recent["p85_days"],
        },
        "decisions": decisions,
        "new_hypotheses": new,
        "evidence": evidence,
        "evidence_total": sum(evidence.values()),
        "stale": stale,
        "quiet": not decisions and not new and not sum(evidence.values()),
        "trend": _chart(weeks),
        "dashboard_url": f"{dashboard}?from={week.isoformat()}&to={(week + timedelta(days=6)).isoformat()}",
        "hypothesis_url": absolute_url(reverse("hypothesis-list", args=[org.slug])),
        "site_url": absolute_url(""),
    }


def build_digest(membership: Membership, context: dict[str, Any], *, to: str | None = None
                 ) -> Any:
    """The digest email for one member, with its one-click unsubscribe headers."""
    link = unsubscribe_url(membership)
    message = build_email(
        "digest", {**context, "member": membership, "user": membership.user,
                   "unsubscribe_url": link},
        to=[to or membership.user.email],
        headers={"List-Unsubscribe": f"<{link}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    return message


# --- delivery ---------------------------------------------------------------------------------
def recipients(org: Organization) -> list[Membership]:
    """Subscribed members of every role who have an email address."""
    return list(Membership.objects.for_org(org).filter(digest_subscribed=True)
                .exclude(user__email="").filter(user__is_active=True)
                .select_related("user", "organization").order_by("user_id"))


def deliveries_create(org: Organization, week: date) -> list[int]:
    """Create the week's delivery rows (idempotent: the unique constraint keeps one per
    member); returns the ids of those still to send."""
    members = recipients(org)
    DigestDelivery.objects.bulk_create(
        [DigestDelivery(organization=org, user=m.user, week_start=week, email=m.user.email)
         for m in members],
        ignore_conflicts=True)
    return list(DigestDelivery.objects.for_org(org)
                .filter(week_start=week, status__in=CLAIMABLE,
                        user__memberships__organization=org,
                        user__memberships__digest_subscribed=True)
                .order_by("pk").values_list("pk", flat=True))


def claim(delivery_id: int) -> bool:
    """Take a delivery for sending; False if another worker has it or it is done."""
    return bool(DigestDelivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE)
                .update(status=DeliveryStatus.SENDING, claimed_at=timezone.now()))


def retry_countdown(retries: int) -> float:
    """Seconds before the next attempt: exponential backoff from DIGEST_RETRY_BASE_SECONDS,
    capped at an hour (60 s, 2 min, 4 min, 8 min with the default)."""
    return min(settings.DIGEST_RETRY_BASE_SECONDS * 2 ** retries, 3600)


class DeliveryFailed(Exception):
    """Sending failed; the delivery is recorded and may be retried."""


def deliver(delivery_id: int) -> str:
    """Claim, render and send one delivery. Returns its final status for this attempt.

    Raises DeliveryFailed when the send failed and should be retried later.
    """
    if not claim(delivery_id):
        return "skipped"
    delivery = DigestDelivery.objects.select_related("organization", "user").get(pk=delivery_id)
    membership = Membership.objects.select_related("organization", "user").filter(
        organization=delivery.organization, user=delivery.user, digest_subscribed=True).first()
    if membership is None:  # unsubscribed or left since the delivery was created
        DigestDelivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.CANCELLED)
        return DeliveryStatus.CANCELLED
    try:
        context = digest_context(delivery.organization, delivery.week_start)
        build_digest(membership, context, to=delivery.email).send()
    except Exception as exc:
        attempts = delivery.attempts + 1
        status = DeliveryStatus.RETRYING if attempts < MAX_ATTEMPTS else DeliveryStatus.FAILED
        DigestDelivery.objects.filter(pk=delivery_id).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("digest delivery %s attempt %d failed: %s", delivery_id, attempts, exc)
        if status == DeliveryStatus.RETRYING:
            raise DeliveryFailed(str(exc)) from exc
        return DeliveryStatus.FAILED
    DigestDelivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1,
        last_error="")
    return DeliveryStatus.SENT


def fail_abandoned_claims(now: datetime | None = None) -> int:
    """Mark deliveries whose worker died mid-send as failed; returns how many."""
    cutoff = (now or timezone.now()) - STALE_CLAIM
    return DigestDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff
                                         ).update(status=DeliveryStatus.FAILED,
                                                  last_error="The worker stopped while sending; "
                                                  "not retried, to avoid a duplicate email.")


def unsubscribe(membership: Membership) -> None:
    """Stop the digest for this member of this organization (idempotent)."""
    Membership.objects.filter(pk=membership.pk).update(digest_subscribed=False)

