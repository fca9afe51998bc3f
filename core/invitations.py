"""Invitations: an admin invites an email address with a role; the person opens a signed link
and joins, with an account they have or one they create.

The link carries a signed, timestamped token (django.core.signing, salt INVITATION_SALT) that
names the invitation row; the row decides whether it is still good. An invitation is used once:
accepting claims the row with a conditional UPDATE, so two clicks (or two people) cannot both
join with it. A new invitation to an address that has an open one in the organization replaces
it (the old link stops working).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .accounts import user_create
from .email import absolute_url, build_email
from .models import INVITABLE_ROLES, Invitation, InvitationState, Membership, Organization, Role
from .services import membership_add

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INVITATION_TTL = timedelta(days=7)
INVITATION_SALT = "proofloop.invitation"

REFUSALS = {
    "invalid": ("This invitation link is not valid",
                "The link is incomplete or was changed. Open it again from the email, or ask the "
                "person who invited you for a new invitation."),
    InvitationState.EXPIRED: ("This invitation has expired",
                              "Invitations are valid for 7 days. Ask an admin of the organization "
                              "to send you a new one."),
    InvitationState.REVOKED: ("This invitation was withdrawn",
                              "An admin of the organization revoked it, or sent a newer invitation "
                              "to the same address. Use the newest email, or ask for a new one."),
    InvitationState.ACCEPTED: ("This invitation has already been used",
                               "Each invitation joins one person, once. If that was you, sign in; "
                               "otherwise ask an admin for an invitation of your own."),
}


ROLE_CAN = {
    Role.VIEWER: "read every hypothesis, piece of evidence and chart, and receive the weekly digest",
    Role.MEMBER: "state hypotheses, log interviews, sales calls and experiments, and decide",
    Role.ADMIN: "do what members do, and manage members, invitations and settings",
    Role.OWNER: "do everything, including deleting the organization",
}


class InvitationRefused(Exception):
    """The link cannot be used: `reason` is "invalid", "expired", "revoked" or "accepted"."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        self.reason = str(reason)
        self.invitation = invitation
        self.title, self.explanation = REFUSALS[reason]
        super().__init__(self.title)


class AlreadyMember(Exception):
    """The user accepting is a member already; the invitation is left unused."""

    def __init__(self, membership: Membership) -> None:
        self.membership = membership
        super().__init__(f"You are already a member of {membership.organization.name}, as "
                         f"{membership.get_role_display().lower()}: your role stays as it is.")


