"""A database error after a service has queued its follow-up work (`transaction.on_commit`)
rolls the whole transaction back and publishes nothing; a commit publishes exactly once.

The error here is the database's own (a constraint it enforces), raised in the same
transaction after the service returned — not a Python exception raised by the test — and the
spy sits at the broker's door (`app.amqp.send_task_message`), so any task counts, whoever
publishes it. tests/engine/test_on_commit.py covers every service with a plain exception.
On the PostgreSQL + Redis pass the last test does the same against the real Redis queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.api.conftest import row_counts
from validation import services
from validation.csvio.jobs import import_run
from validation.csvio.services import import_start
from validation.models import Evidence, EvidenceLink, Hypothesis, Status
from validation.models.imports import ImportJob, ImportStatus
from validation.services import LinkSpec

from .conftest import celery_broker, require_redis

pytestmark = pytest.mark.django_db(transaction=True)

RECOMPUTE = "validation.tasks.recompute_hypotheses"


@pytest.fixture
def world(team) -> dict[str, Any]:
    ago = timezone.now() - timedelta(days=10)
    h1 = services.hypothesis_create(organization=team.org, user=team.member, title="H1",
                                    statement="We believe …", stated_at=ago)
    h2 = services.hypothesis_create(organization=team.org, user=team.member, title="H2",
                                    statement="We believe …", stated_at=ago)
    interview = services.interview_log(organization=team.org, user=team.member,
                                       occurred_at=ago + timedelta(days=1), links=[LinkSpec(h1)])
    return {"team": team, "h1": h1, "h2": h2, "interview": interview, "ago": ago}


WRITES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "an interview logged": lambda w: services.interview_log(
        organization=w["team"].org, user=w["team"].member, occurred_at=w["ago"],
        links=[LinkSpec(w["h1"]), LinkSpec(w["h2"])]),
    "a hypothesis decided": lambda w: services.hypothesis_decide(
        hypothesis=w["h2"], user=w["team"].member, status=Status.VALIDATED),
    "evidence relinked": lambda w: services.evidence_update(
        evidence=w["interview"], links=[LinkSpec(w["h2"])]),
    "a statement back-dated": lambda w: services.hypothesis_update(
        hypothesis=w["h1"], stated_at=w["ago"] - timedelta(days=3)),
}


def database_refuses(w: dict[str, Any]) -> None:
    """A statement the database itself rejects: the same link inserted twice (the
    `link_unique_pair` constraint)."""
    link = {"organization_id": w["team"].org.pk, "evidence_id": w["interview"].pk,
            "hypothesis_id": w["h1"].pk, "stance": "supports", "strength": "weak"}
    EvidenceLink.objects.bulk_create([EvidenceLink(**link), EvidenceLink(**link)])


def state() -> tuple:
    return (row_counts(), sorted(Hypothesis.objects.values_list(
        "pk", "status", "stated_at", "decided_at", "evidence_count", "first_evidence_at")),
        sorted(EvidenceLink.objects.values_list("evidence_id", "hypothesis_id")))


@pytest.mark.parametrize("write", list(WRITES))
def test_a_database_error_after_the_write_rolls_it_back_and_publishes_nothing(
        write, world, published):
    before = state()
    with pytest.raises(IntegrityError), transaction.atomic():
        WRITES[write](world)
        database_refuses(world)
    assert published == []
    assert state() == before


@pytest.mark.parametrize("write", list(WRITES))
def test_the_same_write_committed_publishes_its_recompute_once_after_the_commit(
        write, world, published):
    with transaction.atomic():
        WRITES[write](world)
        assert published == []  # not before the commit
    assert published == [RECOMPUTE]


def test_a_database_error_while_an_import_writes_leaves_nothing_and_publishes_no_recompute(
        world, published, monkeypatch):
    """The hypothesis a CSV links to is deleted (by someone else) between the check of the rows
    and their write: the database refuses the links, the import's one transaction rolls back
    — none of the file's evidence is written —, the job says so, and nothing else is published
    than the import task itself."""
    team, h1 = world["team"], world["h1"]
    job = import_start(organization=team.org, user=team.member, kind="interviews",
                       filename="i.csv",
                       data=b"occurred_at,interviewee,hypotheses\n"
                            b"2026-03-02 09:00,Dana,H1\n2026-03-03 09:00,Eve,H1\n")
    assert published == ["validation.tasks.run_import"]
    write = services.evidence_import

    def hypothesis_deleted_meanwhile(**kwargs: Any) -> list[int]:
        Hypothesis.objects.filter(pk=h1.pk).delete()
        return write(**kwargs)

    monkeypatch.setattr(services, "evidence_import", hypothesis_deleted_meanwhile)
    evidence_before = Evidence.objects.count()
    with pytest.raises(IntegrityError):
        import_run(job.pk)  # as the worker runs it
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "nothing was imported" in job.error
    assert Evidence.objects.count() == evidence_before
    assert not Evidence.objects.filter(interviewee__in=["Dana", "Eve"]).exists()
    assert published == ["validation.tasks.run_import"]
    assert ImportJob.objects.get(pk=job.pk).content == ""


def test_with_the_real_broker_a_rollback_leaves_the_queue_empty_and_a_commit_fills_it(world):
    require_redis()
    queue = f"tests-rollback-{world['h1'].pk}-{timezone.now().timestamp():.0f}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with celery_broker(settings.REDIS_URL) as app:
            app.conf.task_default_queue = queue
            try:
                with pytest.raises(IntegrityError), transaction.atomic():
                    WRITES["an interview logged"](world)
                    database_refuses(world)
                assert client.llen(queue) == 0
                WRITES["an interview logged"](world)
                assert client.llen(queue) == 1
            finally:
                app.conf.task_default_queue = "celery"
    finally:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
