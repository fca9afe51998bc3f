"""Writes that touch several records. Each validates with full_clean(), runs in one
transaction and enqueues the recompute of the hypotheses it affects after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import Organization

from .models import (
    DEFAULT_STRENGTH,
    Evidence,
    EvidenceLink,
    Experiment,
    Hypothesis,
    HypothesisStatusChange,
    Interview,
    ProductArea,
    SalesCall,
    Source,
    Stance,
    Status,
    Strength,
)
from .tasks import recompute_on_commit

PROXY_BY_SOURCE: dict[Source, type[Evidence]] = {
    Source.INTERVIEW: Interview,
    Source.SALES_CALL: SalesCall,
    Source.EXPERIMENT: Experiment,
}
HYPOTHESIS_FIELDS = ("title", "statement", "success_criteria", "area", "owner", "stated_at")


@dataclass(frozen=True)
class LinkSpec:
    """Evidence bearing on `hypothesis`; `strength` None means the source's default."""

    hypothesis: Hypothesis
    stance: str = Stance.SUPPORTS
    strength: str | None = None


# --- product areas ------------------------------------------------------------------------------
def area_get_or_create(*, organization: Organization, name: str | None) -> ProductArea | None:
    """The organization's area called `name` (case-insensitive), created on first use."""
    name = (name or "").strip()
    if not name:
        return None
    area = ProductArea.objects.for_org(organization).filter(name__iexact=name).first()
    if area is None:
        area = ProductArea(organization=organization, name=name)
        area.full_clean()
        area.save()
    return area


def _area(organization: Organization, area: ProductArea | str | None) -> ProductArea | None:
    """An area given by name becomes the organization's area of that name."""
    if isinstance(area, str):
        return area_get_or_create(organization=organization, name=area)
    return area


# --- hypotheses -----------------------------------------------------------------------------
def _status_change(hypothesis: Hypothesis, *, from_status: str, user: Any, note: str = "",
                   to_status: str | None = None,
                   changed_at: datetime | None = None) -> HypothesisStatusChange:
    """The history row of the hypothesis's move from `from_status` to `to_status` (default: its
    status), unsaved."""
    to_status = to_status or hypothesis.status
    change = HypothesisStatusChange(
        organization_id=hypothesis.organization_id, hypothesis=hypothesis,
        from_status=from_status, to_status=to_status,
        decided_at=None if to_status == Status.OPEN else hypothesis.decided_at,
        note=note, changed_by=user if getattr(user, "pk", None) else None)
    if changed_at is not None:
        change.changed_at = changed_at
    return change


def _record_status(hypothesis: Hypothesis, *, from_status: str, user: Any, note: str = "") -> None:
    _status_change(hypothesis, from_status=from_status, user=user, note=note).save()


@transaction.atomic
def hypothesis_create(*, organization: Organization, user: User | None, title: str,
                      statement: str, success_criteria: str = "",
                      area: ProductArea | str | None = None, owner: User | None = None,
                      stated_at: datetime | None = None) -> Hypothesis:
    """State a hypothesis; `area` may be an area or its name (created on first use, and not at
    all if the hypothesis is refused)."""
    hypothesis = Hypothesis(
        organization=organization, title=title, statement=statement,
        success_criteria=success_criteria, area=_area(organization, area), owner=owner,
        stated_at=stated_at or timezone.now(),
        created_by=user if getattr(user, "pk", None) else None)
    hypothesis.full_clean()
    hypothesis.save()
    _record_status(hypothesis, from_status="", user=user)
    return hypothesis


@transaction.atomic
def hypothesis_update(*, hypothesis: Hypothesis, **changes: Any) -> Hypothesis:
    """Change any of HYPOTHESIS_FIELDS (`area` an area or its name); a moved `stated_at` changes
    what evidence counts."""
    unknown = set(changes) - set(HYPOTHESIS_FIELDS)
    if unknown:
        raise TypeError(f"hypothesis_update() cannot change {', '.join(sorted(unknown))}")
    hypothesis = Hypothesis.objects.select_for_update().get(pk=hypothesis.pk)
    if "area" in changes:
        changes["area"] = _area(hypothesis.organization, changes["area"])
    for field, value in changes.items():
        setattr(hypothesis, field, value)
    hypothesis.full_clean()
    hypothesis.save()
    recompute_on_commit([hypothesis.pk])
    return hypothesis


