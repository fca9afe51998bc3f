"""Every invalid input of PRODUCT.md is refused twice: by model validation, with a message a
person can act on, and by the database itself, whatever code path writes it."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from validation.models import (
    Evidence,
    EvidenceLink,
    Experiment,
    Hypothesis,
    HypothesisStatusChange,
    Interview,
)

from .factories import (
    AreaFactory,
    ExperimentFactory,
    HypothesisFactory,
    InterviewFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(write: Callable[[], object]) -> None:
    """`write` bypasses validation; the database must refuse it and keep nothing."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
        connection.check_constraints()  # deferred constraints are checked at commit


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def counts() -> tuple[int, int, int]:
    return Hypothesis.objects.count(), Evidence.objects.count(), EvidenceLink.objects.count()


def test_decision_before_statement_is_refused():
    hypothesis = HypothesisFactory.build(organization=OrganizationFactory(), status="validated")
    hypothesis.decided_at = hypothesis.stated_at - timedelta(days=1)
    before = counts()
    with pytest.raises(ValidationError) as error:
        hypothesis.full_clean()
    assert "cannot come before the hypothesis was stated" in messages(error.value, "decided_at")
    refused_by_database(hypothesis.save)
    assert counts() == before


def test_decided_status_needs_a_decision_time_and_open_has_none():
    org = OrganizationFactory()
    undated = HypothesisFactory.build(organization=org, status="invalidated", decided_at=None)
    with pytest.raises(ValidationError) as error:
        undated.full_clean()
    assert "date of the decision" in messages(error.value, "decided_at")
    refused_by_database(undated.save)
    dated_open = HypothesisFactory.build(organization=org, decided_at=timezone.now())
    with pytest.raises(ValidationError):
        dated_open.full_clean()
    refused_by_database(dated_open.save)


