"""Database functions the metrics need, written once for PostgreSQL and SQLite.

PostgreSQL has `percentile_cont`; SQLite gets the same aggregate registered on each new
connection (as Django itself does for its SQLite math functions), so that both databases
compute percentiles inside the query and give identical results.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F, FloatField, Func
from django.dispatch import receiver


def interpolated_percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Return the `fraction` percentile of `sorted_values` by linear interpolation between
    closest ranks (PostgreSQL's percentile_cont, NumPy's default), or None when empty."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    low, high = sorted_values[lower], sorted_values[upper]
    return low + (high - low) * (position - lower)


class _SQLitePercentileCont:
    """SQLite aggregate `percentile_cont(value, fraction)`; NULL values are ignored."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        self.values.sort()
        return interpolated_percentile(self.values, self.fraction)


@receiver(connection_created)
def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, _SQLitePercentileCont)


class PercentileCont(Aggregate):
    """`percentile_cont(fraction)` over `expression`; NULLs are ignored, an empty set is NULL."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must lie between 0 and 1")
        self.fraction = fraction
        super().__init__(expression, **extra)

    # The fraction is a validated float, written into the SQL as a literal. The template is
    # set on a copy because Aggregate.as_sql builds its FILTER clause around `self.template`.
    def _with_template(self, template: str) -> PercentileCont:
        clone = self.copy()
        clone.template = template
        return clone

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = f"%(function)s({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        return Aggregate.as_sql(self._with_template(template), compiler, connection,
                                **extra_context)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = f"%(function)s(%(expressions)s, {self.fraction!r})"
        return Aggregate.as_sql(self._with_template(template), compiler, connection,
                                **extra_context)

    def get_group_by_cols(self) -> list[Any]:
        return []


class DurationSeconds(Func):
    """A duration expression as a float number of seconds."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8",
                           **extra_context)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # Django stores durations on SQLite as whole microseconds.
        return self.as_sql(compiler, connection, template="(%(expressions)s / 1000000.0)",
                           **extra_context)


def seconds_between(end: str, start: str) -> DurationSeconds:
    """Seconds from the instant in field `start` to the one in field `end` (NULL if either is)."""
    return DurationSeconds(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))
