from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import Membership, Organization, Role
from validation import digest


class Command(BaseCommand):
    help = ("Render or send an organization's weekly digest. Without --dry-run or --to, sends "
            "it to every subscribed member (at most once per member and week).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument("--week", metavar="YYYY-Www",
                            help="ISO week to report, e.g. 2026-W46 (default: last week)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the subject and plain-text part; send nothing")
        parser.add_argument("--to", metavar="EMAIL",
                            help="send one copy to this member's address only")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        try:
            week = digest.parse_week(options["week"]) if options["week"] else \
                digest.digest_week(org, timezone.now())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        members = Membership.objects.for_org(org).select_related("user", "organization")
        if options["to"]:
            member = members.filter(user__email__iexact=options["to"]).first()
            if member is None:
                raise CommandError(f"No member of {org.slug} has the address {options['to']}.")
        else:
            member = members.filter(role=Role.OWNER).first() or members.first()
            if member is None:
                raise CommandError(f"{org.slug} has no members to render the digest for.")
        if options["dry_run"] or options["to"]:
            message = digest.build_digest(member, digest.digest_context(org, week))
            if options["dry_run"]:
                self.stdout.write(f"Subject: {message.subject}\nTo: {', '.join(message.to)}\n")
                self.stdout.write(message.body)
                return
            message.send()
            self.stdout.write(self.style.SUCCESS(f"Sent the {org.slug} digest of {week} to "
                                                 f"{options['to']}."))
            return
        results: dict[str, int] = {}
        for delivery_id in digest.deliveries_create(org, week):
            try:
                status = digest.deliver(delivery_id)
            except digest.DeliveryFailed as exc:
                status = "will retry"
                self.stderr.write(f"Delivery {delivery_id} failed: {exc}")
            results[status] = results.get(status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(results.items())) or \
            "nothing to send (every subscribed member already has this week's digest)"
        self.stdout.write(f"Digest of {org.slug} for the week of {week}: {summary}.")