@transaction.atomic
def hypothesis_decide(*, hypothesis: Hypothesis, user: User | None, status: str,
                      decided_at: datetime | None = None, note: str = "") -> Hypothesis:
    """Validate, invalidate or abandon an open hypothesis."""
    hypothesis = Hypothesis.objects.select_for_update().get(pk=hypothesis.pk)
    if status not in (Status.VALIDATED, Status.INVALIDATED, Status.ABANDONED):
        raise ValidationError({"status": "Decide as validated, invalidated or abandoned."})
    if hypothesis.status != Status.OPEN:
        raise ValidationError({"status": f"This hypothesis is already {hypothesis.status}: "
                                         "reopen it before deciding again."})
    hypothesis.status = status
    hypothesis.decided_at = decided_at or timezone.now()
    hypothesis.decision_note = note
    hypothesis.full_clean()
    hypothesis.save()
    _record_status(hypothesis, from_status=Status.OPEN, user=user, note=note)
    recompute_on_commit([hypothesis.pk])
    return hypothesis


@transaction.atomic
def hypothesis_reopen(*, hypothesis: Hypothesis, user: User | None,
                      note: str = "") -> Hypothesis:
    """Reopen a decided hypothesis; its earlier decision stays in the status history."""
    hypothesis = Hypothesis.objects.select_for_update().get(pk=hypothesis.pk)
    if hypothesis.status == Status.OPEN:
        raise ValidationError({"status": "This hypothesis is already open."})
    previous = hypothesis.status
    hypothesis.status = Status.OPEN
    hypothesis.decided_at = None
    hypothesis.decision_note = ""
    hypothesis.full_clean()
    hypothesis.save()
    _record_status(hypothesis, from_status=previous, user=user, note=note)
    recompute_on_commit([hypothesis.pk])
    return hypothesis


def hypotheses_owner_clear(*, organization_id: int, user_id: int) -> int:
    """The hypotheses `user_id` owned in the organization lose their owner (an owner is a
    member: called when the member leaves or is removed). Returns how many changed."""
    return Hypothesis.objects.for_org(organization_id).filter(owner_id=user_id).update(owner=None)


@transaction.atomic
def hypothesis_delete(*, hypothesis: Hypothesis) -> None:
    hypothesis.delete()


# --- evidence -------------------------------------------------------------------------------
def links_validate(organization: Organization, source: str,
                    links: Sequence[LinkSpec]) -> list[EvidenceLink]:
    """Build unsaved links (no evidence set yet), or raise ValidationError({"hypotheses":
    [...]}) for another organization's hypothesis, a duplicate, a bad stance or strength."""
    errors, seen, built = [], set(), []
    for position, spec in enumerate(links, start=1):
        hypothesis = spec.hypothesis
        if hypothesis.organization_id != organization.pk:
            errors.append(f"Link {position}: hypothesis {hypothesis.pk} is not in this "
                          "organization.")
            continue
        if hypothesis.pk in seen:
            errors.append(f"Link {position}: hypothesis {hypothesis.pk} is linked twice.")
            continue
        seen.add(hypothesis.pk)
        if spec.stance not in Stance.values:
            errors.append(f"Link {position}: \u201c{spec.stance}\u201d is not a stance: use "
                          f"{', '.join(Stance.values)}.")
        strength = spec.strength or DEFAULT_STRENGTH[Source(source)]
        if strength not in Strength.values:
            errors.append(f"Link {position}: \u201c{strength}\u201d is not a strength: use "
                          f"{', '.join(Strength.values)}.")
        built.append(EvidenceLink(organization=organization, hypothesis=hypothesis,
                                  stance=spec.stance, strength=strength))
    if errors:
        raise ValidationError({"hypotheses": errors})
    return built


@transaction.atomic
def evidence_log(*, organization: Organization, user: User | None, source: str,
                 links: Sequence[LinkSpec] = (), **fields: Any) -> Evidence:
    """Record an interview, a sales call or an experiment, linked to hypotheses."""
    evidence = PROXY_BY_SOURCE[Source(source)](
                        organization=organization,
                        created_by=user if getattr(user, "pk", None) else None, **fields)
    evidence.full_clean()
    new_links = links_validate(organization, source, links)
    evidence.save()
    for link in new_links:
        link.evidence = evidence
    EvidenceLink.objects.bulk_create(new_links)
    recompute_on_commit(link.hypothesis_id for link in new_links)
    return evidence


