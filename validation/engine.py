"""The cycle-time engine: each hypothesis's derived values, computed set-based in SQL.

One aggregate over hypotheses ⟕ links ⟕ evidence gives, per hypothesis, PRODUCT.md's derived
values; one `UPDATE … FROM (that aggregate)` stores them, touching only the rows whose values
differ. The same code serves one hypothesis (the incremental task), a batch, an organization
or everything (the hourly reconcile), and `verify` runs the aggregate without writing.

Concurrency: the hypothesis rows are locked (in id order) *before* the aggregate runs. Under
READ COMMITTED each statement takes a fresh snapshot, so every computation sees all changes
committed before it acquired the locks, and writers of one hypothesis are serialized: the last
writer has the newest snapshot, and no older computation can overwrite a newer value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, When
from kombu.exceptions import OperationalError

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


def _lock(scope: Q) -> None:
    """Lock the hypothesis rows of `scope` in id order (a no-op on SQLite, whose write
    transactions are already serialized: settings use BEGIN IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    sql, params = (Hypothesis.objects.filter(scope).order_by("id").select_for_update(of=("self",))
                   .values("id").query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS locked", params)  # noqa: S608


def _store(scope: Q) -> int:
    """Recompute the hypotheses of `scope` and write the values that differ.

    Returns the number of hypotheses whose stored values were corrected.
    """
    table = Hypothesis._meta.db_table
    sql, params = _from_scratch(scope).query.sql_with_params()
    assignments = ", ".join(f'"{f}" = d."computed_{f}"' for f in DERIVED_FIELDS)
    differs = " OR ".join(f'"{table}"."{f}" IS DISTINCT FROM d."computed_{f}"'
                          for f in DERIVED_FIELDS)
    statement = (
        f'UPDATE "{table}" SET {assignments} FROM ({sql}) AS d '  # noqa: S608
        f'WHERE "{table}"."id" = d."id" AND ({differs})'
    )
    with transaction.atomic():
        _lock(scope)
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount


def recompute_hypotheses(ids: Iterable[int]) -> int:
    """Recompute the given hypotheses; returns how many had wrong stored values."""
    ids = sorted(set(ids))
    return sum(_store(Q(id__in=ids[i:i + BATCH_SIZE])) for i in range(0, len(ids), BATCH_SIZE))


def recompute_all(organization_id: int | None = None) -> int:
    """Recompute every hypothesis (of one organization, if given) in one set-based UPDATE.

    Returns how many hypotheses had wrong stored values.
    """
    scope = Q(organization_id=organization_id) if organization_id else Q()
    corrected = _store(scope)
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
    """Compare stored derived values with a from-scratch computation, writing nothing."""
    scope = Q(organization_id=organization_id) if organization_id else Q()
    stored = {row["id"]: row for row in
              Hypothesis.objects.filter(scope).values("id", *DERIVED_FIELDS).iterator(2000)}
    mismatches = []
    for expected in _from_scratch(scope).iterator(2000):
        actual = stored[expected["id"]]
        mismatches += [Mismatch(expected["id"], f, actual[f], expected[f"computed_{f}"])
                       for f in DERIVED_FIELDS if actual[f] != expected[f"computed_{f}"]]
    return sorted(mismatches, key=lambda m: (m.hypothesis_id, m.field))


def enqueue_recompute(ids: Sequence[int]) -> None:
    """Queue the recompute of `ids` in batches. Call it after commit (`transaction.on_commit`).

    If the broker cannot be reached the change is already committed: the hourly reconcile
    will correct the derived values, so this logs and returns instead of failing the request.
    """
    from .tasks import recompute_hypotheses_task

    ids = sorted(set(ids))
    for i in range(0, len(ids), BATCH_SIZE):
        batch = ids[i:i + BATCH_SIZE]
        try:
            recompute_hypotheses_task.delay(batch)
        except OperationalError:
            logger.warning("broker unreachable: recompute of %d hypotheses left to the "
                           "reconcile task", len(batch))
            return


def recompute_on_commit(ids: Iterable[int]) -> None:
    """Enqueue the recompute of `ids` once the current transaction commits."""
    batch = sorted(set(ids))
    if batch:
        transaction.on_commit(lambda: enqueue_recompute(batch))
