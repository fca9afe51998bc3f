"""The one dependency every organization-scoped view and API endpoint goes through."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from .models import Membership


def membership_or_404(user: User | AnonymousUser, slug: str) -> Membership:
    """The user's membership of the organization `slug`, its organization joined in.

    Raises Http404 when the organization does not exist *or* the user is not a member, so
    that existence never leaks to outsiders.
    """
    if not user.is_authenticated:
        raise Http404("No such organization.")
    membership = (Membership.objects.select_related("organization")
                  .filter(user=user, organization__slug=slug).first())
    if membership is None:
        raise Http404("No such organization.")
    return membership
