import importlib.util
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.models import Organization
from validation.demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_STAFF,
    DEMO_USERS,
    demo_exists,
    demo_staff_ensure,
    seed_demo,
)


class Command(BaseCommand):
    help = "Create the demo organization (Acme Analytics) with one user per role. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="Only seed when the database has no organization at all.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Organization.objects.exists() and not demo_exists():
            self.stdout.write("Organizations exist already: the demo was not added.")
            return
        if demo_exists():
            self.stdout.write(f"The demo organization '{DEMO_SLUG}' exists already.")
            demo_staff_ensure()  # a demo seeded by an earlier version made demo-owner staff
        else:
            if importlib.util.find_spec("faker") is None:
                raise CommandError("The demo needs the `demo` extra (Faker): pip install "
                                   "'proofloop[demo]', or run it from a checkout (make run).")
            org = seed_demo()
            self.stdout.write(self.style.SUCCESS(
                f"Seeded {org.name}: {org.hypotheses.count()} hypotheses, "
                f"{org.evidence.count()} pieces of evidence."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<12} {user.role:<7} {user.first_name} "
                              f"{user.last_name}, {user.title}")
        self.stdout.write(f"  {DEMO_STAFF.username:<12} {'staff':<7} the Django admin at "
                          "/admin/ (every organization's data); a member of none")
