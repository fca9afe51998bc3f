"""One shared fixture set: an organization with owner, admin, member and viewer, and an
outsider who belongs to another organization."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AbstractUser

from core.models import Organization, Role

from .browser import browsing, chromium  # noqa: F401  (fixtures shared by every suite)
from .factories import MembershipFactory, OrganizationFactory, UserFactory


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
