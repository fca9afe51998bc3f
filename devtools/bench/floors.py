"""The floors: what a person fluent in SQL would write by hand for each measured operation.

Each is the same computation as the application's (the benchmark checks that the results are
equal), written directly against the tables, with no ORM, no locks, no task queue.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import connection

_DERIVED = ("first_evidence_at", "first_interview_at", "first_sales_call_at",
            "first_experiment_at", "last_evidence_at", "evidence_count", "cycle_time")

_AGGREGATE = """
    SELECT h.id,
           min(e.evidence_at) FILTER (WHERE e.evidence_at >= h.stated_at) AS first_evidence_at,
           min(e.evidence_at) FILTER (WHERE e.evidence_at >= h.stated_at
                                        AND e.source = 'interview') AS first_interview_at,
           min(e.evidence_at) FILTER (WHERE e.evidence_at >= h.stated_at
                                        AND e.source = 'sales_call') AS first_sales_call_at,
           min(e.evidence_at) FILTER (WHERE e.evidence_at >= h.stated_at
                                        AND e.source = 'experiment') AS first_experiment_at,
           max(e.evidence_at) FILTER (WHERE e.evidence_at >= h.stated_at) AS last_evidence_at,
           count(e.evidence_at) AS evidence_count,
           CASE WHEN h.status IN ('validated', 'invalidated')
                THEN h.decided_at - h.stated_at END AS cycle_time
      FROM validation_hypothesis h
      LEFT JOIN validation_evidencelink l ON l.hypothesis_id = h.id
      LEFT JOIN validation_evidence e ON e.id = l.evidence_id
     {where}
     GROUP BY h.id
"""
_UPDATE = ("UPDATE validation_hypothesis AS t SET "
           + ", ".join(f"{f} = d.{f}" for f in _DERIVED)
           + " FROM ({aggregate}) AS d WHERE t.id = d.id")

FULL_RECOMPUTE = _UPDATE.format(aggregate=_AGGREGATE.format(where=""))
ONE_HYPOTHESIS = _UPDATE.format(aggregate=_AGGREGATE.format(where="WHERE h.id = %(id)s"))
RESET_DERIVED = ("UPDATE validation_hypothesis SET first_evidence_at = NULL, "
                 "first_interview_at = NULL, first_sales_call_at = NULL, "
                 "first_experiment_at = NULL, last_evidence_at = NULL, evidence_count = 0, "
                 "cycle_time = NULL")

_WEEK = "date_trunc('week', {column} AT TIME ZONE %(tz)s)"
_DECISIONS = f"""
    SELECT {_WEEK.format(column="decided_at")} AS week,
           count(*) FILTER (WHERE status = 'validated'),
           count(*) FILTER (WHERE status = 'invalidated'),
           count(*) FILTER (WHERE status = 'abandoned'),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM cycle_time))
               FILTER (WHERE status IN ('validated', 'invalidated')),
           percentile_cont(0.85) WITHIN GROUP (ORDER BY extract(epoch FROM cycle_time))
               FILTER (WHERE status IN ('validated', 'invalidated'))
      FROM validation_hypothesis
     WHERE organization_id = %(org)s AND decided_at >= %(start)s AND decided_at < %(end)s
     GROUP BY 1"""
_STATED = f"""
    SELECT {_WEEK.format(column="stated_at")} AS week, count(*)
      FROM validation_hypothesis
     WHERE organization_id = %(org)s AND stated_at >= %(start)s AND stated_at < %(end)s
     GROUP BY 1"""
# Evidence per local week and source, counted over index ranges between local week boundaries.
_EVIDENCE_BY_RANGE = """
    SELECT w.i, s.source,
           (SELECT count(*) FROM validation_evidence e
             WHERE e.organization_id = %(org)s AND e.source = s.source
               AND e.evidence_at >= w.lo AND e.evidence_at < w.hi)
      FROM (SELECT i, ((%(monday)s::date + 7 * i)::timestamp AT TIME ZONE %(tz)s) AS lo,
                   ((%(monday)s::date + 7 * (i + 1))::timestamp AT TIME ZONE %(tz)s) AS hi
              FROM generate_series(0, %(weeks)s - 1) AS i) AS w
     CROSS JOIN (VALUES ('interview'), ('sales_call'), ('experiment')) AS s(source)"""
# The textbook way: every row converted to local time and grouped.
_EVIDENCE_BY_GROUP = f"""
    SELECT {_WEEK.format(column="evidence_at")} AS week, source, count(*)
      FROM validation_evidence
     WHERE organization_id = %(org)s AND evidence_at >= %(start)s AND evidence_at < %(end)s
     GROUP BY 1, 2"""

_PCT = "percentile_cont({q}) WITHIN GROUP (ORDER BY extract(epoch FROM {expr})) FILTER (WHERE {cond})"
_DECIDED = "status IN ('validated', 'invalidated')"
CYCLE_TIME_STATS = "SELECT " + ",\n".join([
    "count(*) FILTER (WHERE status = 'validated')",
    "count(*) FILTER (WHERE status = 'invalidated')",
    "count(*) FILTER (WHERE status = 'abandoned')",
    f"count(cycle_time) FILTER (WHERE {_DECIDED})",
    f"avg(extract(epoch FROM cycle_time)) FILTER (WHERE {_DECIDED})",
    *[_PCT.format(q=q, expr="cycle_time", cond=_DECIDED) for q in (0.5, 0.85, 0.95)],
    f"count(first_evidence_at) FILTER (WHERE {_DECIDED})",
    *[_PCT.format(q=q, expr="first_evidence_at - stated_at", cond=_DECIDED) for q in (0.5, 0.85)],
    *[part for source in ("interview", "sales_call", "experiment") for part in (
        f"count(first_{source}_at) FILTER (WHERE {_DECIDED})",
        *[_PCT.format(q=q, expr=f"first_{source}_at - stated_at", cond=_DECIDED)
          for q in (0.5, 0.85)])],
]) + "\nFROM validation_hypothesis WHERE organization_id = %(org)s"


def run(sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def velocity(org_id: int, tz: str, first_monday: date, weeks: int, start: datetime,
             end: datetime, *, group_by: bool = False) -> list[list[tuple]]:
    """Decisions, statements and evidence per local week; the evidence by index ranges (the
    application's method) or, with `group_by`, by grouping every row."""
    params = {"org": org_id, "tz": tz, "monday": first_monday, "weeks": weeks, "start": start,
              "end": end}
    evidence = _EVIDENCE_BY_GROUP if group_by else _EVIDENCE_BY_RANGE
    return [run(sql, params) for sql in (_DECISIONS, _STATED, evidence)]