def interview_log(**kwargs: Any) -> Evidence:
    return evidence_log(source=Source.INTERVIEW, **kwargs)


def sales_call_log(**kwargs: Any) -> Evidence:
    return evidence_log(source=Source.SALES_CALL, **kwargs)


def experiment_log(**kwargs: Any) -> Evidence:
    return evidence_log(source=Source.EXPERIMENT, **kwargs)


@transaction.atomic
def evidence_update(*, evidence: Evidence, links: Sequence[LinkSpec] | None = None,
                    **changes: Any) -> Evidence:
    """Change an evidence's fields and, if `links` is given, replace its whole set of links.

    Every hypothesis that was or is linked is recomputed: the evidence time may have moved.
    """
    evidence = type(evidence).objects.select_for_update().get(pk=evidence.pk)
    for field, value in changes.items():
        if field in ("organization", "organization_id", "source", "id", "pk"):
            raise TypeError(f"evidence_update() cannot change {field}")
        setattr(evidence, field, value)
    evidence.full_clean()
    affected = set(evidence.links.values_list("hypothesis_id", flat=True))
    evidence.save()
    if links is not None:
        new_links = links_validate(evidence.organization, evidence.source, links)
        evidence.links.all().delete()
        for link in new_links:
            link.evidence = evidence
        EvidenceLink.objects.bulk_create(new_links)
        affected |= {link.hypothesis_id for link in new_links}
    recompute_on_commit(affected)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence) -> None:
    affected = list(evidence.links.values_list("hypothesis_id", flat=True))
    evidence.delete()
    recompute_on_commit(affected)


# --- bulk writes (the CSV import) ---------------------------------------------------------------
@transaction.atomic
def hypotheses_import(*, organization: Organization, user: User | None,
                      hypotheses: Sequence[Hypothesis],
                      area_names: Sequence[str | None]) -> list[int]:
    """Write hypotheses that passed their models' validation, in bulk, each with the history
    the services record one at a time: created at `stated_at`, and decided at `decided_at` when
    it is; `area_names[i]` is the area of `hypotheses[i]`, created on first use. Returns their
    ids; the caller recomputes their derived values once."""
    areas = {name.casefold(): area_get_or_create(organization=organization, name=name)
             for name in {name for name in area_names if name}}
    for hypothesis, name in zip(hypotheses, area_names, strict=True):
        hypothesis.area = areas[name.casefold()] if name else None
    Hypothesis.objects.bulk_create(hypotheses, batch_size=1000)
    changes = []
    for hypothesis in hypotheses:
        decided = hypothesis.status != Status.OPEN
        if decided and hypothesis.decided_at is None:  # Hypothesis.clean() requires it
            raise ValueError(f"Decided hypothesis {hypothesis.title!r} has no decision time.")
        changes.append(_status_change(hypothesis, from_status="", to_status=Status.OPEN,
                                      user=user, changed_at=hypothesis.stated_at))
        if decided:
            changes.append(_status_change(hypothesis, from_status=Status.OPEN, user=user,
                                          note=hypothesis.decision_note,
                                          changed_at=hypothesis.decided_at))
    HypothesisStatusChange.objects.bulk_create(changes, batch_size=1000)
    return [hypothesis.pk for hypothesis in hypotheses]


@transaction.atomic
def evidence_import(*, records: Sequence[tuple[Evidence, Sequence[EvidenceLink]]]) -> list[int]:
    """Write evidence that passed its models' validation, with links built by links_validate(),
    in bulk. Returns the ids of the hypotheses linked; the caller recomputes them once."""
    Evidence.objects.bulk_create([evidence for evidence, _ in records], batch_size=1000)
    links = []
    for evidence, evidence_links in records:
        for link in evidence_links:
            link.evidence = evidence
            links.append(link)
    EvidenceLink.objects.bulk_create(links, batch_size=1000)
    return sorted({link.hypothesis_id for link in links})
