"""Invitations: an admin invites someone with a role, and nobody joins without saying yes.

Two kinds, one row each (core.models.Invitation):
- to an email address: the person opens a signed link and joins, with an account they have or
  one they create. The link is a bearer credential: it carries a signed, timestamped token
  (django.core.signing, salt INVITATION_SALT) naming the invitation row *and the moment its
  latest email was sent*, so a resend makes every earlier link stop working; the row decides
  whether it is still good.
- to an existing account, by its username (the API's members endpoint): the person sees it in
  the app (the home page, the top bar, `GET /api/v1/invitations/`) and accepts or declines it
  there. No link exists for it, and only that account may answer it.

An invitation is used once: accepting claims the row with a conditional UPDATE, so two clicks
(or two people) cannot both join with it. A new invitation to an address or username that has
an open one in the organization replaces it (the old one stops working).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .accounts import user_create
from .email import absolute_url, build_email
from .models import INVITABLE_ROLES, Invitation, InvitationState, Membership, Organization, Role
from .services import membership_create

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
    InvitationState.DECLINED: ("This invitation was declined",
                               "It was turned down. If you changed your mind, ask an admin of the "
                               "organization to invite you again."),
    "replaced": ("This invitation link was replaced",
                 "The invitation was sent again with a new link, and only the newest link works. "
                 "Open the most recent email, or ask an admin of the organization to send it "
                 "again."),
    "not-yours": ("This invitation is for another account",
                  "It was sent to a Proofloop account by its username: sign in as that account "
                  "to accept or decline it."),
}


ROLE_CAN = {
    Role.VIEWER: "read every hypothesis, piece of evidence and chart, and receive the weekly digest",
    Role.MEMBER: "state hypotheses, log interviews, sales calls and experiments, and decide",
    Role.ADMIN: "do what members do, and manage members, invitations and settings",
    Role.OWNER: "do everything, including deleting the organization",
}


class InvitationRefused(Exception):
    """The invitation cannot be used: `reason` is "invalid", "replaced" (an older link of a
    resent invitation), "not-yours" (addressed to another account), "expired", "revoked",
    "declined" or "accepted"."""

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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(sent_at: datetime) -> int:
    """`sent_at` in whole microseconds: exact, unlike a float timestamp."""
    return (sent_at - _EPOCH) // timedelta(microseconds=1)


def invitation_token(invitation: Invitation) -> str:
    """A signed, timestamped token naming the invitation and its latest sending: a resend
    (which moves `sent_at`) makes earlier tokens stop working."""
    return signing.dumps([invitation.pk, _stamp(invitation.sent_at)], salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    """The absolute link of the invitation email."""
    return absolute_url(reverse("invitation-accept", args=[invitation_token(invitation)]))


def invitation_from_token(token: str) -> Invitation:
    """The pending email invitation the token names; raises InvitationRefused saying why it
    cannot be used (a forged or damaged token, a link replaced by a resend, an expired, revoked
    or already accepted invitation)."""
    expired = False
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_TTL)
    except signing.SignatureExpired:
        # Authentic but too old: still find the row, to say if it was also used or revoked.
        payload, expired = signing.loads(token, salt=INVITATION_SALT), True
    except signing.BadSignature:
        raise InvitationRefused("invalid") from None
    if not (isinstance(payload, list) and len(payload) == 2
            and all(type(part) is int for part in payload)):
        raise InvitationRefused("invalid")
    pk, stamp = payload
    invitation = (Invitation.objects.select_related("organization", "invited_by")
                  .filter(pk=pk).first())
    # Gone with its organization; or addressed to an account, which answers in the app: no
    # link is ever made for those.
    if invitation is None or invitation.to_username:
        raise InvitationRefused("invalid")
    state = invitation.state_at(timezone.now())
    if state == InvitationState.PENDING and stamp != _stamp(invitation.sent_at):
        raise InvitationRefused("replaced", invitation)
    if state == InvitationState.PENDING and expired:
        state = InvitationState.EXPIRED
    if state != InvitationState.PENDING:
        raise InvitationRefused(state, invitation)
    return invitation


# --- email ------------------------------------------------------------------------------------
def invitation_send(*, invitation: Invitation) -> None:
    """Email the invitation, with a fresh link, to its address (through build_email)."""
    if invitation.to_username:
        raise ValueError("An invitation to a username is answered in the app: it has no link.")
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
    invitation comes back to life); the earlier links stop working, since the token names the
    sending. Refused once it is accepted or revoked, and for an invitation to a username (it is
    shown in the app, not emailed)."""
    if invitation.to_username:
        raise ValidationError(f"The invitation to {invitation.invitee_username} is shown in "
                              "Proofloop, not emailed: invite them again to renew it.")
    now = timezone.now()
    renewed = Invitation.objects.open().filter(pk=invitation.pk).update(
        sent_at=now, expires_at=now + INVITATION_TTL)
    invitation.refresh_from_db()
    if not renewed:
        raise ValidationError(f"The invitation to {invitation.addressee} was "
                              f"{invitation.state.label.lower()}: it cannot be sent again.")
    invitation_send(invitation=invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw the invitation: its link stops working. Refused once it is accepted."""
    revoked = Invitation.objects.open().filter(pk=invitation.pk).update(
        revoked_at=timezone.now(), revoked_by=by)
    invitation.refresh_from_db()
    if not revoked:
        raise ValidationError(f"The invitation to {invitation.addressee} was "
                              f"{invitation.state.label.lower()} already.")
    return invitation


def invitation_invite_username(*, organization: Organization, username: str, role: str,
                               invited_by: User) -> Invitation:
    """Invite the account called `username` (in any case) to join with `role`; it joins only
    when that account accepts. Returns the pending invitation.

    The answer must not tell the admin whether an account has that username: anyone can create
    an organization and so be its admin, and could otherwise list who uses Proofloop. So an
    unknown username gets an invitation all the same, stored with the name as typed and no
    account: it is listed to the organization's admins like any other, nobody can accept it,
    and it expires. Both cases run the same queries and return the same fields. A username
    that a member of this organization has is refused: the admin sees the members anyway, so
    that says nothing new. An open invitation to the same username or account in this
    organization is revoked and replaced.
    """
    username = username.strip()
    with transaction.atomic():
        if not username:
            raise ValidationError({"username": "Enter the username of the account to invite."})
        if role not in INVITABLE_ROLES:
            raise ValidationError({"role": "Invite as viewer, member or admin: to make someone the "
                                           "owner, invite them, then transfer ownership."})
        if Membership.objects.for_org(organization).filter(user__username__iexact=username).exists():
            raise ValidationError({"username": f"{username} is already a member."})
        invitee = get_user_model().objects.filter(username__iexact=username).first()
        now = timezone.now()
        Invitation.objects.for_org(organization).open().filter(
            Q(invitee_username__iexact=username) | Q(invitee__username__iexact=username)
        ).update(revoked_at=now, revoked_by=invited_by)
        invitation = Invitation(organization=organization, invitee_username=username,
                                invitee=invitee, role=role, invited_by=invited_by,
                                created_at=now, sent_at=now, expires_at=now + INVITATION_TTL)
        invitation.full_clean()
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:  # the same username, invited at the same instant
            raise ValidationError({"username": f"{username} was just invited by someone else."}
                                  ) from error
    return invitation


def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    """`user` turns down an invitation addressed to their account; it can no longer be
    accepted. Raises InvitationRefused when it is not theirs, or was answered or revoked."""
    if invitation.invitee_id is None or invitation.invitee_id != user.pk:
        raise InvitationRefused("not-yours", invitation)
    now = timezone.now()
    declined = Invitation.objects.open().filter(pk=invitation.pk, invitee=user).update(
        declined_at=now)
    invitation.refresh_from_db()
    if not declined:
        state = invitation.state_at(now)
        raise InvitationRefused(state if state != InvitationState.PENDING else "invalid", invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` joins the invitation's organization with its role, and the invitation is used up.
    This is the only way into an organization but creating it: every membership is consented
    to by its user.

    Raises InvitationRefused when the invitation is addressed to another account (one sent to a
    username is for that account only; one whose username no account had is for nobody), or was
    accepted, declined, revoked or expired in the meantime; raises AlreadyMember (the invitation
    stays unused, the role unchanged) when `user` is a member already.
    """
    if invitation.to_username and (invitation.invitee_id is None
                                   or invitation.invitee_id != user.pk):
        raise InvitationRefused("not-yours", invitation)
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
        membership = membership_create(organization=invitation.organization, user=user,
                                       role=invitation.role)
    except (ValidationError, IntegrityError):
        # The user joined at the same instant by another invitation: undo this claim.
        existing = (Membership.objects.select_related("organization")
                    .filter(organization_id=invitation.organization_id, user=user).first())
        if existing is None:
            raise
        raise AlreadyMember(existing) from None
    # Other invitations of this organization to the same account have nothing left to do.
    Invitation.objects.for_org(invitation.organization).open().filter(invitee=user).update(
        revoked_at=now)
    return membership


@transaction.atomic
def invitation_accept_new_account(*, invitation: Invitation, username: str,
                                  password: str) -> tuple[User, Membership]:
    """Create an account for the invited address (the link proved it is theirs) and accept the
    invitation with it; nothing is created when either step fails. An invitation to a username
    is for an existing account: refused."""
    if invitation.to_username:
        raise InvitationRefused("not-yours", invitation)
    user = user_create(username=username, email=invitation.email, password=password)
    return user, invitation_accept(invitation=invitation, user=user)
