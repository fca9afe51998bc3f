"""factory_boy factories: explicit organizations everywhere, so tenancy bugs cannot hide."""

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model

from core.models import Membership, Organization, Role
from validation.models import (
    DEFAULT_STRENGTH,
    EvidenceLink,
    Experiment,
    Hypothesis,
    Interview,
    ProductArea,
    SalesCall,
    Source,
    Stance,
)

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")
    timezone = "UTC"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductArea

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Area {n}")


class HypothesisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hypothesis

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Hypothesis {n}")
    statement = "We believe that a guided setup for new admins will shorten onboarding."
    success_criteria = "Median onboarding under one day."
    stated_at = BASE


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    organization = factory.SubFactory(OrganizationFactory)
    occurred_at = factory.LazyFunction(lambda: BASE + timedelta(days=1))
    interviewee = "Dana Scott"
    company = "Initech"
    segment = "SMB"
    notes = "Exports to spreadsheets every Monday."


class SalesCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCall

    organization = factory.SubFactory(OrganizationFactory)
    occurred_at = factory.LazyFunction(lambda: BASE + timedelta(days=2))
    account = "Globex"
    deal_stage = "Demo"
    feedback = "Asked about pricing first."


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    organization = factory.SubFactory(OrganizationFactory)
    name = "Guided setup A/B"
    kind = "ab_test"
    started_at = factory.LazyFunction(lambda: BASE + timedelta(days=3))
    concluded_at = factory.LazyFunction(lambda: BASE + timedelta(days=10))
    result = "win"
    metric = "Activation"


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceLink

    evidence = factory.SubFactory(InterviewFactory)
    hypothesis = factory.SubFactory(HypothesisFactory,
                                    organization=factory.SelfAttribute("..evidence.organization"))
    organization = factory.SelfAttribute("evidence.organization")
    stance = Stance.SUPPORTS
    strength = factory.LazyAttribute(lambda o: DEFAULT_STRENGTH[Source(o.evidence.source)])
