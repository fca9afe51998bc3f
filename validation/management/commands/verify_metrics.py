from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from validation import engine

from ._org import add_org_argument, organization_from


class Command(BaseCommand):
    help = ("Recompute every hypothesis's derived values from scratch without writing, print each "
            "stored value that differs, and exit with status 1 if there is any.")

    def add_arguments(self, parser: Any) -> None:
        add_org_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from(options)
        mismatches = engine.verify(organization.pk if organization else None)
        where = f"organization {organization.slug}" if organization else "all organizations"
        for mismatch in mismatches:
            self.stdout.write(str(mismatch))
        if mismatches:
            hypotheses = len({m.hypothesis_id for m in mismatches})
            raise CommandError(
                f"{len(mismatches)} stored values of {hypotheses} hypotheses differ from a "
                f"from-scratch computation ({where}); `manage.py recompute_metrics` corrects them.",
                returncode=1)
        self.stdout.write(self.style.SUCCESS(f"All stored derived values are right ({where})."))
