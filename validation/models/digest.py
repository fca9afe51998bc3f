"""Delivery records of the weekly digest: one row per (organization, member, week), claimed
before sending, so that no beat tick, second worker or retry sends an email twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .tenancy import OrgQuerySet


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Waiting to retry"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (unsubscribed before sending)"


# States from which a worker may claim a delivery.
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class DigestDelivery(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="digest_deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="digest_deliveries")
    week_start = models.DateField(help_text="Local Monday of the week the digest reports on.")
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "digest deliveries"
        ordering = ["-week_start", "organization", "user"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "week_start"],
                                    name="digest_once_per_member_and_week"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values),
                                   name="digest_status_valid"),
            models.CheckConstraint(condition=~Q(status=DeliveryStatus.SENT)
                                   | Q(sent_at__isnull=False),
                                   name="digest_sent_has_time"),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digest_status_claimed")]

    def __str__(self) -> str:
        return f"{self.organization} digest of {self.week_start} to {self.email} ({self.status})"
