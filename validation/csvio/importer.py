"""Validate every row of a CSV with the API's rules, then write all of them or none.

Validation reads only: each row goes through the REST API's input serializer (types, choices,
lengths, members, links inside the organization) and then the model's clean() (no future
instants, no decision before the statement, conversions within users, …). Only a file
without a single bad row is written, in one transaction, with bulk inserts; the hypotheses it
touches are then recomputed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from core.models import Organization
from validation import engine, services
from validation.api.serializers.evidence import (
    ExperimentInputSerializer,
    InterviewInputSerializer,
    SalesCallInputSerializer,
)
from validation.api.serializers.fields import InstantField
from validation.api.serializers.hypotheses import HypothesisInputSerializer
from validation.models import (
    DEFAULT_STRENGTH,
    Evidence,
    EvidenceLink,
    Hypothesis,
    HypothesisStatusChange,
    Source,
    Status,
)

from .formats import Kind, column_names
from .reader import ParsedFile

Progress = Callable[[int], None]
# Foreign keys the import sets itself (the serializer has already checked `owner`): the models'
# field validation would otherwise run one query per key and row. The database still checks
# them, and the models' clean() rules all run.
KNOWN_GOOD = ["organization", "created_by"]
PROGRESS_EVERY = 100

SOURCE_OF = {Kind.INTERVIEWS: Source.INTERVIEW, Kind.SALES_CALLS: Source.SALES_CALL,
             Kind.EXPERIMENTS: Source.EXPERIMENT}
INPUT_SERIALIZER = {Kind.INTERVIEWS: InterviewInputSerializer,
                    Kind.SALES_CALLS: SalesCallInputSerializer,
                    Kind.EXPERIMENTS: ExperimentInputSerializer}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # "" when the error concerns the whole row
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


class RowErrors(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


class _DecisionColumns(serializers.Serializer):
    """A hypothesis row's decision, which the API sets through `decide` instead."""

    status = serializers.ChoiceField(choices=Status.choices, default=Status.OPEN)
    decided_at = InstantField(required=False)
    decision_note = serializers.CharField(required=False, allow_blank=True, default="")


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    """DRF's nested error structure as readable sentences."""
    if isinstance(errors, dict):
        return [m for key, value in errors.items()
                for m in _flatten(value, f"{prefix}{key}: " if key != "non_field_errors" else prefix)]
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [f"{prefix}{e}" for e in errors]
        return [m for i, e in enumerate(errors, start=1) if e
                for m in _flatten(e, f"{prefix}link {i}: ")]
    return [f"{prefix}{errors}"]


def _row_errors(line: int, errors: Any, columns: set[str]) -> list[RowError]:
    """Errors keyed by field (serializer or model) → one RowError per message and column."""
    found = []
    items = errors.items() if isinstance(errors, dict) else [("", errors)]
    for field, messages in items:
        column = field if field in columns else ""
        found += [RowError(line, column, message) for message in _flatten(messages)]
    return found


def _cells(row: dict[str, str], kind: str) -> dict[str, str]:
    """The row's importable cells, blank ones left out (a blank cell is "not given")."""
    names = set(column_names(kind))
    return {k: v.strip() for k, v in row.items() if k in names and v.strip() != ""}


# --- hypotheses ---------------------------------------------------------------------------------
@dataclass
class _HypothesisRecord:
    hypothesis: Hypothesis
    area: str | None


