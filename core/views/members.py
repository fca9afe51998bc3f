"""The Members settings page, for admins and the owner: members with their roles, role changes,
removal, transfer of ownership (owner only), and invitations (send, resend, revoke); and the
Leave page, for every member but the owner. Every rule is core.services' or core.invitations';
their refusals come back as messages."""

from __future__ import annotations

import logging
import smtplib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .. import invitations, services
from ..forms import ROLE_CHOICES, InviteForm, RoleForm
from ..models import ROLE_RANK, Invitation, Membership, Role
from ..services import OWNER_CANNOT_LEAVE
from .base import OrgRequest, apply_errors, org_view, settings_nav

logger = logging.getLogger("proofloop.members")

# Mail server failures: the invitation row is saved, and can be resent.
MAIL_ERRORS = (smtplib.SMTPException, OSError)

OWNER_CANNOT_BE_REMOVED = ("The owner cannot be removed: an organization always keeps one owner. "
                           "Only the owner can transfer ownership.")


def _back_to_members(request: OrgRequest) -> HttpResponse:
    return redirect("org-members", slug=request.org.slug)


def _membership(request: OrgRequest, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.for_org(request.org).select_related("user"), pk=pk)


def _invitation(request: OrgRequest, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.for_org(request.org), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _render_members(request: OrgRequest, invite_form: InviteForm | None = None) -> HttpResponse:
    rank = Case(*[When(role=role, then=Value(-n)) for role, n in ROLE_RANK.items()],
                output_field=IntegerField())
    memberships = (Membership.objects.for_org(request.org).select_related("user")
                   .order_by(rank, "user__username"))
    pending = (Invitation.objects.for_org(request.org).open().select_related("invited_by")
               .order_by("-sent_at", "-pk"))
    return render(request, "accounts/members.html", {
        "section": "settings", "settings_nav": settings_nav(request), "settings_page": "org-members",
        "memberships": memberships, "invitations": pending, "now": timezone.now(),
        "invite_form": invite_form or InviteForm(), "role_choices": ROLE_CHOICES,
        "is_owner": request.membership.role == Role.OWNER})


@org_view(Role.ADMIN)
@require_http_methods(["GET"])
def members(request: OrgRequest) -> HttpResponse:
    return _render_members(request)


# --- members ----------------------------------------------------------------------------------
@org_view(Role.ADMIN)
@require_POST
def member_role(request: OrgRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose viewer, member or admin. To make someone the owner, use "
                                "“Transfer ownership”.")
        return _back_to_members(request)
    try:
        membership = services.membership_change_role(membership=membership,
                                                     role=form.cleaned_data["role"],
                                                     by=request.membership)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _back_to_members(request)
    name = membership.user.get_username()
    messages.success(request, f"{name} is now {membership.get_role_display().lower()}.")
    if membership.pk == request.membership.pk and not membership.can_admin:
        # You stepped down: the members page is no longer yours to see.
        return redirect("dashboard", slug=request.org.slug)
    return _back_to_members(request)


@org_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def member_remove(request: OrgRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes (yourself included: that is leaving)."""
    membership = _membership(request, pk)
    leaving = membership.pk == request.membership.pk
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership)
        except ValidationError as error:
            messages.error(request, OWNER_CANNOT_LEAVE if leaving else _error_text(error))
            return _back_to_members(request)
        if leaving:
            messages.success(request, f"You left {request.org.name}.")
            return redirect("home")
        messages.success(request, f"{membership.user.get_username()} was removed from "
                                  f"{request.org.name}.")
        return _back_to_members(request)
    if membership.role == Role.OWNER:  # the service would refuse: say so before asking
        messages.error(request, OWNER_CANNOT_LEAVE if leaving else OWNER_CANNOT_BE_REMOVED)
        return _back_to_members(request)
    return render(request, "accounts/member_remove.html", {
        "section": "settings", "membership": membership, "leaving": leaving})


@org_view(Role.OWNER)
@require_http_methods(["GET", "POST"])
def member_transfer(request: OrgRequest, pk: int) -> HttpResponse:
    """Make another member the owner; the previous owner (you) becomes an admin."""
    membership = _membership(request, pk)
    if membership.pk == request.membership.pk:
        messages.info(request, "You are the owner already.")
        return _back_to_members(request)
    if request.method == "POST":
        try:
            services.membership_change_role(membership=membership, role=Role.OWNER,
                                            by=request.membership)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return _back_to_members(request)
        messages.success(request, f"{membership.user.get_username()} is now the owner of "
                                  f"{request.org.name}; you are an admin.")
        return _back_to_members(request)
    return render(request, "accounts/member_transfer.html",
                  {"section": "settings", "membership": membership})


# --- invitations ------------------------------------------------------------------------------
@org_view(Role.ADMIN)
@require_POST
def invitation_create(request: OrgRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_members(request, form)
    email = form.cleaned_data["email"]
    replaced = Invitation.objects.for_org(request.org).open().filter(email__iexact=email).exists()
    try:
        invitation = invitations.invitation_create(
            organization=request.org, email=email, role=form.cleaned_data["role"],
            invited_by=request.user)
    except ValidationError as error:
        apply_errors(form, error)
        return _render_members(request, form)
    except MAIL_ERRORS as error:
        logger.warning("invitation email to %s failed: %s", email, error)
        messages.error(request, f"The invitation to {email} is saved, but the email could not be "
                                "sent. Check the mail settings, then use “Resend”.")
        return _back_to_members(request)
    note = " It replaces the earlier invitation, whose link no longer works." if replaced else ""
    messages.success(request, f"Invitation sent to {invitation.email}, as "
                              f"{invitation.get_role_display().lower()}. The link is valid for "
                              f"{invitations.INVITATION_TTL.days} days.{note}")
    return _back_to_members(request)


@org_view(Role.ADMIN)
@require_POST
def invitation_resend(request: OrgRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    try:
        invitations.invitation_resend(invitation=invitation)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except MAIL_ERRORS as error:
        logger.warning("invitation email to %s failed: %s", invitation.email, error)
        messages.error(request, f"The email to {invitation.email} could not be sent. Check the "
                                "mail settings and try again.")
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}, with a new link "
                                  f"valid for {invitations.INVITATION_TTL.days} days; the earlier "
                                  "links no longer work.")
    return _back_to_members(request)


@org_view(Role.ADMIN)
@require_POST
def invitation_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    try:
        invitations.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        what = "it can no longer be accepted" if invitation.to_username else "its link no longer works"
        messages.success(request, f"Invitation to {invitation.addressee} revoked: {what}.")
    return _back_to_members(request)


# --- leaving ----------------------------------------------------------------------------------
@org_view(Role.VIEWER)
@require_http_methods(["GET", "POST"])
def member_leave(request: OrgRequest) -> HttpResponse:
    """Any member but the owner leaves the organization: GET asks for confirmation, POST
    leaves."""
    if request.membership.role == Role.OWNER:
        messages.error(request, OWNER_CANNOT_LEAVE)
        return redirect("profile")
    if request.method == "POST":
        try:
            services.membership_leave(membership=request.membership)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("profile")
        messages.success(request, f"You left {request.org.name}.")
        return redirect("home")
    return render(request, "accounts/member_leave.html", {"section": "profile"})
