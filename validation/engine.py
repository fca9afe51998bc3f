"""The cycle-time engine: each hypothesis's derived values, computed set-based in SQL.

One aggregate over hypotheses ⟕ links ⟕ evidence gives, per hypothesis, PRODUCT.md's derived
values; one `UPDATE … FROM (that aggregate)` stores them, touching only the rows whose values
differ. The same code serves one hypothesis (the incremental task), a batch, an organization
or everything (the hourly reconcile), and `verify` runs the aggregate without writing.

Concurrency: the hypothesis rows are locked (in id order) *before* the aggregate runs. Under
READ COMMITTED each statement takes a fresh snapshot, so every computation sees all changes
committed before it acquired the locks, and writers of one hypothesis are serialized: the last
writer has the newest snapshot, and no older computation can overwrite a newer value. A change
committed while a computation holds the lock enqueues its own recompute after commit (the
services do, through validation.tasks), which waits for that lock and then sees the change.

This module is pure computation: it neither queues nor knows about tasks.

The lock is `FOR NO KEY UPDATE`, the mode PostgreSQL's own UPDATE takes: it serializes the
engine's writers and the services' `select_for_update()` edits of a hypothesis, but not the
foreign-key checks of new evidence links (FOR KEY SHARE), so logging evidence never waits for
a recompute — not even for the hourly reconcile, which locks every hypothesis for seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, When

from .models import DECIDED_STATUSES, Hypothesis, Source

logger = logging.getLogger("proofloop.engine")

DERIVED_FIELDS = (
    "first_evidence_at",
    "first_interview_at",
    "first_sales_call_at",
    "first_experiment_at",
    "last_evidence_at",
    "evidence_count",
    "cycle_time",
)
COMPUTED = tuple(f"computed_{f}" for f in DERIVED_FIELDS)
BATCH_SIZE = 500


def _from_scratch(scope: Q) -> Any:
    """The derived values of the hypotheses in `scope`, computed from the source rows.

    Returns a `values()` QuerySet with `id` and one `computed_<field>` column per
    DERIVED_FIELDS (annotations may not reuse the model's field names).
    """
    evidence_at = "links__evidence__evidence_at"
    # Counted evidence: has an evidence time at or after the statement (PRODUCT.md).
    counted = Q(**{f"{evidence_at}__gte": F("stated_at")})
    firsts = {
        f"computed_first_{source}_at": Min(evidence_at, filter=counted & Q(links__evidence__source=source))
        for source in Source.values
    }
    return (
        Hypothesis.objects.filter(scope)
        .order_by()
        .values("id")
        .annotate(
            computed_first_evidence_at=Min(evidence_at, filter=counted),
            **firsts,
            computed_last_evidence_at=Max(evidence_at, filter=counted),
            # All linked evidence, prior included; a running experiment is not evidence yet.
            computed_evidence_count=Count("links", filter=Q(**{f"{evidence_at}__isnull": False})),
            computed_cycle_time=Case(
                When(status__in=DECIDED_STATUSES,
                     then=ExpressionWrapper(F("decided_at") - F("stated_at"),
                                            output_field=DurationField())),
                default=None,
                output_field=DurationField(),
            ),
        )
        .values("id", *COMPUTED)
    )


Statement = tuple[str, list[Any]]


def _lock_statement(scope: Q) -> Statement | None:
    """The statement locking the hypothesis rows of `scope` in id order; None on SQLite, whose
    write transactions are already serialized (settings use BEGIN IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return None
    sql, params = (Hypothesis.objects.filter(scope).order_by("id")
                   .select_for_update(of=("self",), no_key=True)
                   .values("id").query.sql_with_params())
    return f"SELECT count(*) FROM ({sql}) AS locked", list(params)  # noqa: S608


def _update_statement(scope: Q) -> Statement:
    """`UPDATE … FROM (the aggregate of scope)`, writing only the values that differ."""
    table = Hypothesis._meta.db_table
    sql, params = _from_scratch(scope).query.sql_with_params()
    assignments = ", ".join(f'"{f}" = d."computed_{f}"' for f in DERIVED_FIELDS)
    differs = " OR ".join(f'"{table}"."{f}" IS DISTINCT FROM d."computed_{f}"'
                          for f in DERIVED_FIELDS)
    return (f'UPDATE "{table}" SET {assignments} FROM ({sql}) AS d '  # noqa: S608
            f'WHERE "{table}"."id" = d."id" AND ({differs})', list(params))


def _compiled(scope: Q) -> tuple[Statement | None, Statement]:
    """The lock and update statements of `scope` (Django compiles a row lock only inside a
    transaction; this one sends nothing to the database)."""
    with transaction.atomic(savepoint=False):
        return _lock_statement(scope), _update_statement(scope)


@lru_cache(maxsize=64)
def _compiled_for_ids(vendor: str, count: int) -> tuple[Statement | None, Statement]:
    """The lock and update statements for `count` hypothesis ids, compiled once per size.

    Compiling the ORM aggregate takes longer (~1.5 ms) than running it for one hypothesis, and
    the incremental task runs it for every change. The statements are compiled with the ids
    -1 … -count (no hypothesis has a negative id) that `_bind` replaces. `vendor` is part of
    the key because the SQL differs between databases.
    """
    return _compiled(Q(id__in=[-(i + 1) for i in range(count)]))


def _bind(statement: Statement | None, ids: Sequence[int]) -> Statement | None:
    if statement is None:
        return None
    sql, params = statement
    placeholders = [i for i, param in enumerate(params) if type(param) is int and param < 0]
    if len(placeholders) != len(ids):
        raise RuntimeError(f"expected {len(ids)} id parameters, found {len(placeholders)}")
    bound = list(params)
    for i in placeholders:
        bound[i] = ids[-params[i] - 1]
    return sql, bound


def _lock(statement: Statement | None) -> None:
    """Take the row locks (see the module's docstring)."""
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def _store(lock: Statement | None, update: Statement) -> int:
    """Lock, recompute and write the values that differ, atomically.

    Outside a transaction on PostgreSQL both statements travel in one round trip: the server
    runs a multi-statement query as one implicit transaction (the row locks are held until it
    commits) and, under READ COMMITTED, gives each statement its own snapshot — so the UPDATE
    still sees everything committed before the locks were granted. On a busy machine every
    round trip is a chance to wait for a CPU; the incremental task would otherwise make four
    (BEGIN, lock, UPDATE, COMMIT). Inside a transaction (eager tasks, callers' atomic blocks)
    the statements run one by one in a savepoint.

    Returns the number of hypotheses whose stored values were corrected.
    """
    if (lock is not None and connection.get_autocommit() and not connection.in_atomic_block
            # A multi-statement string needs client-side binding, Django's default; with
            # OPTIONS["server_side_binding"] psycopg uses the extended protocol, which refuses it.
            and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")):
        with connection.cursor() as cursor:
            cursor.execute(f"{lock[0]}; {update[0]}", [*lock[1], *update[1]])
            if not cursor.nextset():  # move to the UPDATE's result
                raise RuntimeError("the UPDATE's result is missing")
            return cursor.rowcount
    with transaction.atomic():
        _lock(lock)
        with connection.cursor() as cursor:
            cursor.execute(*update)
            return cursor.rowcount


def recompute_hypotheses(ids: Iterable[int]) -> int:
    """Recompute the given hypotheses; returns how many had wrong stored values."""
    ids = sorted(set(ids))
    corrected = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        lock, update = _compiled_for_ids(connection.vendor, len(batch))
        corrected += _store(_bind(lock, batch), _bind(update, batch))  # type: ignore[arg-type]
    return corrected


def recompute_all(organization_id: int | None = None) -> int:
    """Recompute every hypothesis (of one organization, if given) in one set-based UPDATE.

    Returns how many hypotheses had wrong stored values.
    """
    scope = Q(organization_id=organization_id) if organization_id else Q()
    corrected = _store(*_compiled(scope))
    logger.info("recompute_all organization=%s corrected=%d", organization_id or "all", corrected)
    return corrected


@dataclass(frozen=True)
class Mismatch:
    hypothesis_id: int
    field: str
    stored: datetime | timedelta | int | None
    expected: datetime | timedelta | int | None

    def __str__(self) -> str:
        return (f"hypothesis {self.hypothesis_id}: {self.field} stored {self.stored!r}, "
                f"expected {self.expected!r}")


def verify(organization_id: int | None = None) -> list[Mismatch]:
    """Compare stored derived values with a from-scratch computation, writing nothing.

    Returns the mismatches, ordered by hypothesis and field; empty when all values are right.
    One query reads the stored and the computed values side by side (one snapshot).
    """
    scope = Q(organization_id=organization_id) if organization_id else Q()
    stored = {f"stored_{f}": F(f) for f in DERIVED_FIELDS}
    rows = (_from_scratch(scope).annotate(**stored)
            .values("id", *COMPUTED, *stored).order_by("id"))
    return [Mismatch(row["id"], f, row[f"stored_{f}"], row[f"computed_{f}"])
            for row in rows.iterator(2000)
            for f in DERIVED_FIELDS if row[f"stored_{f}"] != row[f"computed_{f}"]]