def _validate_hypothesis(org: Organization, user: Any, line: int, row: dict[str, str]
                         ) -> tuple[_HypothesisRecord | None, list[RowError]]:
    cells = _cells(row, Kind.HYPOTHESES)
    columns = set(column_names(Kind.HYPOTHESES))
    context = {"organization": org}
    fields = HypothesisInputSerializer(data={k: v for k, v in cells.items()
                                             if k not in ("status", "decided_at", "decision_note")},
                                       context=context)
    decision = _DecisionColumns(data={k: cells[k] for k in ("status", "decided_at",
                                                           "decision_note") if k in cells})
    errors = []
    if not fields.is_valid():
        errors += _row_errors(line, fields.errors, columns)
    if not decision.is_valid():
        errors += _row_errors(line, decision.errors, columns)
    if errors:
        return None, errors
    data, outcome = dict(fields.validated_data), decision.validated_data
    area = data.pop("area", None) or None
    hypothesis = Hypothesis(organization=org, created_by=user, **data,
                            status=outcome["status"], decided_at=outcome.get("decided_at"),
                            decision_note=outcome["decision_note"])
    if hypothesis.stated_at is None:
        hypothesis.stated_at = timezone.now()
    try:
        hypothesis.full_clean(exclude=KNOWN_GOOD + ["area", "owner"], validate_unique=False,
                              validate_constraints=False)
    except ValidationError as exc:
        return None, _row_errors(line, exc.message_dict, columns)
    return _HypothesisRecord(hypothesis, area), []


def _write_hypotheses(org: Organization, user: Any, records: list[_HypothesisRecord]) -> list[int]:
    areas = {name.lower(): services.area_get_or_create(organization=org, name=name)
             for name in {r.area for r in records if r.area}}
    hypotheses = []
    for record in records:
        record.hypothesis.area = areas[record.area.lower()] if record.area else None
        hypotheses.append(record.hypothesis)
    Hypothesis.objects.bulk_create(hypotheses, batch_size=1000)
    changes = []
    for h in hypotheses:
        changes.append(HypothesisStatusChange(organization=org, hypothesis=h, from_status="",
                                              to_status=Status.OPEN, changed_by=user,
                                              changed_at=h.stated_at))
        if h.status != Status.OPEN:
            if h.decided_at is None:  # Hypothesis.clean() requires it of a decided hypothesis
                raise ValueError(f"Decided hypothesis {h.title!r} has no decision time.")
            changes.append(HypothesisStatusChange(
                organization=org, hypothesis=h, from_status=Status.OPEN, to_status=h.status,
                decided_at=h.decided_at, note=h.decision_note, changed_by=user,
                changed_at=h.decided_at))
    HypothesisStatusChange.objects.bulk_create(changes, batch_size=1000)
    return [h.pk for h in hypotheses]


# --- evidence -----------------------------------------------------------------------------------
@dataclass
class _EvidenceRecord:
    evidence: Evidence
    links: list[EvidenceLink]


class _HypothesisIndex:
    """The organization's hypotheses by id and by title, loaded once per import."""

    def __init__(self, org: Organization) -> None:
        rows = list(Hypothesis.objects.for_org(org).only("id", "title", "organization_id"))
        self.by_id = {h.pk: h for h in rows}
        self.by_title: dict[str, list[int]] = {}
        self.by_folded_title: dict[str, list[int]] = {}
        for h in rows:
            self.by_title.setdefault(h.title, []).append(h.pk)
            self.by_folded_title.setdefault(h.title.casefold(), []).append(h.pk)

    def resolve(self, reference: str) -> int:
        """The id a cell's reference names (#id or title); raises ValueError saying why not."""
        if reference.startswith("#") and reference[1:].isdigit():
            pk = int(reference[1:])
            if pk not in self.by_id:
                raise ValueError(f"there is no hypothesis {reference} in this organization")
            return pk
        ids = self.by_title.get(reference) or self.by_folded_title.get(reference.casefold(), [])
        if not ids:
            raise ValueError(f"no hypothesis is titled \u201c{reference}\u201d")
        if len(ids) > 1:
            raise ValueError(f"{len(ids)} hypotheses are titled \u201c{reference}\u201d: "
                             f"use #{ids[0]} or another id instead")
        return ids[0]