# --- links ------------------------------------------------------------------------------------
def invitation_token(invitation: Invitation) -> str:
    """A signed, timestamped token naming the invitation."""
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    """The absolute link of the invitation email."""
    return absolute_url(reverse("invitation-accept", args=[invitation_token(invitation)]))


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation the token names; raises InvitationRefused saying why it cannot be
    used (a forged or damaged token, an expired, revoked or already accepted invitation)."""
    expired = False
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_TTL)
    except signing.SignatureExpired:
        # Authentic but too old: still find the row, to say if it was also used or revoked.
        pk, expired = signing.loads(token, salt=INVITATION_SALT), True
    except signing.BadSignature:
        raise InvitationRefused("invalid") from None
    invitation = (Invitation.objects.select_related("organization", "invited_by")
                  .filter(pk=pk).first() if isinstance(pk, int) else None)
    if invitation is None:  # its organization was deleted
        raise InvitationRefused("invalid")
    state = invitation.state_at(timezone.now())
    if state == InvitationState.PENDING and expired:
        state = InvitationState.EXPIRED
    if state != InvitationState.PENDING:
        raise InvitationRefused(state, invitation)
    return invitation


# --- email ------------------------------------------------------------------------------------
def invitation_send(*, invitation: Invitation) -> None:
    """Email the invitation, with a fresh link, to its address (through build_email)."""
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter_name": (inviter.get_full_name() or inviter.get_username()) if inviter else "An admin",
        "role": invitation.get_role_display(),
        "role_can": ROLE_CAN[Role(invitation.role)],
        "url": invitation_url(invitation),
        "expires_at": invitation.expires_at,
        "ttl_days": INVITATION_TTL.days,
    }
    headers = {"Reply-To": inviter.email} if inviter and inviter.email else None
    build_email("invitation", context, to=[invitation.email], headers=headers).send()


# --- writes -----------------------------------------------------------------------------------
def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User,
                      send: bool = True) -> Invitation:
    """Invite `email` to join with `role` (viewer, member or admin), and email the link.

    An open invitation to the same address in this organization is revoked and replaced. An
    address that a member's account already has is refused. The row is committed before the
    email goes out, so that a mail server failure (raised to the caller) leaves an invitation
    that can be resent.
    """
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        if role not in INVITABLE_ROLES:
            raise ValidationError({"role": "Invite as viewer, member or admin: to make someone the "
                                           "owner, invite them, then transfer ownership."})
        member = (Membership.objects.for_org(organization).filter(user__email__iexact=email)
                  .select_related("user").first()) if email else None
        if member is not None:
            raise ValidationError({"email": f"{member.user.get_username()} ({email}) is already a "
                                            f"member, as {member.get_role_display().lower()}."})
        now = timezone.now()
        Invitation.objects.for_org(organization).open().filter(email=email).update(
            revoked_at=now, revoked_by=invited_by)
        invitation = Invitation(organization=organization, email=email, role=role,
                                invited_by=invited_by, created_at=now, sent_at=now,
                                expires_at=now + INVITATION_TTL)
        invitation.full_clean()
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:  # the same address, invited at the same instant
            raise ValidationError({"email": f"{email} was just invited by someone else: reload "
                                            "the page to see the invitation."}) from error
    if send:
        invitation_send(invitation=invitation)
    return invitation


def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Send the invitation again with a new link, valid INVITATION_TTL from now (an expired
    invitation comes back to life). Refused once it is accepted or revoked."""
    now = timezone.now()
    renewed = Invitation.objects.open().filter(pk=invitation.pk).update(
        sent_at=now, expires_at=now + INVITATION_TTL)
    invitation.refresh_from_db()
    if not renewed:
        raise ValidationError(f"The invitation to {invitation.email} was "
                              f"{invitation.state.label.lower()}: it cannot be sent again.")
    invitation_send(invitation=invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw the invitation: its link stops working. Refused once it is accepted."""
    revoked = Invitation.objects.open().filter(pk=invitation.pk).update(
        revoked_at=timezone.now(), revoked_by=by)
    invitation.refresh_from_db()
    if not revoked:
        raise ValidationError(f"The invitation to {invitation.email} was "
                              f"{invitation.state.label.lower()} already.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` joins the invitation's organization with its role, and the invitation is used up.

    Raises AlreadyMember (the invitation stays unused, the role unchanged) or InvitationRefused
    when the invitation was accepted, revoked or expired in the meantime.
    """
    existing = (Membership.objects.select_related("organization")
                .filter(organization_id=invitation.organization_id, user=user).first())
    if existing is not None:
        raise AlreadyMember(existing)
    now = timezone.now()
    # Claim the row: of two concurrent acceptances, one updates it and the other finds it gone.
    claimed = Invitation.objects.open().filter(pk=invitation.pk, expires_at__gt=now).update(
        accepted_at=now, accepted_by=user)
    if not claimed:
        invitation.refresh_from_db()
        state = invitation.state_at(now)
        raise InvitationRefused(state if state != InvitationState.PENDING else "invalid", invitation)
    try:
        return membership_add(organization=invitation.organization,
                              username=user.get_username(), role=invitation.role)
    except (ValidationError, IntegrityError):
        # The user joined at the same instant by another invitation: undo this claim.
        existing = (Membership.objects.select_related("organization")
                    .filter(organization_id=invitation.organization_id, user=user).first())
        if existing is None:
            raise
        raise AlreadyMember(existing) from None


@transaction.atomic
def invitation_accept_new_account(*, invitation: Invitation, username: str,
                                  password: str) -> tuple[User, Membership]:
    """Create an account for the invited address (the link proved it is theirs) and accept the
    invitation with it; nothing is created when either step fails."""
    user = user_create(username=username, email=invitation.email, password=password)
    return user, invitation_accept(invitation=invitation, user=user)
