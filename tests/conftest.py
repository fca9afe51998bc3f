"""One shared fixture set: an organization with owner, admin, member and viewer, and an
outsider who belongs to another organization."""

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AbstractUser

from core.models import Organization, Role

from .browser import browsing, chromium  # noqa: F401  (fixtures shared by every suite)
from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With PROOFLOOP_NO_SKIPS=1 (CI's PostgreSQL + Redis pass, which every skip reason names
    as the place the test runs), a skipped test fails instead: nothing may skip there unseen."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("PROOFLOOP_NO_SKIPS") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped in a run that must run everything: {reason}"


@dataclass
class Team:
    org: Organization
    owner: AbstractUser
    admin: AbstractUser
    member: AbstractUser
    viewer: AbstractUser
    outsider: AbstractUser
    other_org: Organization

    def user(self, role: str) -> AbstractUser:
        return getattr(self, role)


@pytest.fixture
def team(db) -> Team:
    org = OrganizationFactory(slug="acme", name="Acme")
    other = OrganizationFactory(slug="globex", name="Globex")
    users = {}
    for role in (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER):
        users[role] = UserFactory(username=f"{role}")
        MembershipFactory(organization=org, user=users[role], role=role)
    outsider = UserFactory(username="outsider")
    MembershipFactory(organization=other, user=outsider, role=Role.OWNER)
    return Team(org=org, owner=users[Role.OWNER], admin=users[Role.ADMIN],
                member=users[Role.MEMBER], viewer=users[Role.VIEWER], outsider=outsider,
                other_org=other)


@pytest.fixture
def org(team: Team) -> Organization:
    return team.org