def _parse_links(cell: str, index: _HypothesisIndex) -> tuple[list[dict[str, Any]], list[str]]:
    links, errors = [], []
    entries = [e.strip() for e in cell.replace("\r", "\n").replace(";", "\n").split("\n")]
    for position, entry in enumerate((e for e in entries if e), start=1):
        reference, *rest = [part.strip() for part in entry.split("|")]
        if len(rest) > 2:
            errors.append(f"link {position}: expected title|stance|strength, got \u201c{entry}\u201d")
            continue
        try:
            link: dict[str, Any] = {"hypothesis": index.resolve(reference)}
        except ValueError as exc:
            errors.append(f"link {position}: {exc}")
            continue
        if rest and rest[0]:
            link["stance"] = rest[0].lower()
        if len(rest) > 1 and rest[1]:
            link["strength"] = rest[1].lower()
        links.append(link)
    return links, errors


def _validate_evidence(org: Organization, user: Any, kind: str, index: _HypothesisIndex,
                       line: int, row: dict[str, str]) -> tuple[_EvidenceRecord | None, list[RowError]]:
    cells = _cells(row, kind)
    columns = set(column_names(kind))
    source = SOURCE_OF[Kind(kind)]
    links, link_errors = _parse_links(cells.pop("hypotheses", ""), index)
    errors = [RowError(line, "hypotheses", message) for message in link_errors]
    serializer = INPUT_SERIALIZER[Kind(kind)](
        data={**cells, "hypotheses": links},
        context={"organization": org, "hypotheses_by_id": index.by_id})
    if not serializer.is_valid():
        errors += _row_errors(line, serializer.errors, columns)
    if errors:
        return None, errors
    data = dict(serializer.validated_data)
    specs = data.pop("hypotheses", [])
    evidence = services.PROXY_BY_SOURCE[source](organization=org, created_by=user, **data)
    try:
        evidence.full_clean(exclude=KNOWN_GOOD, validate_unique=False,
                            validate_constraints=False)
        new_links = services.links_validate(org, source, specs)
    except ValidationError as exc:
        return None, _row_errors(line, exc.message_dict, columns)
    return _EvidenceRecord(evidence, new_links), []


def _write_evidence(records: list[_EvidenceRecord]) -> list[int]:
    Evidence.objects.bulk_create([r.evidence for r in records], batch_size=1000)
    links = []
    for record in records:
        for link in record.links:
            link.evidence = record.evidence
            link.strength = link.strength or DEFAULT_STRENGTH[Source(record.evidence.source)]
            links.append(link)
    EvidenceLink.objects.bulk_create(links, batch_size=1000)
    return sorted({link.hypothesis_id for link in links})


# --- the import ---------------------------------------------------------------------------------
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    hypotheses_recomputed: int


def import_rows(*, organization: Organization, user: AbstractBaseUser | None, kind: str,
                parsed: ParsedFile, progress: Progress | None = None) -> ImportOutcome:
    """Validate every row, then write them all in one transaction and recompute the affected
    hypotheses once. Raises RowErrors (and writes nothing) if any row is invalid."""
    creator = user if getattr(user, "pk", None) else None
    index = None if kind == Kind.HYPOTHESES else _HypothesisIndex(organization)
    records: list[Any] = []
    errors: list[RowError] = []
    # Cells without an offset are local times of the organization, as on its pages.
    with timezone.override(organization.tz):
        for done, (line, row) in enumerate(parsed.rows, start=1):
            record: _HypothesisRecord | _EvidenceRecord | None
            if kind == Kind.HYPOTHESES:
                record, row_errors = _validate_hypothesis(organization, creator, line, row)
            else:
                assert index is not None
                record, row_errors = _validate_evidence(organization, creator, kind, index,
                                                        line, row)
            errors += row_errors
            if record is not None and not errors:
                records.append(record)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
    if errors:
        raise RowErrors(errors)
    if progress:
        progress(len(parsed.rows))
    with transaction.atomic():
        if kind == Kind.HYPOTHESES:
            affected = _write_hypotheses(organization, creator, records)
        else:
            affected = _write_evidence(records)
    # One recompute of every hypothesis the file touched, not one per row.
    engine.recompute_hypotheses(affected)
    return ImportOutcome(created=len(records), hypotheses_recomputed=len(affected))
