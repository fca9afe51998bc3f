"""What this app does when the accounts layer (core), which cannot import it, reports a change."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.signals import member_removed

from . import services


@receiver(member_removed, dispatch_uid="validation-member-removed")
def member_removed_clear_owner(sender: Any, organization_id: int, user_id: int,
                               **kwargs: Any) -> None:
    services.hypotheses_owner_clear(organization_id=organization_id, user_id=user_id)
