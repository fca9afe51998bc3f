"""`for_org` is the one way to read a tenant's rows; it never returns another's."""

import pytest

from core.models import Membership, Organization
from validation.models import (
    Evidence,
    EvidenceLink,
    Experiment,
    Hypothesis,
    Interview,
    ProductArea,
    SalesCall,
)

from .factories import (
    AreaFactory,
    ExperimentFactory,
    HypothesisFactory,
    InterviewFactory,
    LinkFactory,
    OrganizationFactory,
    SalesCallFactory,
)

pytestmark = pytest.mark.django_db


def populate(org: Organization) -> None:
    area = AreaFactory(organization=org)
    hypothesis = HypothesisFactory(organization=org, area=area)
    for factory in (InterviewFactory, SalesCallFactory, ExperimentFactory):
        LinkFactory(evidence=factory(organization=org), hypothesis=hypothesis)


@pytest.mark.parametrize("model", [Hypothesis, Evidence, Interview, SalesCall, Experiment,
                                   EvidenceLink, ProductArea])
def test_for_org_returns_only_that_organizations_rows(model):
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    populate(mine)
    populate(theirs)
    rows = list(model.objects.for_org(mine))
    assert rows, "the organization has rows of this kind"
    assert {row.organization_id for row in rows} == {mine.pk}
    assert model.objects.for_org(mine).count() == model.objects.for_org(theirs).count()


def test_organizations_for_user_are_those_with_a_membership(team):
    assert list(Organization.objects.for_user(team.viewer)) == [team.org]
    assert list(Organization.objects.for_user(team.outsider)) == [team.other_org]
    assert Membership.objects.for_org(team.org).count() == 4


def test_proxy_managers_see_only_their_source():
    org = OrganizationFactory()
    InterviewFactory(organization=org)
    SalesCallFactory(organization=org)
    assert Interview.objects.count() == 1
    assert SalesCall.objects.count() == 1
    assert Experiment.objects.count() == 0
    assert Evidence.objects.count() == 2
