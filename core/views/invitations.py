"""The signed-in user's invitations (those addressed to their account by username): shown on
the home page and in the top bar, accepted or declined here with a POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .. import invitations
from ..invitations import AlreadyMember, InvitationRefused
from ..models import Invitation
from .base import LAST_ORG_SESSION_KEY, AuthedRequest


def _pending(request: AuthedRequest, pk: int) -> Invitation:
    """One of the user's pending invitations; anyone else's, or an answered one, is a 404."""
    return get_object_or_404(Invitation.objects.pending_for(request.user)
                             .select_related("organization"), pk=pk)


@login_required
@require_POST
def my_invitation_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    """Join the organization with the invited role, and open its dashboard."""
    invitation = _pending(request, pk)
    organization = invitation.organization
    try:
        membership = invitations.invitation_accept(invitation=invitation, user=request.user)
    except InvitationRefused as refusal:
        messages.error(request, f"{refusal.title}. {refusal.explanation}")
        return redirect("home")
    except AlreadyMember as already:
        messages.info(request, str(already))
        return redirect("dashboard", slug=organization.slug)
    messages.success(request, f"You joined {organization.name} as "
                              f"{membership.get_role_display().lower()}.")
    request.session[LAST_ORG_SESSION_KEY] = organization.slug
    return redirect("dashboard", slug=organization.slug)


@login_required
@require_POST
def my_invitation_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    invitation = _pending(request, pk)
    try:
        invitations.invitation_decline(invitation=invitation, user=request.user)
    except InvitationRefused as refusal:
        messages.error(request, f"{refusal.title}. {refusal.explanation}")
    else:
        messages.success(request, f"You declined the invitation to {invitation.organization.name}.")
    return redirect("home")
