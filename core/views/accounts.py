"""Account pages anyone can reach: sign-up, the invitation link, and the password pages
(Django's views with our forms and templates)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from .. import accounts, invitations
from ..forms import (
    InvitationSignUpForm,
    OrganizationCreateForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SignUpForm,
)
from ..invitations import AlreadyMember, InvitationRefused
from ..models import Invitation, Membership, Role
from ..net import client_key
from ..services import organization_create
from .base import LAST_ORG_SESSION_KEY, AuthedRequest, apply_errors

# The session is created by login() with this backend; django-axes' backend only counts
# failures of authenticate(), which these pages do not call.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"

SIGN_UP_THROTTLED = ("Too many sign-up attempts from your network in the last hour. Please try "
                     "again later.")


def _sign_up_throttled(request: HttpRequest, form: forms.Form) -> bool:
    """Count this POST as a sign-up attempt of the client's address; once the address is over
    the limit, the form carries the throttle message and nothing else is checked (the field
    messages would say which usernames and email addresses have an account)."""
    if accounts.sign_up_attempt(client_key(request)):
        return False
    form.add_error(None, SIGN_UP_THROTTLED)
    return True


def _enter(request: HttpRequest, user: User, membership: Membership) -> HttpResponse:
    """Sign `user` in if needed and open the organization they just joined or created."""
    if not request.user.is_authenticated:
        login(request, user, backend=SESSION_BACKEND)
    request.session[LAST_ORG_SESSION_KEY] = membership.organization.slug
    return redirect("dashboard", slug=membership.organization.slug)


# --- sign-up ----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and its organization, whose owner the new user is."""
    if request.user.is_authenticated:
        messages.info(request, f"You are signed in as {request.user.get_username()}. Sign out "
                               "first to create another account.")
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and _sign_up_throttled(request, form):
        return render(request, "accounts/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user, organization = accounts.account_sign_up(
                username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                organization_name=form.cleaned_data["organization_name"],
                timezone=form.cleaned_data["timezone"])
        except ValidationError as error:
            apply_errors(form, error, aliases={"name": "organization_name"})
        else:
            messages.success(request, f"Welcome to Proofloop: {organization.name} is ready. "
                                      "State your first hypothesis, or invite your team from "
                                      "Settings → Members.")
            return _enter(request, user, organization.memberships.get(user=user))
    return render(request, "accounts/signup.html", {"form": form})


# --- invitations ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page the invitation email links to. GET only shows what will happen (mail scanners
    open links); joining takes a POST."""
    try:
        invitation = invitations.invitation_from_token(token)
    except InvitationRefused as refusal:
        return _refused(request, refusal)
    context: dict[str, object] = {"invitation": invitation, "organization": invitation.organization,
                                  "role_can": invitations.ROLE_CAN[Role(invitation.role)]}
    if request.user.is_authenticated:
        return _accept_signed_in(cast(AuthedRequest, request), invitation, context)
    # Whoever has an account signs in and comes back to this page.
    context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
    if accounts.email_in_use(invitation.email):
        return render(request, "accounts/invitation.html", {**context, "step": "sign-in"})
    return _accept_new_account(request, invitation, context)


def _refused(request: HttpRequest, refusal: InvitationRefused) -> HttpResponse:
    status = 404 if refusal.reason == "invalid" else 410
    return render(request, "accounts/invitation_refused.html", {"refusal": refusal}, status=status)


def _accept_signed_in(request: AuthedRequest, invitation: Invitation,
                      context: dict[str, object]) -> HttpResponse:
    existing = Membership.objects.filter(organization=invitation.organization,
                                         user=request.user).first()
    if existing is not None:
        return render(request, "accounts/invitation.html",
                      {**context, "step": "already-member", "membership": existing})
    if request.method == "POST":
        try:
            membership = invitations.invitation_accept(invitation=invitation, user=request.user)
        except InvitationRefused as refusal:
            return _refused(request, refusal)
        except AlreadyMember as already:
            return render(request, "accounts/invitation.html",
                          {**context, "step": "already-member", "membership": already.membership})
        messages.success(request, f"You joined {membership.organization.name} as "
                                  f"{membership.get_role_display().lower()}.")
        return _enter(request, request.user, membership)
    return render(request, "accounts/invitation.html", {**context, "step": "confirm"})


def _accept_new_account(request: HttpRequest, invitation: Invitation,
                        context: dict[str, object]) -> HttpResponse:
    form = InvitationSignUpForm(request.POST or None)
    if request.method == "POST" and _sign_up_throttled(request, form):
        return render(request, "accounts/invitation.html",
                      {**context, "step": "sign-up", "form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = invitations.invitation_accept_new_account(
                invitation=invitation, username=form.cleaned_data["username"],
                password=form.cleaned_data["password"])
        except InvitationRefused as refusal:
            return _refused(request, refusal)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Welcome to Proofloop: you joined "
                                      f"{membership.organization.name} as "
                                      f"{membership.get_role_display().lower()}.")
            return _enter(request, user, membership)
    return render(request, "accounts/invitation.html", {**context, "step": "sign-up", "form": form})


# --- passwords --------------------------------------------------------------------------------
class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("profile")
    success_message = "Password changed. Your other sessions were signed out."
    extra_context = {"section": "profile"}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs),
                "link_valid_for": accounts.password_reset_validity()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm


# --- another organization ---------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def organization_new(request: AuthedRequest) -> HttpResponse:
    """A signed-in user starts an organization of their own; they become its owner."""
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(user=request.user, name=form.cleaned_data["name"],
                                               timezone=form.cleaned_data["timezone"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{organization.name} is ready: state your first "
                                      "hypothesis, or invite your team from Settings → Members.")
            return redirect("dashboard", slug=organization.slug)
    return render(request, "accounts/organization_new.html", {"form": form})
