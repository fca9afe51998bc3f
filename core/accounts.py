"""Writes on user accounts: creating one (sign-up, or from an invitation), with Django's password
validators, and the sign-up that also creates the user's first organization."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from knox.models import AuthToken

from .models import Organization
from .services import organization_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def email_in_use(email: str) -> bool:
    """True when an account already has this email address (in any case)."""
    return get_user_model().objects.filter(email__iexact=email.strip()).exists()


@transaction.atomic
def user_create(*, username: str, email: str, password: str) -> User:
    """Create an active user. Refuses a username taken in any case, an email address another
    account has, and a password Django's validators reject; every problem is reported at once,
    as a ValidationError keyed by field."""
    user_model = get_user_model()
    user = user_model(username=username.strip(), email=user_model.objects.normalize_email(email.strip()))
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"], validate_unique=False)  # unique: checked below
    except ValidationError as error:
        errors.update(error.message_dict)
    if "username" not in errors and user_model.objects.filter(username__iexact=user.username).exists():
        errors["username"] = ["That username is taken: choose another."]
    if "email" not in errors and email_in_use(user.email):
        errors["email"] = ["An account already uses this email address: sign in, or reset its "
                           "password."]
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same username, signed up at the same instant
        raise ValidationError({"username": ["That username is taken: choose another."]}) from error
    return user


@transaction.atomic
def account_sign_up(*, username: str, email: str, password: str, organization_name: str,
                    timezone: str) -> tuple[User, Organization]:
    """Create a user and an organization of which they are the owner. All or nothing; the errors
    of both are reported together, keyed `username`, `email`, `password`, `name`, `timezone`."""
    errors: dict[str, list[str]] = {}
    try:  # checked first so that every error shows at once; organization_create checks again
        Organization(name=organization_name, timezone=timezone).full_clean(exclude=["slug"])
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        user = user_create(username=username, email=email, password=password)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)  # rolls back the user, if it was created
    organization = organization_create(user=user, name=organization_name, timezone=timezone)
    return user, organization


def sign_up_attempt(client_key: str) -> bool:
    """Count one sign-up attempt from `client_key` (an IP address: core.net.client_key) and
    return whether it is within settings.SIGNUP_LIMIT_PER_HOUR for the current hour-long window
    (which starts with the first attempt counted). Every attempt counts, refused ones too: the
    answers to a refused one say whether a username or an email address has an account.
    Counted in the default cache (Redis when REDIS_URL is set, so every process shares it)."""
    key = f"proofloop:sign-ups:{client_key}"
    if cache.add(key, 1, timeout=3600):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=3600)
            count = 1
    return count <= settings.SIGNUP_LIMIT_PER_HOUR


def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for `user`, valid API_TOKEN_TTL_DAYS: (the stored token, its key). The
    key is shown once: only its hash is stored."""
    return AuthToken.objects.create(user=user, expiry=timedelta(days=settings.API_TOKEN_TTL_DAYS))


def user_credentials_changed(*, user: User) -> int:
    """Revoke every API token of `user`, whose password changed (change, reset, admin) or whose
    account was deactivated; returns how many were revoked. Web sessions need nothing more:
    Django signs each with a hash of the password (update_session_auth_hash keeps the one that
    made the change) and refuses inactive users. Called by core/receivers.py on every save of a
    user, so no path that changes a password or deactivates an account can forget it."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def password_reset_validity() -> str:
    """How long a password reset link works (settings.PASSWORD_RESET_TIMEOUT), in words."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if (seconds >= size and seconds % size == 0) or unit == "minute":
            count = max(1, seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")
