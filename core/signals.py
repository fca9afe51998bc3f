"""Signals of the accounts layer, for the apps above it (which it cannot import)."""

from django.dispatch import Signal

# A member left or was removed: sent with `organization_id` and `user_id` inside the removal's
# transaction, before the membership row is deleted. The validation app clears the owner of
# that member's hypotheses (an owner is a member).
member_removed = Signal()
