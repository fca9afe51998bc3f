"""A believable demo organization: one user per role, four product areas, ~40 hypotheses over
the last six months and ~300 pieces of evidence. Deterministic for a given `now`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core import services as core_services
from core.models import Organization, Role

from . import engine, services
from .models import (
    Evidence,
    ExperimentKind,
    Hypothesis,
    Source,
    Stance,
    Status,
)

DEMO_SLUG = "acme"
DEMO_PASSWORD = "proofloop-demo"  # noqa: S105  (printed to the person running the demo)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    title: str


DEMO_USERS = [
    DemoUser("demo-owner", "Olivia", "Chen", Role.OWNER, "CTO"),
    DemoUser("demo-admin", "Adam", "Ruiz", Role.ADMIN, "Head of Product"),
    DemoUser("demo-member", "Maya", "Patel", Role.MEMBER, "Product manager"),
    DemoUser("demo-viewer", "Victor", "Lang", Role.VIEWER, "CEO"),
]
# The Django admin (/admin/) sees and edits every organization's data, so its rights belong to
# a platform operator, not to a member of an organization: the demo's members are ordinary
# users, and this account, a member of no organization, is the demo's only staff.
DEMO_STAFF = DemoUser("demo-staff", "Sam", "Operator", "", "Platform staff (Django admin only)")

# (area, title, statement, success criteria)
HYPOTHESES = [
    ("Onboarding", "Guided setup shortens time to first dashboard",
     "We believe that a guided three-step setup for new workspace admins will cut the time to "
     "their first shared dashboard below one day.",
     "Median time from sign-up to first shared dashboard under 24 h for the guided cohort."),
    ("Onboarding", "Sample data makes trials convert",
     "We believe that pre-loading sample data for trial users will make them explore reports "
     "in the first session and convert more often.",
     "Trial-to-paid conversion +3 points with sample data, at 95% confidence."),
    ("Onboarding", "Admins want to invite the team before configuring",
     "We believe that workspace admins at companies of 50-200 people will invite colleagues "
     "before finishing configuration if we ask at step one.",
     "At least 40% of new admins send an invitation in their first session."),
    ("Onboarding", "Slack sign-in removes the password hurdle",
     "We believe that offering Slack sign-in to invited users will raise invitation acceptance.",
     "Invitation acceptance within 7 days rises from 52% to 65%."),
    ("Onboarding", "A checklist beats an empty state",
     "We believe that a persistent setup checklist will bring more new workspaces to activation "
     "than our current empty-state tips.",
     "Activation (3 reports viewed by 2+ people in week one) up 10% relative."),
    ("Onboarding", "Video walkthroughs are ignored",
     "We believe that new users skip onboarding videos and that removing them changes nothing.",
     "No drop in activation when the videos are removed for half of the sign-ups."),
    ("Onboarding", "Templates by industry speed up setup",
     "We believe that SaaS and e-commerce templates will let ops teams skip custom setup.",
     "Half of new workspaces start from a template; setup time halves for them."),
    ("Onboarding", "Data import is the real blocker",
     "We believe that mid-market prospects stall in trials because importing their historical "
     "data takes an engineer.",
     "In interviews, 5 of 8 stalled trials name data import as the blocker."),
    ("Onboarding", "Email nudges revive dormant trials",
     "We believe that a day-3 nudge showing a teammate's activity will bring dormant trial users "
     "back.",
     "Day-7 return rate of dormant trials +5 points."),
    ("Onboarding", "Self-serve SSO unblocks security reviews",
     "We believe that self-serve SSO setup will remove two weeks from enterprise trials.",
     "Enterprise trial length falls from 30 to 16 days median."),
    ("Pricing", "Usage-based pricing fits agencies",
     "We believe that agencies managing many small clients will prefer per-report pricing to "
     "per-seat pricing.",
     "6 of 10 agency interviewees prefer usage-based; 2 pilots sign."),
    ("Pricing", "An annual discount of 20% lifts prepayment",
     "We believe that showing a 20% annual discount at checkout will move a third of new plans "
     "to annual billing.",
     "Share of annual plans at checkout reaches 33%."),
    ("Pricing", "The Team plan is priced too low",
     "We believe that raising the Team plan from $49 to $69 will not reduce conversions of "
     "teams above 10 seats.",
     "Conversion of 10+ seat teams does not drop by more than 1 point."),
    ("Pricing", "A free tier cannibalizes Starter",
     "We believe that a permanent free tier would pull small teams away from the Starter plan.",
     "Fake-door test: fewer than 20% of Starter buyers pick free when offered."),
    ("Pricing", "Procurement needs a fixed-price enterprise plan",
     "We believe that enterprise buyers need a fixed annual price to get through procurement.",
     "3 of 5 stuck enterprise deals move to contract with a fixed price."),
    ("Pricing", "Seat minimums cause churn at renewal",
     "We believe that the 5-seat minimum makes small customers churn at renewal.",
     "Churned accounts cite the seat minimum in 30% of exit calls."),
    ("Pricing", "Showing ROI on the pricing page helps",
     "We believe that an ROI calculator on the pricing page will raise demo requests.",
     "Demo requests from the pricing page +15%."),
    ("Pricing", "Buyers want monthly invoices, not card payments",
     "We believe that mid-market buyers abandon checkout because they cannot pay by invoice.",
     "Invoice option used by 25% of mid-market checkouts."),
    ("Pricing", "Add-on pricing for AI summaries",
     "We believe that customers will pay $10 per seat for AI report summaries.",
     "10% of active workspaces enable the paid add-on within a month."),
    ("Pricing", "Discounts for nonprofits do not move volume",
     "We believe that a nonprofit discount would not bring enough new accounts to matter.",
     "Fewer than 30 nonprofit sign-ups a quarter with the discount advertised."),
    ("Collaboration", "Comments on charts replace Slack threads",
     "We believe that analysts will discuss numbers in chart comments instead of Slack.",
     "30% of weekly active analysts comment on a chart each week."),
    ("Collaboration", "Scheduled report emails keep executives engaged",
     "We believe that executives who never log in will read a weekly scheduled report email.",
     "Open rate above 50% and 1 in 5 clicks through to the app."),
    ("Collaboration", "Shared folders reduce duplicate dashboards",
     "We believe that shared team folders will cut duplicate dashboards by a third.",
     "Duplicate dashboard creation down 33% in workspaces with folders."),
    ("Collaboration", "Mentions drive second-user activation",
     "We believe that @mentions in comments will activate invited users who never came back.",
     "Mentioned users return within 48 h in 40% of cases."),
    ("Collaboration", "Read-only links satisfy board members",
     "We believe that board members want a read-only link rather than an account.",
     "Read-only links created by 25% of paying workspaces within two months."),
    ("Collaboration", "Approval workflows matter to finance teams",
     "We believe that finance teams need a sign-off step before a report is shared.",
     "4 of 6 finance interviewees describe an approval step as a must-have."),
    ("Collaboration", "Live cursors are a gimmick",
     "We believe that live cursors on dashboards will not change collaboration metrics.",
     "No measurable change in co-editing sessions with live cursors on."),
    ("Collaboration", "Annotations explain metric drops",
     "We believe that timeline annotations will reduce 'why did this drop' questions to analysts.",
     "Analyst ticket volume about metric drops falls 20%."),
    ("Collaboration", "Teams want a weekly digest per dashboard",
     "We believe that dashboard owners want a weekly digest of changes sent to subscribers.",
     "Digest subscriptions on 15% of dashboards after launch."),
    ("Collaboration", "Guest access opens agency deals",
     "We believe that guest access for clients will unblock agency deals stuck in evaluation.",
     "2 agency deals close citing guest access."),
    ("Integrations", "Salesforce sync is the top enterprise ask",
     "We believe that a native Salesforce sync is what enterprise prospects need most.",
     "Salesforce named first in 60% of enterprise discovery calls."),
    ("Integrations", "A dbt integration wins data teams",
     "We believe that data teams will adopt us faster if metrics come straight from dbt.",
     "Workspaces connecting dbt activate twice as fast."),
    ("Integrations", "Zapier covers the long tail",
     "We believe that a Zapier app will cover most long-tail integration requests.",
     "Integration requests in support drop 40% after the Zapier launch."),
    ("Integrations", "HubSpot users need two-way sync",
     "We believe that HubSpot customers want two-way sync, not just import.",
     "5 of 8 HubSpot customers interviewed ask for write-back."),
    ("Integrations", "Snowflake connector speeds up enterprise onboarding",
     "We believe that a Snowflake connector will cut enterprise onboarding from weeks to days.",
     "Median enterprise onboarding under 5 days with the connector."),
    ("Integrations", "Webhooks are enough for engineering teams",
     "We believe that engineering teams prefer webhooks to a full API client.",
     "Webhook adoption 3x that of the API client among engineering-led accounts."),
    ("Integrations", "A Google Sheets add-on drives top-of-funnel",
     "We believe that a Sheets add-on will bring self-serve sign-ups from spreadsheet users.",
     "200 sign-ups a month attributed to the add-on."),
    ("Integrations", "Stripe metrics out of the box sell to SaaS founders",
     "We believe that SaaS founders buy when Stripe MRR dashboards work without setup.",
     "Trial conversion of Stripe-connected workspaces +8 points."),
    ("Integrations", "Customers will pay for a premium connector pack",
     "We believe that customers will pay extra for a pack of premium connectors.",
     "15% of paying accounts buy the pack in a pricing test."),
    ("Integrations", "Microsoft Teams notifications matter in Europe",
     "We believe that European mid-market customers need Teams, not Slack, notifications.",
     "Teams requested in 40% of European sales calls."),
]

SEGMENTS = ["SMB", "Mid-market", "Enterprise", "Agency", "Nonprofit"]
DEAL_STAGES = ["Discovery", "Demo", "Evaluation", "Proposal", "Negotiation", "Closed won",
               "Closed lost"]
INTERVIEW_NOTES = [
    "Walked through their current reporting workflow; they export to spreadsheets every Monday.",
    "Strong reaction when we showed the prototype; asked twice when it would ship.",
    "Politely positive but could not name a moment this would have helped last month.",
    "Their team lead owns the decision; the interviewee would not pay for it personally.",
    "Described a workaround they built themselves, which took two sprints to maintain.",
    "Confused by the terminology in the mock-up; needed an explanation of every step.",
    "Would switch from their current tool if migration took less than a day.",
    "Mentioned security review as the gating item for anything new this quarter.",
]
QUOTES = [
    "\u201cIf this existed I would have bought it last quarter.\u201d",
    "\u201cHonestly, we just live with it.\u201d",
    "\u201cMy boss asks for this number every week and I build it by hand.\u201d",
    "\u201cI would need to see it with our own data first.\u201d",
    "\u201cThat is nice to have, not a reason to switch.\u201d",
]
FEEDBACK = [
    "Champion liked it; procurement wants a reference customer in their industry.",
    "Pricing was the first question; they compared us with a cheaper competitor.",
    "Asked for a roadmap commitment before signing.",
    "Clear pain around weekly reporting; budget approved for Q3.",
    "Interest dropped once they saw the setup effort.",
]
OBJECTIONS = [
    "Too expensive for the seat count they need.",
    "Missing integration with their CRM.",
    "Security questionnaire still open.",
    "No budget until next fiscal year.",
    "",
]
METRICS = ["Trial-to-paid conversion", "Activation in week one", "Invitation acceptance",
           "Checkout completion", "Weekly active users", "Demo requests"]


def _when(rng: random.Random, start: datetime, low_days: float, high_days: float,
          now: datetime) -> datetime:
    moment = start + timedelta(days=rng.uniform(low_days, high_days),
                               minutes=rng.randint(0, 59))
    return min(moment.replace(second=0, microsecond=0), now - timedelta(hours=1))


def _first_set(*moments: datetime | None) -> datetime:
    """The first of `moments` that is set: every piece of demo evidence has one."""
    for moment in moments:
        if moment is not None:
            return moment
    raise ValueError("Demo evidence without any time.")


def demo_exists() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


def _demo_user(demo: DemoUser, *, staff: bool = False) -> Any:
    """The demo user `demo` (created with the demo password if missing), with the platform
    rights `staff` says — also when an earlier version of the demo gave it others."""
    user, created = get_user_model().objects.get_or_create(
        username=demo.username,
        defaults={"first_name": demo.first_name, "last_name": demo.last_name,
                  "email": f"{demo.username}@example.com"})
    if created:
        user.set_password(DEMO_PASSWORD)
    user.is_staff = user.is_superuser = staff
    user.save()
    return user


@transaction.atomic
def demo_staff_ensure() -> Any:
    """Give the Django admin to `demo-staff` only: create it if missing, and take staff rights
    from the demo's members (earlier demos made `demo-owner` a superuser). Returns demo-staff.
    Idempotent; `seed_demo` runs it on every call."""
    for demo in DEMO_USERS:
        get_user_model().objects.filter(username=demo.username).update(is_staff=False,
                                                                       is_superuser=False)
    return _demo_user(DEMO_STAFF, staff=True)


@transaction.atomic
def seed_demo(*, now: datetime | None = None, seed: int = 7) -> Organization:
    """Create the demo organization unless it exists; returns it."""
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing:
        return existing
    now = now or timezone.now()
    rng = random.Random(seed)
    users = {demo.role: _demo_user(demo) for demo in DEMO_USERS}
    org = core_services.organization_create(user=users[Role.OWNER], name="Acme Analytics",
                                            slug=DEMO_SLUG, timezone="America/New_York")
    for role, user in users.items():
        if role != Role.OWNER:
            core_services.membership_create(organization=org, user=user, role=role)
    demo_staff_ensure()
    owners = [users[Role.OWNER], users[Role.ADMIN], users[Role.MEMBER]]

    hypotheses, area_names, evidence = [], [], []
    for index, (area, title, statement, criteria) in enumerate(HYPOTHESES):
        stated_at = _when(rng, now - timedelta(days=182), 0, 176, now)
        recent = stated_at > now - timedelta(days=50)
        outcome = rng.choices([Status.VALIDATED, Status.INVALIDATED, Status.ABANDONED,
                               Status.OPEN], weights=[15, 10, 5, 70] if recent else [45, 30, 10, 15])[0]
        # Faster cycles lately, so the dashboard shows the team learning faster.
        pace = 0.6 if stated_at > now - timedelta(days=70) else 1.0
        hypothesis = Hypothesis(organization=org, title=title, statement=statement,
                                success_criteria=criteria,
                                owner=owners[index % len(owners)], stated_at=stated_at,
                                created_by=users[Role.ADMIN])
        items = _evidence_for(rng, org, hypothesis, now, pace, stale=index % 6 == 5)
        last = max([_first_set(e.occurred_at, e.concluded_at, e.started_at) for e, _ in items],
                   default=stated_at)
        if outcome != Status.OPEN:
            decided_at = _when(rng, max(last, stated_at), 1, 9 * pace, now)
            if decided_at > stated_at:
                hypothesis.status, hypothesis.decided_at = outcome, decided_at
                hypothesis.decision_note = _decision_note(outcome)
        hypotheses.append(hypothesis)
        area_names.append(area)
        evidence += [(hypothesis, e, stance) for e, stance in items]

    # Through the services the CSV import uses: the status history recorded as it would be.
    services.hypotheses_import(organization=org, user=users[Role.ADMIN], hypotheses=hypotheses,
                               area_names=area_names)
    services.evidence_import(records=[
        (e, services.links_validate(org, e.source, [services.LinkSpec(h, stance=stance)]))
        for h, e, stance in evidence])
    engine.recompute_all(org.pk)
    return org


def _decision_note(status: Status) -> str:
    return {
        Status.VALIDATED: "Evidence is consistent across interviews and the experiment; "
                          "shipping to everyone.",
        Status.INVALIDATED: "Customers describe the pain but do not change behaviour; "
                            "dropping it.",
        Status.ABANDONED: "Deprioritised after the quarterly planning; not enough signal "
                          "either way.",
    }[status]


def _evidence_for(rng: random.Random, org: Organization, hypothesis: Hypothesis, now: datetime,
                  pace: float, *, stale: bool) -> list[tuple[Evidence, str]]:
    """Evidence for one hypothesis with realistic delays: talk first, then experiment."""
    start = hypothesis.stated_at
    horizon = 20 if stale else 60 * pace
    items: list[tuple[Evidence, str]] = []
    if rng.random() < 0.3:  # prior evidence, gathered before the hypothesis was written down
        items.append((_interview(rng, org, _when(rng, start, -20, -1, now)), Stance.SUPPORTS))
    for _ in range(rng.randint(3, 6)):
        moment = _when(rng, start, 0.5, horizon * 0.6, now)
        items.append((_interview(rng, org, moment), rng.choice(list(Stance))))
    for _ in range(rng.randint(1, 3)):
        moment = _when(rng, start, 1, horizon * 0.8, now)
        items.append((_sales_call(rng, org, moment), rng.choice(list(Stance))))
    if rng.random() < 0.7:
        began = _when(rng, start, 3, horizon * 0.5, now)
        concluded = began + timedelta(days=rng.uniform(7, 21))
        running = concluded > now - timedelta(hours=2)
        items.append((_experiment(rng, org, began, None if running else concluded),
                      rng.choice([Stance.SUPPORTS, Stance.REFUTES])))
    if stale:  # nothing new for weeks
        items = [(e, s) for e, s in items
                 if _first_set(e.occurred_at, e.started_at) < now - timedelta(days=25)]
    return items


def _interview(rng: random.Random, org: Organization, moment: datetime) -> Evidence:
    from faker import Faker  # why: a demo-only dependency (the `demo` extra), loaded to seed

    fake = Faker()
    fake.seed_instance(rng.randint(0, 10**9))
    return Evidence(organization=org, source=Source.INTERVIEW, occurred_at=moment,
                    interviewee=fake.name(), company=fake.company(),
                    segment=rng.choice(SEGMENTS), notes=rng.choice(INTERVIEW_NOTES),
                    quotes=rng.choice(QUOTES))


def _sales_call(rng: random.Random, org: Organization, moment: datetime) -> Evidence:
    from faker import Faker  # why: a demo-only dependency (the `demo` extra), loaded to seed

    fake = Faker()
    fake.seed_instance(rng.randint(0, 10**9))
    return Evidence(organization=org, source=Source.SALES_CALL, occurred_at=moment,
                    account=fake.company(), deal_stage=rng.choice(DEAL_STAGES),
                    deal_value=Decimal(rng.randrange(6, 120) * 1000),
                    feedback=rng.choice(FEEDBACK), objections=rng.choice(OBJECTIONS))


def _experiment(rng: random.Random, org: Organization, began: datetime,
                concluded: datetime | None) -> Evidence:
    control_users = rng.randrange(800, 6000)
    variant_users = rng.randrange(800, 6000)
    base = rng.uniform(0.04, 0.2)
    control = int(control_users * base)
    variant = int(variant_users * base * rng.uniform(0.85, 1.3))
    if concluded is None:
        result = ""
    else:
        result = "win" if variant / variant_users > control / control_users * 1.08 else (
            "loss" if variant / variant_users < control / control_users * 0.95 else "inconclusive")
    return Evidence(organization=org, source=Source.EXPERIMENT, started_at=began,
                    concluded_at=concluded, name=f"{rng.choice(METRICS)} test #{rng.randint(10, 99)}",
                    kind=rng.choice(list(ExperimentKind)), metric=rng.choice(METRICS),
                    control_users=control_users, control_conversions=control,
                    variant_users=variant_users, variant_conversions=variant, result=result)
