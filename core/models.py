"""Organizations and who belongs to them, with which role."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


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

    def for_user(self, user: object) -> MembershipQuerySet:
        """`user`'s memberships with their organizations, by organization name (one query)."""
        return (self.filter(user=user).select_related("organization")
                .order_by("organization__name", "organization__slug"))


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
INVITABLE_ROLE_CHOICES = [(r.value, r.label) for r in INVITABLE_ROLES]


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


# Neither accepted, declined nor revoked: the condition of the one-open-invitation constraints.
OPEN_INVITATION = Q(accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def for_org(self, organization: Organization) -> InvitationQuerySet:
        return self.filter(organization=organization)

    def open(self) -> InvitationQuerySet:
        """Neither accepted, declined nor revoked (expired ones included: an email invitation
        can still be resent)."""
        return self.filter(OPEN_INVITATION)

    def pending_for(self, user: AbstractBaseUser | AnonymousUser,
                    now: datetime | None = None) -> InvitationQuerySet:
        """The invitations addressed to `user`'s account that they can still answer: open and
        not expired."""
        if not user.is_authenticated:
            return self.none()
        return self.open().filter(invitee_id=user.pk, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An invitation to join an organization with a role (core/invitations.py), addressed
    either to an email address, by a signed link that identifies this row, or to an existing
    account by its username, answered in the app (accept or decline). It is used once, may be
    revoked, and expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="invitations")
    email = models.EmailField(blank=True, help_text="Stored in lower case; empty for an "
                                                    "invitation to a username.")
    invitee_username = models.CharField(
        max_length=150, blank=True,
        help_text="The username the admin typed (empty for an email invitation). Kept as typed, "
                  "whether or not an account has it, so that it says nothing about accounts.")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="invitations_received",
        help_text="The account with that username when the invitation was made; none when no "
                  "account had it (such an invitation is never answered and expires).")
    role = models.CharField(max_length=10, choices=INVITABLE_ROLE_CHOICES, default=Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now,
                                   help_text="When the last email with a link was sent.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="invitations_accepted")
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A new invitation to the same address, username or account replaces (revokes)
            # the open one.
            models.UniqueConstraint(fields=["organization", "email"],
                                    condition=OPEN_INVITATION & ~Q(email=""),
                                    name="invitation_one_open_per_email_and_org"),
            models.UniqueConstraint("organization", Lower("invitee_username"),
                                    condition=OPEN_INVITATION & ~Q(invitee_username=""),
                                    name="invitation_one_open_per_username_and_org"),
            models.UniqueConstraint(fields=["organization", "invitee"],
                                    condition=OPEN_INVITATION & Q(invitee__isnull=False),
                                    name="invitation_one_open_per_invitee_and_org"),
            # Addressed to an email or to a username, never both nor neither; an account only
            # through its username.
            models.CheckConstraint(condition=(Q(email="") & ~Q(invitee_username=""))
                                   | (~Q(email="") & Q(invitee_username="")),
                                   name="invitation_to_an_email_or_a_username"),
            models.CheckConstraint(condition=Q(invitee__isnull=True) | ~Q(invitee_username=""),
                                   name="invitation_invitee_by_username"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in INVITABLE_ROLES]),
                                   name="invitation_role_not_owner"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="invitation_expires_after_creation"),
            models.CheckConstraint(condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                                   name="invitation_not_both_accepted_and_revoked"),
            models.CheckConstraint(condition=Q(declined_at__isnull=True)
                                   | Q(accepted_at__isnull=True, revoked_at__isnull=True),
                                   name="invitation_declined_only_if_not_accepted_or_revoked"),
        ]

    def __str__(self) -> str:
        return f"{self.addressee} to {self.organization} ({self.role})"

    @property
    def addressee(self) -> str:
        """The email address, or the username as the admin typed it."""
        return self.email or self.invitee_username

    @property
    def to_username(self) -> bool:
        """Addressed to an account by its username (answered in the app, never by a link)."""
        return bool(self.invitee_username)

    def state_at(self, now: datetime) -> InvitationState:
        """Accepted, declined, revoked, expired (at `now`) or still pending."""
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.declined_at is not None:
            return InvitationState.DECLINED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def state(self) -> InvitationState:
        return self.state_at(timezone.now())
