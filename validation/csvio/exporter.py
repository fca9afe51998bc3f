"""CSV export of hypotheses (with their derived metrics) and of each evidence source, in the
import format, so that an export re-imports into an empty organization without loss."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from validation.models import Evidence, EvidenceLink, Hypothesis

from .formats import COLUMNS, Kind, export_columns
from .reader import FORMULA_STARTS

CHUNK = 500


def escape(value: Any) -> str:
    """A cell as text; one a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    text = str(value) if not isinstance(value, Decimal) else format(value, "f")
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _hypothesis_row(h: Hypothesis) -> dict[str, Any]:
    return {
        "id": h.pk, "title": h.title, "statement": h.statement,
        "success_criteria": h.success_criteria, "area": h.area.name if h.area else None,
        "owner": h.owner.get_username() if h.owner else None, "stated_at": h.stated_at,
        "status": h.status, "decided_at": h.decided_at, "decision_note": h.decision_note,
        "first_evidence_at": h.first_evidence_at,
        "time_to_first_evidence_days": h.time_to_first_evidence_days,
        "cycle_time_days": h.cycle_time_days, "evidence_count": h.evidence_count,
        "last_evidence_at": h.last_evidence_at, "created_at": h.created_at,
    }


def _links_cell(evidence: Evidence) -> str:
    """`Title|stance|strength; …` — by title, so the file re-imports into another
    organization; a title that cannot be written so (it holds ; | or a line break) by #id."""
    parts = []
    for link in evidence.links.all():
        title = link.hypothesis.title
        reference = f"#{link.hypothesis_id}" if any(c in title for c in ";|\n\r") else title
        parts.append(f"{reference}|{link.stance}|{link.strength}")
    return "; ".join(parts)


def _evidence_row(e: Evidence) -> dict[str, Any]:
    stats = e.stats
    row = {field: getattr(e, field) for field in (
        "id", "occurred_at", "interviewee", "company", "segment", "notes", "quotes", "account",
        "deal_stage", "deal_value", "feedback", "objections", "name", "kind", "started_at",
        "concluded_at", "metric", "control_users", "control_conversions", "variant_users",
        "variant_conversions", "result", "evidence_at", "created_at")}
    row["created_by"] = e.created_by.get_username() if e.created_by else None
    row["hypotheses"] = _links_cell(e)
    row["lift"] = stats.lift if stats else None
    row["p_value"] = stats.p_value if stats else None
    return row


def export_queryset(kind: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The joins and prefetches an export of `kind` needs (a constant number of queries)."""
    if kind == Kind.HYPOTHESES:
        return queryset.select_related("area", "owner")
    links = EvidenceLink.objects.select_related("hypothesis").only(
        "id", "evidence_id", "hypothesis_id", "stance", "strength", "hypothesis__title")
    return queryset.select_related("created_by").prefetch_related(
        Prefetch("links", queryset=links.order_by("id")))


def export_lines(kind: str, queryset: QuerySet[Any]) -> Iterator[str]:
    """The CSV text, a line at a time (for a streaming response)."""
    columns = export_columns(kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield "\ufeff" + flush()  # a byte-order mark: Excel then reads the file as UTF-8
    to_row = _hypothesis_row if kind == Kind.HYPOTHESES else _evidence_row
    rows: Iterable[Any] = export_queryset(kind, queryset).iterator(chunk_size=CHUNK)
    for obj in rows:
        values = to_row(obj)
        writer.writerow([escape(values.get(column)) for column in columns])
        yield flush()


def template_lines(kind: str) -> Iterator[str]:
    """A template: the header and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS[kind]])
    writer.writerow([c.example for c in COLUMNS[kind]])
    yield "\ufeff" + buffer.getvalue()
