"""Writes on organizations and memberships. Each validates with full_clean() and runs in one
transaction; the organization always keeps exactly one owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organization, Role
from .signals import member_removed

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ORGANIZATION_FIELDS = ("name", "timezone", "stale_after_days", "digest_weekday", "digest_hour")


def _free_slug(name: str) -> str:
    """A slug derived from `name` that no organization uses yet (acme, acme-2, acme-3, …)."""
    max_length = Organization._meta.get_field("slug").max_length or 50
    base = slugify(name)[:max_length - 4].strip("-") or "organization"
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, user: User, name: str, slug: str | None = None,
                        **settings: Any) -> Organization:
    """Create an organization whose owner is `user`. Without `slug`, one is derived from the
    name; a given slug that is taken is refused."""
    unknown = set(settings) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"organization_create() got unexpected fields {', '.join(sorted(unknown))}")
    organization = Organization(name=name, slug=slug or _free_slug(name), **settings)
    organization.full_clean()
    organization.save()
    Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **changes: Any) -> Organization:
    """Change any of ORGANIZATION_FIELDS (the slug stays: it is in every URL)."""
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"organization_update() cannot change {', '.join(sorted(unknown))}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_delete(*, organization: Organization) -> None:
    """Delete the organization and everything in it."""
    organization.delete()


# --- memberships ------------------------------------------------------------------------------
# Nobody is added to an organization without consent: a membership is made by creating the
# organization (its owner) or by accepting an invitation (core.invitations.invitation_accept).

OWNER_CANNOT_LEAVE = "Transfer ownership before leaving: an organization always keeps one owner."

def membership_create(*, organization: Organization, user: User, role: str) -> Membership:
    """`user` joins `organization` with `role` (any but the owner's, which passes by transfer).

    Nobody joins without consent: the callers are accepting an invitation (core.invitations)
    and seeding demo data. A duplicate raises ValidationError, or IntegrityError when another
    transaction added the same member at the same instant."""
    if role == Role.OWNER:
        raise ValidationError({"role": "An organization has one owner: ownership passes by a "
                                       "transfer."})
    membership = Membership(organization=organization, user=user, role=role)
    membership.full_clean()
    with transaction.atomic():
        membership.save()
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Membership) -> Membership:
    """Give `membership` the role `role`, as the member `by`.

    Giving the owner role transfers ownership: the previous owner becomes an admin, in the same
    transaction; only the owner may do it. The owner cannot be demoted otherwise.
    """
    # Lock the organization's memberships so that two transfers cannot interleave.
    locked = {m.pk: m for m in Membership.objects.filter(organization_id=membership.organization_id)
              .select_for_update().order_by("pk")}
    membership = locked[membership.pk]
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of {', '.join(Role.values)}."})
    if role == membership.role:
        return membership
    if role == Role.OWNER:
        if by.role != Role.OWNER:
            raise PermissionDenied("Only the owner can transfer ownership.")
        previous = next(m for m in locked.values() if m.role == Role.OWNER)
        previous.role = Role.ADMIN
        previous.save(update_fields=["role"])
    elif membership.role == Role.OWNER:
        raise ValidationError({"role": "An organization always keeps one owner: to step down, "
                                       "give the owner role to another member."})
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member; the hypotheses they owned in the organization lose their owner (an
    owner must be a member). The owner cannot be removed."""
    if membership.role == Role.OWNER:
        raise ValidationError("The owner cannot be removed: transfer ownership to another "
                              "member first.")
    # Apps above this one keep their own rules about members (the validation app: a hypothesis's
    # owner is a member); they hear of the removal inside this transaction.
    member_removed.send(sender=Membership, organization_id=membership.organization_id,
                        user_id=membership.user_id)
    membership.delete()


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    """The member leaves the organization, whatever their role but the owner's (who must first
    transfer ownership: an organization always keeps one owner)."""
    if membership.role == Role.OWNER:
        raise ValidationError(OWNER_CANNOT_LEAVE)
    membership_remove(membership=membership)
