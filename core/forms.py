"""Forms of the account pages: sign-up, invitations, members, passwords. They check the shape of
input; the rules (a free username, a strong password, one owner…) are the services' and come
back as ValidationErrors that the views show next to the fields."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.urls import reverse

from core.inputs import max_length

from .accounts import password_reset_validity
from .email import absolute_url, build_email
from .models import INVITABLE_ROLES, Organization, Role

PASSWORD_HELP = ("At least 8 characters; not a common password, not only digits, and not like "  # noqa: S105
                 "your username or email.")
ROLE_CHOICES = [(role.value, role.label) for role in INVITABLE_ROLES]
ROLES_HELP = ("Viewers read everything; members also log evidence and decide; admins also manage "
              "members and settings.")


def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zone for zone in zoneinfo.available_timezones()
                   if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")))
    return [("UTC", "UTC")] + [(name, name.replace("_", " ")) for name in names]


class AccountForm(forms.Form):
    required_css_class = "is-required"


def username_field() -> forms.CharField:
    return auth_forms.UsernameField(
        max_length=150, help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))


def new_password_field(label: str = "Password") -> forms.CharField:
    return forms.CharField(label=label, strip=False, help_text=PASSWORD_HELP,
                           widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class SignUpForm(AccountForm):
    username = username_field()
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text="For password resets and the weekly digest.")
    password = new_password_field()
    organization_name = forms.CharField(
        max_length=max_length(Organization, "name"), label="Organization name",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        help_text="Your company or team. You can invite colleagues once it exists.")
    timezone = forms.ChoiceField(
        choices=timezone_choices, initial="UTC", label="Time zone",
        widget=forms.Select(attrs={"data-guess-timezone": ""}),
        help_text="Weeks start on Monday 00:00 here; dates are shown in it.")


class InvitationSignUpForm(AccountForm):
    """A new account for the invited address: the address comes from the invitation."""

    username = username_field()
    password = new_password_field("Choose a password")


class InviteForm(AccountForm):
    email = forms.EmailField(label="Email address",
                             widget=forms.EmailInput(attrs={"placeholder": "name@company.com"}))
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.MEMBER, help_text=ROLES_HELP)


class RoleForm(forms.Form):
    """A member's new role; the owner's role passes by a transfer of ownership, not here."""

    role = forms.ChoiceField(choices=ROLE_CHOICES)


# --- passwords --------------------------------------------------------------------------------
class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose email is built like every other one (core.email)."""

    def send_mail(self, subject_template_name: str, email_template_name: str,
                  context: dict[str, Any], from_email: str | None, to_email: str,
                  html_email_template_name: str | None = None) -> None:
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"],
                                                         "token": context["token"]})
        context = {**context, "url": absolute_url(path), "valid_for": password_reset_validity()}
        build_email("password_reset", context, to=[to_email]).send()


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form, with the requirements as one line of help (they render inside a <p>)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP


class OrganizationCreateForm(AccountForm):
    name = forms.CharField(max_length=max_length(Organization, "name"), label="Organization name")
    timezone = forms.ChoiceField(
        choices=timezone_choices, initial="UTC", label="Time zone",
        widget=forms.Select(attrs={"data-guess-timezone": ""}),
        help_text="Weeks start on Monday 00:00 here; the digest is sent at local time.")


class OrganizationSettingsForm(forms.ModelForm):
    required_css_class = "is-required"

    timezone = forms.ChoiceField(choices=timezone_choices, label="Time zone",
                                 help_text="Weeks start on Monday 00:00 here; dates are shown in it.")
    digest_hour = forms.TypedChoiceField(
        coerce=int, label="Digest hour", choices=[(h, f"{h:02d}:00") for h in range(24)],
        help_text="Local time at which the weekly digest is sent.")

    class Meta:
        model = Organization
        fields = ["name", "timezone", "stale_after_days", "digest_weekday", "digest_hour"]
        labels = {"stale_after_days": "Stale after (days)", "digest_weekday": "Digest day"}
