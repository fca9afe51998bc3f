from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from .tenancy import OrgQuerySet


class ProductArea(models.Model):
    """An optional grouping of hypotheses (Onboarding, Pricing, …)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="areas")
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="area_name_unique_in_org",
                                    violation_error_message="This organization already has an "
                                    "area with that name."),
            models.UniqueConstraint(fields=["id", "organization"], name="area_id_org_unique"),
        ]

    def __str__(self) -> str:
        return self.name
