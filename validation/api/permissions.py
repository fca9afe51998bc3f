"""Role checks: PRODUCT.md's roles, each allowing what the roles before it allow."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.models import Role


class HasOrgRole(BasePermission):
    """The member's role must reach the role the view requires for this request.

    The view resolves the membership first (OrgScopedMixin), so that a non-member gets 404
    before any role is considered.
    """

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        membership = getattr(view, "membership", None)
        if membership is None:  # not organization-scoped (the list of one's organizations)
            return True
        required = view.required_role()
        if membership.has_role(required):
            return True
        needed = ("the owner" if required == Role.OWNER
                  else f"{Role(required).label.lower()} or above")
        self.message = (f"Your role in this organization ({membership.role}) does not allow "
                        f"this: it needs {needed}.")
        return False
