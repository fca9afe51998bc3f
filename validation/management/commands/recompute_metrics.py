from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from validation import engine

from ._org import add_org_argument, organization_from


class Command(BaseCommand):
    help = ("Recompute every hypothesis's derived values (cycle-time engine) with one set-based "
            "UPDATE, and print how many stored values were corrected.")

    def add_arguments(self, parser: Any) -> None:
        add_org_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from(options)
        corrected = engine.recompute_all(organization.pk if organization else None)
        where = f"organization {organization.slug}" if organization else "all organizations"
        noun = "hypothesis" if corrected == 1 else "hypotheses"
        self.stdout.write(f"Corrected {corrected} {noun} ({where}).")
