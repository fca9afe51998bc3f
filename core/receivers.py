"""Receivers that keep a rule whatever path triggers it (a view, the admin, a management
command, the shell): a user whose password changes or whose account is deactivated loses every
API token (core.accounts.user_credentials_changed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import accounts

CREDENTIAL_FIELDS = {"password", "is_active"}


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="proofloop-credentials")
def user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None,
               **kwargs: Any) -> None:
    if created or (update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields)):
        return  # a new user has no token; a sign-in only saves last_login
    # set_password() keeps the new password in `_password` until save() has run (Django's own
    # password_changed hook reads it there); a hash upgraded at sign-in does not set it, so a
    # login with an old hasher revokes nothing. An unusable password or an inactive account
    # can hold no token either.
    password_set = getattr(instance, "_password", None) is not None
    if password_set or not instance.is_active or not instance.has_usable_password():
        accounts.user_credentials_changed(user=instance)
