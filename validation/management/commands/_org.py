"""The `--org SLUG` option shared by the engine's commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from core.models import Organization

# argparse's convention: 2 is a usage error, distinct from a command's own failure (1).
USAGE_ERROR = 2


def add_org_argument(parser: Any) -> None:
    parser.add_argument("--org", metavar="SLUG",
                        help="Only this organization (its slug); default: all of them.")


def organization_from(options: dict[str, Any]) -> Organization | None:
    """The organization named by `--org`, None without it; a CommandError for an unknown slug."""
    slug = options.get("org")
    if not slug:
        return None
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        known = list(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20])
        hint = f" Known slugs: {', '.join(known)}." if known else " There is no organization yet."
        raise CommandError(f"No organization has the slug {slug!r}.{hint}", returncode=USAGE_ERROR)
    return organization
