"""Two recomputes of one hypothesis on two connections never leave a stale value.

Thread A recomputes a hypothesis and is paused while it holds the hypothesis's row lock —
before its aggregate runs, inside its UPDATE after the statement's snapshot was taken, or
after it has written (old) values but before it commits.
Meanwhile thread B logs evidence linked to that hypothesis: the link commits without waiting
for A (the engine's lock is FOR NO KEY UPDATE, which foreign-key checks do not conflict with),
and B's own on-commit recompute then waits for A's lock. Whatever A wrote, the value stored
in the end includes B's evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections

from tests.worker import wait_until
from validation import engine, services
from validation.models import EvidenceLink, Hypothesis
from validation.services import LinkSpec

from ..factories import BASE, InterviewFactory, LinkFactory

ADVISORY_KEY = 734_001
WAIT = f"(pg_advisory_xact_lock_shared({ADVISORY_KEY}))::text"
PAUSE_POINTS = ["after taking the lock, before its aggregate",
                "inside its UPDATE, between its snapshot and its write",
                "after writing old values, before committing"]


class Pause:
    """Makes recompute A wait at `point`, while it holds its row lock, on an advisory lock the
    test holds: the wait is written into A's SQL (the engine sends the lock and the UPDATE in
    one round trip, so Python cannot step in between)."""

    def __init__(self, point: str) -> None:
        self.point = point

    def wrapper(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        return execute(self.inject(sql), params, many, context)

    def inject(self, sql: str) -> str:
        head, found, update = sql.partition('UPDATE "validation_hypothesis"')
        if self.point == "after taking the lock, before its aggregate":
            # Evaluated once the count has consumed (and so locked) every row.
            head = head.replace("SELECT count(*) FROM (", f"SELECT count(*), {WAIT} FROM (", 1)
            return head + found + update
        if not found:
            return sql
        if self.point == "inside its UPDATE, between its snapshot and its write":
            # FROM (aggregate) AS d → FROM (SELECT * FROM (aggregate) AS agg WHERE <wait>
            # OFFSET 0) AS d: the wait runs on each aggregate row, after the statement's snapshot.
            update = update.replace(" FROM (", " FROM (SELECT * FROM (", 1).replace(
                ") AS d WHERE", f") AS agg WHERE {WAIT} = '' OFFSET 0) AS d WHERE", 1)
        else:
            update += f" RETURNING {WAIT}"  # after each row is written
        return head + found + update

    @staticmethod
    def hold() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])

    @staticmethod
    def wait_until_paused() -> None:
        wait_until(lambda: sessions_waiting("advisory"), timeout=10,
                   message="recompute A to reach its pause point")

    @staticmethod
    def release() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])


class Worker(threading.Thread):
    """A thread with its own database connection, closed when it ends; keeps its error."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.target()
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connections.close_all()


def sessions_waiting(kind: str) -> int:
    """Sessions of the test database waiting for an advisory lock, or for a row ("row")."""
    condition = "wait_event = 'advisory'" if kind == "advisory" else "wait_event <> 'advisory'"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       f"AND wait_event_type = 'Lock' AND {condition}")
        return cursor.fetchone()[0]


def race(team: Any, point: str) -> Hypothesis:
    """Recompute A (of a newly linked interview) is paused at `point` while B logs a linked
    sales call; returns the hypothesis once both are done. Asserts that B's link committed
    while A held its lock."""
    org, user = team.org, team.member
    hypothesis = services.hypothesis_create(organization=org, user=user, title="Usage pricing",
                                            statement="We believe …", stated_at=BASE)
    # An interview linked without going through the services: its recompute is A, below.
    LinkFactory(hypothesis=hypothesis, evidence=InterviewFactory(
        organization=org, occurred_at=BASE + timedelta(days=1)))
    pause = Pause(point)

    def recompute_a() -> None:
        with connection.execute_wrapper(pause.wrapper):
            engine.recompute_hypotheses([hypothesis.pk])

    a = Worker(recompute_a)
    b = Worker(lambda: services.sales_call_log(
        organization=org, user=user, account="Initech", occurred_at=LATE_CALL,
        links=[LinkSpec(hypothesis)]))  # B's recompute runs on commit, in B's thread
    pause.hold()
    a.start()
    try:
        pause.wait_until_paused()
        b.start()
        wait_until(lambda: EvidenceLink.objects.filter(hypothesis=hypothesis).count() == 2,
                   timeout=10, message="B's link to commit while A holds the row lock")
        wait_until(lambda: not b.is_alive() or sessions_waiting("row"), timeout=10,
                   message="B's on-commit recompute to finish or to wait for A's lock")
    finally:
        pause.release()
        for thread in (a, b):
            if thread.ident is not None:
                thread.join(timeout=30)
    assert not a.is_alive() and not b.is_alive()
    assert a.error is None and b.error is None, (a.error, b.error)
    hypothesis.refresh_from_db()
    return hypothesis


LATE_CALL = BASE + timedelta(days=6)


@pytest.mark.parametrize("point", PAUSE_POINTS)
def test_a_link_committed_while_another_recompute_holds_the_lock_is_never_lost(postgresql, team,
                                                                               point):
    hypothesis = race(team, point)
    assert hypothesis.evidence_count == 2
    assert hypothesis.last_evidence_at == LATE_CALL
    assert hypothesis.first_sales_call_at == LATE_CALL
    assert engine.verify() == []


def test_without_the_row_lock_the_same_race_would_leave_a_stale_value(postgresql, team,
                                                                      monkeypatch):
    """The control: it shows the race above is real and the test can see it. Without the
    lock, B's recompute does not wait and stores the right values first; then A, whose
    snapshot predates B's link, re-checks the row PostgreSQL-style (EvalPlanQual), still
    finds it different from its own result, and overwrites it."""
    monkeypatch.setattr(engine, "_lock_statement", lambda scope: None)
    engine._compiled_for_ids.cache_clear()
    try:
        hypothesis = race(team, "inside its UPDATE, between its snapshot and its write")
    finally:
        engine._compiled_for_ids.cache_clear()
    assert hypothesis.evidence_count == 1  # stale: B's sales call is missing
    assert {m.field for m in engine.verify()} == {"evidence_count", "first_sales_call_at",
                                                  "last_evidence_at"}


