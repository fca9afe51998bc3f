import pytest

from core.models import Role

from ..factories import HypothesisFactory, MembershipFactory, UserFactory


@pytest.fixture
def hypotheses(team):
    """Two hypotheses of the team's organization that CSV rows link to by title or id."""
    return [HypothesisFactory(organization=team.org, title="Sample data makes trials convert"),
            HypothesisFactory(organization=team.org, title="Guided setup, shorter onboarding")]


@pytest.fixture
def signed_in(client, team):
    client.force_login(team.member)
    return client


@pytest.fixture
def empty_org_with_same_people(team):
    """A new organization with the same members (owners are usernames: they must be members)."""
    from ..factories import OrganizationFactory

    org = OrganizationFactory(slug="fresh", name="Fresh")
    for role in (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER):
        MembershipFactory(organization=org, user=team.user(role), role=role)
    MembershipFactory(organization=org, user=UserFactory(username="importer"), role=Role.MEMBER)
    return org
