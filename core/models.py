"""Organizations and who belongs to them, with which role."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone: use an IANA name such as Europe/Paris.",
            params={"value": value},
            code="invalid_timezone",
        )


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"


# Each role may do what the roles before it may do (PRODUCT.md, "People and roles").
ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_user(self, user: object) -> OrganizationQuerySet:
        """The organizations `user` is a member of."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user=user)


class Organization(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone],
                                help_text="IANA time zone; weeks start on Monday 00:00 here.")
    stale_after_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="An open hypothesis with no new evidence for longer than this is stale.")
    digest_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices,
                                                      default=Weekday.MONDAY)
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)],
        help_text="Local hour (0-23) at which the weekly digest is sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(stale_after_days__gte=1, stale_after_days__lte=365),
                                   name="organization_stale_after_days_range"),
            models.CheckConstraint(condition=Q(digest_weekday__lte=6),
                                   name="organization_digest_weekday_range"),
            models.CheckConstraint(condition=Q(digest_hour__lte=23),
                                   name="organization_digest_hour_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_org(self, organization: Organization) -> MembershipQuerySet:
        return self.filter(organization=organization)


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    digest_subscribed = models.BooleanField(
        default=True, help_text="Receives the weekly digest of this organization.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"],
                                    name="membership_one_per_user_and_org"),
            models.UniqueConstraint(fields=["organization"], condition=Q(role="owner"),
                                    name="membership_one_owner_per_org"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    def has_role(self, role: str) -> bool:
        """True when this membership's role is `role` or above it."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def can_edit(self) -> bool:
        return self.has_role(Role.MEMBER)

    @property
    def can_admin(self) -> bool:
        return self.has_role(Role.ADMIN)


# --- invitations ------------------------------------------------------------------------------
# An invitation gives any role but the owner's: ownership passes by a transfer only.
INVITABLE_ROLES = (Role.VIEWER, Role.MEMBER, Role.ADMIN)


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def for_org(self, organization: Organization) -> InvitationQuerySet:
        return self.filter(organization=organization)

    def open(self) -> InvitationQuerySet:
        """Neither accepted nor revoked (expired ones included: they can still be resent)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An email address invited to join an organization with a role, by a signed link that
    identifies this row (core/invitations.py). It is used once, may be revoked, and expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="invitations")
    email = models.EmailField(help_text="Stored in lower case.")
    role = models.CharField(max_length=10, choices=[(r.value, r.label) for r in INVITABLE_ROLES],
                            default=Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now,
                                   help_text="When the last email with a link was sent.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="invitations_accepted")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A new invitation to the same address replaces (revokes) the open one.
            models.UniqueConstraint(fields=["organization", "email"],
                                    condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                                    name="invitation_one_open_per_email_and_org"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in INVITABLE_ROLES]),
                                   name="invitation_role_not_owner"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="invitation_expires_after_creation"),
            models.CheckConstraint(condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                                   name="invitation_not_both_accepted_and_revoked"),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} ({self.role})"

    def state_at(self, now: datetime) -> InvitationState:
        """Accepted, revoked, expired (at `now`) or still pending."""
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def state(self) -> InvitationState:
        return self.state_at(timezone.now())
