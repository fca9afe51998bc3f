"""A seeded synthetic data set for the benchmark, as plain row tuples.

At scale 1: 10 organizations, one holding 40% of the rows; 20,000 hypotheses stated over two
years; 1,000,000 evidence rows (half interviews, a third sales calls, the rest experiments)
with realistic delays: interviews a few days after the statement, sales calls a little later,
experiments started after about ten days and concluded two weeks after that; about 6% prior
evidence; some running experiments; 85% of the evidence linked to one hypothesis, 10% to two,
5% to none. Evidence clusters on a few busy hypotheses (log-normal weights), as in life.

The rows are tuples in the column order of `*_COLUMNS`, with explicit ids, so that the
ORM load and PostgreSQL's COPY insert exactly the same rows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

DAY = timedelta(days=1)
SPAN = timedelta(days=730)
ORGANIZATIONS = 10
LARGEST_SHARE = 0.4
HYPOTHESES_AT_SCALE_1 = 20_000
EVIDENCE_AT_SCALE_1 = 1_000_000
AREAS = ("Onboarding", "Pricing", "Reporting", "Integrations", "Collaboration")
TIMEZONES = ("America/Los_Angeles", "Europe/Paris", "UTC", "America/New_York", "Asia/Tokyo",
             "Europe/London", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata", "UTC")

HYPOTHESIS_COLUMNS = (
    "id", "organization_id", "title", "statement", "success_criteria", "area_id", "owner_id",
    "stated_at", "status", "decided_at", "decision_note", "created_by_id", "created_at",
    "updated_at", "first_evidence_at", "first_interview_at", "first_sales_call_at",
    "first_experiment_at", "last_evidence_at", "evidence_count", "cycle_time",
)
EVIDENCE_COLUMNS = (
    "id", "organization_id", "source", "occurred_at", "interviewee", "company", "segment",
    "notes", "quotes", "account", "deal_stage", "deal_value", "feedback", "objections", "name",
    "kind", "started_at", "concluded_at", "metric", "control_users", "control_conversions",
    "variant_users", "variant_conversions", "result", "created_by_id", "created_at",
    "updated_at",
)
LINK_COLUMNS = ("id", "organization_id", "evidence_id", "hypothesis_id", "stance", "strength",
                "created_at")

NOTES = [
    "Exports every report to spreadsheets on Monday mornings before the leadership sync.",
    "Did not find the sharing settings; asked whether viewers can comment on dashboards.",
    "Would pay for SSO before anything else; procurement blocks tools without it.",
    "Onboarding took two sessions because the sample data looked unlike their own.",
    "Compares us with the incumbent on price per seat, not on features.",
    "Uses the API nightly; rate limits were hit twice during the quarter close.",
]
QUOTES = ["“I just want the number on Monday.”", "“Seats are the wrong unit for us.”", ""]
OBJECTIONS = ["Price per seat is too high for viewers.", "Needs SSO and audit logs.",
              "Security review pending.", ""]
COMPANIES = ["Initech", "Globex", "Umbrella", "Hooli", "Vehement", "Soylent", "Acme", "Stark"]
SEGMENTS = ["SMB", "Mid-market", "Enterprise"]
STAGES = ["Discovery", "Demo", "Proposal", "Negotiation", "Closed won", "Closed lost"]
KINDS = ["ab_test", "feature_flag", "fake_door", "pricing_test", "prototype"]
RESULTS = ["win", "loss", "inconclusive"]
STANCES = ["supports", "supports", "refutes", "neutral"]
STRENGTH = {"interview": "weak", "sales_call": "moderate", "experiment": "strong"}


@dataclass
class Organization:
    id: int
    slug: str
    name: str
    timezone: str
    area_ids: list[int] = field(default_factory=list)


@dataclass
class DataSet:
    """What the generator made: organizations and areas (created through the ORM before the
    timed load), then the bulk: hypotheses, evidence and links as row tuples."""

    now: datetime
    organizations: list[Organization]
    hypotheses: list[tuple] = field(default_factory=list)
    evidence: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)

    @property
    def largest(self) -> Organization:
        return self.organizations[0]

    def counts(self) -> dict[str, int]:
        return {"organizations": len(self.organizations), "hypotheses": len(self.hypotheses),
                "evidence": len(self.evidence), "links": len(self.links)}


def _split(total: int) -> list[int]:
    """`total` rows over the organizations: the first holds 40%, the others share the rest."""
    others = [max(1, round(total * (1 - LARGEST_SHARE) / (ORGANIZATIONS - 1)))] * (ORGANIZATIONS - 1)
    return [max(1, total - sum(others)), *others]


def _lognormal_days(rng: random.Random, median_days: float, sigma: float) -> timedelta:
    return timedelta(days=median_days * math.exp(rng.gauss(0.0, sigma)))


def generate(scale: float, *, now: datetime, seed: int = 20261122) -> DataSet:
    """The data set at `scale` (1 = the issue's default size), deterministic for `seed` and
    `now`; every instant lies in the two years before `now`."""
    rng = random.Random(seed)
    total_hypotheses = max(ORGANIZATIONS, round(HYPOTHESES_AT_SCALE_1 * scale))
    total_evidence = max(ORGANIZATIONS, round(EVIDENCE_AT_SCALE_1 * scale))
    hypothesis_counts = _split(total_hypotheses)
    evidence_counts = _split(total_evidence)
    start, end = now - SPAN, now - timedelta(hours=1)
    data = DataSet(now=now, organizations=[])
    area_id = hypothesis_id = evidence_id = link_id = 0
    for index in range(ORGANIZATIONS):
        org = Organization(id=index + 1, slug=f"bench-{index + 1:02d}",
                           name=f"Bench organization {index + 1}", timezone=TIMEZONES[index])
        for _ in AREAS:
            area_id += 1
            org.area_ids.append(area_id)
        data.organizations.append(org)

        # Hypotheses: stated more and more often as the company grows.
        stated: list[tuple[int, datetime, datetime | None]] = []
        for _ in range(hypothesis_counts[index]):
            hypothesis_id += 1
            stated_at = start + (end - DAY - start) * math.sqrt(rng.random())
            status, decided_at = "open", None
            decide_at = stated_at + _lognormal_days(rng, 21, 0.7)
            if decide_at < end and rng.random() < 0.9:
                status = rng.choices(["validated", "invalidated", "abandoned"], [45, 35, 20])[0]
                decided_at = decide_at
            data.hypotheses.append((
                hypothesis_id, org.id, f"Hypothesis {hypothesis_id}",
                "We believe that a guided setup for new admins will shorten onboarding.",
                "Median onboarding under one day.", rng.choice(org.area_ids), None, stated_at,
                status, decided_at, "", None, now, now, None, None, None, None, None, 0, None))
            stated.append((hypothesis_id, stated_at, decided_at))

        # Evidence, clustered on busy hypotheses.
        cumulative = list(accumulate(math.exp(rng.gauss(0.0, 1.0)) for _ in stated))
        picks = rng.choices(range(len(stated)), cum_weights=cumulative, k=evidence_counts[index])
        for pick in picks:
            evidence_id += 1
            hyp_id, stated_at, decided_at = stated[pick]
            source = rng.choices(["interview", "sales_call", "experiment"], [50, 35, 15])[0]
            row = _evidence_row(rng, evidence_id, org.id, source, stated_at, decided_at, end, now)
            data.evidence.append(row)
            roll = rng.random()
            if roll < 0.95:
                link_id += 1
                data.links.append((link_id, org.id, evidence_id, hyp_id, rng.choice(STANCES),
                                   STRENGTH[source], now))
            if roll < 0.10 and len(stated) > 1:
                other = stated[rng.randrange(len(stated))][0]
                if other != hyp_id:
                    link_id += 1
                    data.links.append((link_id, org.id, evidence_id, other,
                                       rng.choice(STANCES), STRENGTH[source], now))
    return data


def _evidence_row(rng: random.Random, pk: int, org_id: int, source: str, stated_at: datetime,
                  decided_at: datetime | None, end: datetime, now: datetime) -> tuple:
    """One evidence row of `source` for a hypothesis stated at `stated_at`."""
    prior = rng.random() < 0.06
    occurred_at = started_at = concluded_at = None
    if source == "experiment":
        started_at = (stated_at - rng.random() * 30 * DAY if prior
                      else stated_at + _lognormal_days(rng, 10, 0.8))
        if started_at > end:
            started_at = stated_at + (end - stated_at) * rng.random()
        concluded_at = started_at + _lognormal_days(rng, 14, 0.5)
        if concluded_at > end or rng.random() < 0.02:
            concluded_at = None  # still running
    else:
        median = 5 if source == "interview" else 9
        occurred_at = (stated_at - rng.random() * 30 * DAY if prior
                       else stated_at + _lognormal_days(rng, median, 1.0))
        if decided_at and occurred_at > decided_at and rng.random() < 0.85:
            occurred_at = stated_at + (decided_at - stated_at) * rng.random()
        if occurred_at > end:
            occurred_at = stated_at + (end - stated_at) * rng.random()
    company = rng.choice(COMPANIES)
    row: tuple[Any, ...]
    if source == "interview":
        row = (pk, org_id, source, occurred_at, f"Interviewee {pk % 997}", company,
               rng.choice(SEGMENTS), rng.choice(NOTES), rng.choice(QUOTES), "", "", None, "", "",
               "", "", None, None, "", None, None, None, None, "", None, now, now)
    elif source == "sales_call":
        value = Decimal(rng.randrange(1_000, 250_000)) if rng.random() < 0.7 else None
        row = (pk, org_id, source, occurred_at, "", "", "", "", "", company, rng.choice(STAGES),
               value, rng.choice(NOTES), rng.choice(OBJECTIONS), "", "", None, None, "", None,
               None, None, None, "", None, now, now)
    else:
        users = rng.randrange(200, 20_000)
        control, variant = (users, users) if rng.random() < 0.6 else (None, None)
        result = rng.choice(RESULTS) if concluded_at else ""
        row = (pk, org_id, source, None, "", "", "", rng.choice(NOTES), "", "", "", None, "", "",
               f"Experiment {pk}", rng.choice(KINDS), started_at, concluded_at, "Activation",
               control, None if control is None else control // rng.randrange(5, 30), variant,
               None if variant is None else variant // rng.randrange(5, 30), result, None, now,
               now)
    return row
