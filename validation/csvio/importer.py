"""Validate every row of a CSV with the models' rules, then write all of them or none.

Validation reads only. Each row's cells are parsed by form fields made from the model fields
(lengths, choices, numbers come from the models; instants from validation.models.instants'
parser), and the model's full_clean() then applies the rules (no future instants, no decision
before the statement, conversions within users, …); links are checked by the services'
links_validate(). Only a file without a single bad row is written, in one transaction, through
the services' bulk writes; the hypotheses it touches are then recomputed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Field as ModelField
from django.db.models import Model
from django.utils import timezone

from core.inputs import max_length
from core.models import Organization
from validation import engine, services
from validation.models import (
    Evidence,
    EvidenceLink,
    Hypothesis,
    ProductArea,
    Source,
    Stance,
    Status,
)
from validation.models.instants import parse_instant

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


class InstantCell(forms.Field):
    """A date and time, by the one parser of instants (local to the organization without an
    offset; messages that say what is wrong with the value)."""

    def to_python(self, value: Any) -> Any:
        return None if value in self.empty_values else parse_instant(str(value))


def _cell_field(model: type[Model], name: str) -> forms.Field:
    """The form field that reads column `name` into the model's field of that name."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, ModelField), name
    if model_field.get_internal_type() == "DateTimeField":
        return InstantCell(required=False)
    field = model_field.formfield(required=False)  # whether a value is needed: the model's clean()
    assert field is not None, name
    return field


def _row_form(model: type[Model], names: list[str], **extra: forms.Field) -> type[forms.Form]:
    """A form of the given model columns (and `extra` fields), built from the model's fields."""
    fields = {name: _cell_field(model, name) for name in names}
    return type(f"{model.__name__}Row", (forms.Form,), {**fields, **extra})


HYPOTHESIS_ROW = _row_form(
    Hypothesis, ["title", "statement", "success_criteria", "stated_at", "status", "decided_at",
                 "decision_note"],
    area=forms.CharField(required=False, max_length=max_length(ProductArea, "name")),
    owner=forms.CharField(required=False, max_length=max_length(get_user_model(), "username")))
EVIDENCE_ROW: dict[str, type[forms.Form]] = {
    kind: _row_form(Evidence, [c for c in column_names(kind) if c != "hypotheses"])
    for kind in (Kind.INTERVIEWS, Kind.SALES_CALLS, Kind.EXPERIMENTS)}


