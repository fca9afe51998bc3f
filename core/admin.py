from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Invitation, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "stale_after_days", "digest_weekday", "digest_hour"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "digest_subscribed", "created_at"]
    list_filter = ["role", "digest_subscribed", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent, resent and withdrawn from the organization's Members page and the
    API (core/invitations.py); here they are looked up."""

    list_display = ["addressee", "organization", "role", "state", "invited_by", "created_at",
                    "expires_at"]
    list_filter = ["role", "organization"]
    search_fields = ["email", "invitee_username", "organization__name"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