@pytest.mark.parametrize("field", ["stated_at", "decided_at"])
def test_hypothesis_instants_in_the_future_are_refused(field):
    hypothesis = HypothesisFactory.build(organization=OrganizationFactory())
    if field == "decided_at":
        hypothesis.status = "validated"
    setattr(hypothesis, field, timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        hypothesis.full_clean()
    assert "cannot be in the future" in messages(error.value, field)
    before = counts()
    refused_by_database(lambda: Hypothesis.objects.bulk_create([hypothesis]))
    assert counts() == before


def test_a_future_instant_is_refused_on_update_too():
    hypothesis = HypothesisFactory(organization=OrganizationFactory())
    refused_by_database(lambda: Hypothesis.objects.filter(pk=hypothesis.pk).update(
        stated_at=timezone.now() + timedelta(days=3)))
    hypothesis.refresh_from_db()
    assert hypothesis.stated_at < timezone.now()


@pytest.mark.parametrize("field", ["occurred_at"])
def test_an_interview_in_the_future_is_refused(field):
    interview = InterviewFactory.build(organization=OrganizationFactory(),
                                       occurred_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        interview.full_clean()
    assert "cannot be in the future" in messages(error.value, field)
    refused_by_database(interview.save)
    assert Evidence.objects.count() == 0


@pytest.mark.parametrize("field", ["started_at", "concluded_at"])
def test_experiment_instants_in_the_future_are_refused(field):
    experiment = ExperimentFactory.build(organization=OrganizationFactory())
    setattr(experiment, field, timezone.now() + timedelta(days=30 if field == "concluded_at" else 1))
    if field == "started_at":
        experiment.concluded_at, experiment.result = None, ""
    with pytest.raises(ValidationError) as error:
        experiment.full_clean()
    assert "cannot be in the future" in messages(error.value, field)
    refused_by_database(experiment.save)
    assert Evidence.objects.count() == 0


def test_concluded_before_started_is_refused():
    experiment = ExperimentFactory.build(organization=OrganizationFactory())
    experiment.concluded_at = experiment.started_at - timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        experiment.full_clean()
    assert "cannot conclude" in messages(error.value, "concluded_at")
    refused_by_database(experiment.save)
    assert Evidence.objects.count() == 0


@pytest.mark.parametrize("side", ["control", "variant"])
def test_more_conversions_than_users_is_refused(side):
    experiment = ExperimentFactory.build(organization=OrganizationFactory(), control_users=100,
                                         control_conversions=10, variant_users=100,
                                         variant_conversions=12)
    setattr(experiment, f"{side}_conversions", 101)
    with pytest.raises(ValidationError) as error:
        experiment.full_clean()
    assert "Conversions (101) cannot exceed users (100)" in messages(error.value, f"{side}_conversions")
    refused_by_database(experiment.save)
    assert Evidence.objects.count() == 0


@pytest.mark.parametrize("field", ["control_users", "control_conversions", "variant_users",
                                   "variant_conversions"])
def test_negative_counts_are_refused(field):
    experiment = ExperimentFactory.build(organization=OrganizationFactory(), control_users=100,
                                         control_conversions=10, variant_users=100,
                                         variant_conversions=12)
    setattr(experiment, field, -1)
    with pytest.raises(ValidationError) as error:
        experiment.full_clean()
    assert "greater than or equal to 0" in messages(error.value, field)
    refused_by_database(experiment.save)
    assert Evidence.objects.count() == 0


def test_conversions_without_users_are_refused():
    experiment = ExperimentFactory.build(organization=OrganizationFactory(),
                                         control_conversions=5)
    with pytest.raises(ValidationError) as error:
        experiment.full_clean()
    assert "control users" in messages(error.value, "control_users")
    refused_by_database(experiment.save)


def test_a_concluded_experiment_needs_a_result_and_a_running_one_has_none():
    org = OrganizationFactory()
    no_result = ExperimentFactory.build(organization=org, result="")
    with pytest.raises(ValidationError) as error:
        no_result.full_clean()
    assert "needs a result" in messages(error.value, "result")
    refused_by_database(no_result.save)
    running_with_result = ExperimentFactory.build(organization=org, concluded_at=None,
                                                  result="win")
    with pytest.raises(ValidationError):
        running_with_result.full_clean()
    refused_by_database(running_with_result.save)


def test_an_interview_needs_its_date_and_no_experiment_dates():
    org = OrganizationFactory()
    undated = InterviewFactory.build(organization=org, occurred_at=None)
    with pytest.raises(ValidationError) as error:
        undated.full_clean()
    assert "date of the interview" in messages(error.value, "occurred_at")
    refused_by_database(undated.save)
    hybrid = InterviewFactory.build(organization=org, started_at=timezone.now())
    refused_by_database(hybrid.save)


def test_a_link_to_another_organizations_hypothesis_is_refused():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    interview = InterviewFactory(organization=mine)
    foreign = HypothesisFactory(organization=theirs)
    link = EvidenceLink(organization=mine, evidence=interview, hypothesis=foreign,
                        strength="weak")
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "another organization" in messages(error.value, "hypothesis")
    refused_by_database(link.save)
    # Claiming the other organization for the link does not help: the evidence is mine.
    disguised = EvidenceLink(organization=theirs, evidence=interview, hypothesis=foreign,
                             strength="weak")
    refused_by_database(disguised.save)
    assert EvidenceLink.objects.count() == 0


def test_moving_linked_evidence_to_another_organization_is_refused():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    interview = InterviewFactory(organization=mine)
    EvidenceLink.objects.create(organization=mine, evidence=interview,
                                hypothesis=HypothesisFactory(organization=mine), strength="weak")
    refused_by_database(lambda: Interview.objects.filter(pk=interview.pk).update(organization=theirs))


def test_an_area_of_another_organization_is_refused():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    hypothesis = HypothesisFactory.build(organization=mine, area=AreaFactory(organization=theirs))
    with pytest.raises(ValidationError) as error:
        hypothesis.full_clean()
    assert "another organization" in messages(error.value, "area")
    refused_by_database(hypothesis.save)


def test_the_same_evidence_cannot_be_linked_twice_to_a_hypothesis():
    org = OrganizationFactory()
    interview, hypothesis = InterviewFactory(organization=org), HypothesisFactory(organization=org)
    EvidenceLink.objects.create(organization=org, evidence=interview, hypothesis=hypothesis,
                                strength="weak")
    duplicate = EvidenceLink(organization=org, evidence=interview, hypothesis=hypothesis,
                             strength="strong")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already linked" in str(error.value)
    refused_by_database(duplicate.save)


def test_evidence_time_is_generated_by_the_database():
    org = OrganizationFactory()
    interview = InterviewFactory(organization=org)
    running = ExperimentFactory(organization=org, concluded_at=None, result="")
    concluded = ExperimentFactory(organization=org)
    times = dict(Evidence.objects.values_list("id", "evidence_at"))
    assert times[interview.pk] == interview.occurred_at
    assert times[running.pk] is None
    assert times[concluded.pk] == concluded.concluded_at
    assert Experiment.objects.count() == 2 and Interview.objects.count() == 1


# --- instants between 1900-01-01T00:00:00Z and 9001-01-01T00:00:00Z (excluded) --------------------
INSTANT_COLUMNS = [(Hypothesis, "stated_at"), (Hypothesis, "decided_at"),
                   (HypothesisStatusChange, "decided_at"), (HypothesisStatusChange, "changed_at"),
                   (Interview, "occurred_at"), (Experiment, "started_at"),
                   (Experiment, "concluded_at")]


@pytest.fixture
def future_allowed():
    """Lift the not-in-future rule, so that the range's upper bound is what refuses a write.
    Requested before any row is written (PostgreSQL alters no table with pending deferred
    checks); the test's rollback puts it back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint "
                           "WHERE conname LIKE '%%_not_in_future'")
            statements = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'
                          for table, name in cursor.fetchall()]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE '%not_in_future%'")
            statements = [f'DROP TRIGGER "{name}"' for (name,) in cursor.fetchall()]
        assert statements
        for statement in statements:
            cursor.execute(statement)


def row_with(model, field: str):
    """A saved, valid row of `model` whose `field` is set (a decided hypothesis for
    decided_at, a concluded experiment)."""
    org = OrganizationFactory()
    if model is HypothesisStatusChange:
        hypothesis = HypothesisFactory(organization=org)
        return HypothesisStatusChange.objects.create(
            organization=org, hypothesis=hypothesis, from_status="open", to_status="validated",
            decided_at=hypothesis.stated_at + timedelta(days=1))
    if model is Hypothesis:
        return HypothesisFactory(organization=org, status="validated",
                                 decided_at=timezone.now() - timedelta(days=1))
    factory = InterviewFactory if model is Interview else ExperimentFactory
    return factory(organization=org)


def moved(model, row, field: str, value) -> Callable[[], object]:
    """An UPDATE that moves `field` to `value` (and, for an order rule, its partner with it)."""
    partner = {"stated_at": "decided_at", "decided_at": "stated_at", "started_at": "concluded_at",
               "concluded_at": "started_at"}.get(field) if model is not HypothesisStatusChange else None
    changes = {field: value, **({partner: value} if partner else {})}
    return lambda: model.objects.filter(pk=row.pk).update(**changes)


@pytest.mark.parametrize(("model", "field"), INSTANT_COLUMNS,
                         ids=[f"{m.__name__}.{f}" for m, f in INSTANT_COLUMNS])
def test_an_instant_before_1900_is_refused_by_the_model_and_the_database(model, field):
    row = row_with(model, field)
    setattr(row, field, datetime(1899, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "Use a date between 1900-01-01 and 9000-12-31." in messages(error.value, field)
    refused_by_database(moved(model, row, field, datetime(1899, 12, 31, 23, 59, 59, 999_999,
                                                          tzinfo=UTC)))
    moved(model, row, field, datetime(1900, 1, 1, tzinfo=UTC))()  # the first instant is accepted
    row.refresh_from_db()
    assert getattr(row, field) == datetime(1900, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("model", "field"), INSTANT_COLUMNS,
                         ids=[f"{m.__name__}.{f}" for m, f in INSTANT_COLUMNS])
def test_the_database_refuses_an_instant_after_9000_even_where_the_future_is_allowed(
        future_allowed, model, field):
    row = row_with(model, field)
    refused_by_database(moved(model, row, field, datetime(9001, 1, 1, tzinfo=UTC)))
    last = datetime(9000, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    moved(model, row, field, last)()  # the last instant is accepted
    row.refresh_from_db()
    assert getattr(row, field) == last