def _messages(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


def _row_errors(line: int, errors: dict[str, list[str]], columns: set[str]) -> list[RowError]:
    """Errors keyed by field (a form's or a model's) → one RowError per message and column."""
    return [RowError(line, field if field in columns else "", message)
            for field, messages in errors.items() for message in messages]


def _cells(row: dict[str, str], kind: str) -> dict[str, str]:
    """The row's importable cells, blank ones left out (a blank cell is "not given")."""
    names = set(column_names(kind))
    return {k: v.strip() for k, v in row.items() if k in names and v.strip() != ""}


# --- hypotheses ---------------------------------------------------------------------------------
@dataclass
class _HypothesisRecord:
    hypothesis: Hypothesis
    area: str | None


def _validate_hypothesis(org: Organization, user: Any, members: dict[str, Any], line: int,
                         row: dict[str, str]) -> tuple[_HypothesisRecord | None, list[RowError]]:
    cells = _cells(row, Kind.HYPOTHESES)
    columns = set(column_names(Kind.HYPOTHESES))
    form = HYPOTHESIS_ROW(data=cells)
    if not form.is_valid():
        return None, _row_errors(line, _messages(form), columns)
    data = dict(form.cleaned_data)
    area = data.pop("area") or None
    username = data.pop("owner")
    owner = members.get(username) if username else None
    if username and owner is None:
        return None, [RowError(line, "owner", f"{username} is not a member of this organization.")]
    hypothesis = Hypothesis(organization=org, created_by=user, owner=owner, **data)
    hypothesis.status = data["status"] or Status.OPEN
    hypothesis.stated_at = data["stated_at"] or timezone.now()
    try:
        hypothesis.full_clean(exclude=KNOWN_GOOD + ["area", "owner"], validate_unique=False,
                              validate_constraints=False)
    except ValidationError as exc:
        return None, _row_errors(line, exc.message_dict, columns)
    return _HypothesisRecord(hypothesis, area), []


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


def _parse_links(cell: str, index: _HypothesisIndex) -> tuple[list[services.LinkSpec], list[str]]:
    links, errors = [], []
    entries = [e.strip() for e in cell.replace("\r", "\n").replace(";", "\n").split("\n")]
    for position, entry in enumerate((e for e in entries if e), start=1):
        reference, *rest = [part.strip() for part in entry.split("|")]
        if len(rest) > 2:
            errors.append(f"link {position}: expected title|stance|strength, got \u201c{entry}\u201d")
            continue
        try:
            hypothesis = index.by_id[index.resolve(reference)]
        except ValueError as exc:
            errors.append(f"link {position}: {exc}")
            continue
        stance = rest[0].lower() if rest and rest[0] else Stance.SUPPORTS
        strength = rest[1].lower() if len(rest) > 1 and rest[1] else None
        links.append(services.LinkSpec(hypothesis=hypothesis, stance=stance, strength=strength))
    return links, errors


def _validate_evidence(org: Organization, user: Any, kind: str, index: _HypothesisIndex,
                       line: int, row: dict[str, str]) -> tuple[_EvidenceRecord | None, list[RowError]]:
    cells = _cells(row, kind)
    columns = set(column_names(kind))
    source = SOURCE_OF[Kind(kind)]
    links, link_errors = _parse_links(cells.pop("hypotheses", ""), index)
    errors = [RowError(line, "hypotheses", message) for message in link_errors]
    form = EVIDENCE_ROW[kind](data=cells)
    if not form.is_valid():
        errors += _row_errors(line, _messages(form), columns)
    if errors:
        return None, errors
    evidence = services.PROXY_BY_SOURCE[source](organization=org, created_by=user,
                                                **form.cleaned_data)
    try:
        evidence.full_clean(exclude=KNOWN_GOOD, validate_unique=False,
                            validate_constraints=False)
        new_links = services.links_validate(org, source, links)
    except ValidationError as exc:
        return None, _row_errors(line, exc.message_dict, columns)
    return _EvidenceRecord(evidence, new_links), []


# --- the import ---------------------------------------------------------------------------------
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    hypotheses_recomputed: int


def import_rows(*, organization: Organization, user: User | None, kind: str,
                parsed: ParsedFile, progress: Progress | None = None) -> ImportOutcome:
    """Validate every row, then write them all in one transaction and recompute the affected
    hypotheses once. Raises RowErrors (and writes nothing) if any row is invalid."""
    creator = user if getattr(user, "pk", None) else None
    index = None if kind == Kind.HYPOTHESES else _HypothesisIndex(organization)
    members = ({member.get_username(): member for member in get_user_model().objects.filter(
        memberships__organization=organization)} if kind == Kind.HYPOTHESES else {})
    records: list[Any] = []
    errors: list[RowError] = []
    # Cells without an offset are local times of the organization, as on its pages.
    with timezone.override(organization.tz):
        for done, (line, row) in enumerate(parsed.rows, start=1):
            record: _HypothesisRecord | _EvidenceRecord | None
            if kind == Kind.HYPOTHESES:
                record, row_errors = _validate_hypothesis(organization, creator, members, line,
                                                          row)
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
    if kind == Kind.HYPOTHESES:
        affected = services.hypotheses_import(
            organization=organization, user=creator,
            hypotheses=[record.hypothesis for record in records],
            area_names=[record.area for record in records])
    else:
        affected = services.evidence_import(
            records=[(record.evidence, record.links) for record in records])
    # One recompute of every hypothesis the file touched, not one per row.
    engine.recompute_hypotheses(affected)
    return ImportOutcome(created=len(records), hypotheses_recomputed=len(affected))
