"""Markup payloads stored in every free-text field of every model, as users would type them:
shared by the stored-markup tests of the test client (test_stored_markup.py) and of Chromium
(test_stored_markup_browser.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.utils import timezone

from core.models import Invitation, Membership, Organization
from validation.models import DigestDelivery, Evidence, Hypothesis, ImportJob

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = '<a href="javascript:alert(1)">x</a>'


def htmx_post(membership_pk: int) -> str:
    """The attack of the issue: an element htmx would process, posting the transfer of the
    organization's ownership to the member who typed it, as soon as it loads."""
    return (f'<i hx-post="/o/acme/settings/members/{membership_pk}/transfer/" '
            'hx-trigger="load">x</i>')


# What must never reach a page as markup. Escaped, each of them is harmless text.
MARKUP = (SCRIPT, "<img src=x onerror", "<i hx-post=", '<a href="javascript:')
# Django's escaping also turns quotes into &quot;, so on our pages not even the attributes of
# the payloads appear as typed (an unescaped quote would end an attribute value).
RAW = (*MARKUP, 'hx-post="/o/acme/settings/members', 'href="javascript:')

# Text fields that cannot hold markup, and why; every other CharField
# and TextField of our models (and the user's names) gets a payload, so that a new field is
# not forgotten: test_every_free_text_field_holds_a_payload fails until it is listed here or
# filled in store_payloads().
NOT_FREE_TEXT = {
    "auth.User.password": "a password hash",
    "auth.User.username": "Django's username validator allows letters, digits and @.+-_ only",
    "core.Organization.timezone": "an IANA zone name, validated",
}
APPS = ("core", "validation")  # ours; auth.User's fields are added by free_text_fields()


def free_text_fields() -> list[str]:
    """The `app.Model.field` labels of every CharField and TextField without choices of our
    models and of the user (e-mail addresses and slugs left out: their validators refuse
    markup)."""
    found = []
    candidates = [m for m in apps.get_models() if m._meta.app_label in APPS]
    for model in [*candidates, get_user_model()]:
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if (isinstance(field, models.CharField | models.TextField) and not field.choices
                    and not isinstance(field, models.EmailField | models.SlugField)):
                found.append(f"{model._meta.label}.{field.name}")
    return sorted(set(found) - set(NOT_FREE_TEXT))


@dataclass
class Payloads:
    """The payloads in rotation: `fit(n)` gives the next ones that fit in n characters."""

    all: tuple[str, ...]
    turn: int = 0

    def fit(self, limit: int | None = None) -> str:
        start, text = self.turn, ""
        self.turn += 1
        for i in range(len(self.all)):
            candidate = self.all[(start + i) % len(self.all)]
            if limit is None or len(text) + len(candidate) + 1 <= limit:
                text = f"{text} {candidate}".strip()
        assert text, f"no payload fits in {limit} characters"
        return text


@dataclass
class Stored:
    payloads: tuple[str, ...]
    transfer_url: str  # the URL the htmx payload posts to
    member_membership: Membership
    open_hypothesis: Hypothesis  # with the three kinds of evidence linked, stated this week
    stale_hypothesis: Hypothesis  # open, idle for 40 days
    decided_hypothesis: Hypothesis  # decided last week, with a note
    interview: Evidence
    sales_call: Evidence
    experiment: Evidence
    job: ImportJob


def _local(instant) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%dT%H:%M")


def _post(client: Client, path: str, data: dict) -> None:
    response = client.post(path, data)
    assert response.status_code == 302, (path, response.status_code,
                                         response.content.decode()[:3000])


def _links(hypotheses: list[Hypothesis]) -> dict[str, object]:
    data: dict[str, object] = {"links-TOTAL_FORMS": len(hypotheses), "links-INITIAL_FORMS": 0,
                               "links-MIN_NUM_FORMS": 0, "links-MAX_NUM_FORMS": 50}
    for i, hypothesis in enumerate(hypotheses):
        data[f"links-{i}-hypothesis"] = hypothesis.pk
        data[f"links-{i}-stance"] = "supports"
    return data


def store_payloads(team) -> Stored:
    """A payload in every free-text field: typed by the member through the web forms, the
    organization's name by an admin through the settings page, and through the ORM what no
    form of the web app writes (users' names, an import's file name and errors, a delivery's
    error, an invitation's username)."""
    membership = Membership.objects.get(organization=team.org, user=team.member)
    transfer_url = f"/o/acme/settings/members/{membership.pk}/transfer/"
    payloads = Payloads((SCRIPT, IMG, htmx_post(membership.pk), LINK))
    now = timezone.now()

    User = get_user_model()
    for user in User.objects.filter(memberships__organization=team.org):
        user.first_name, user.last_name = payloads.fit(150), payloads.fit(150)
        user.save(update_fields=["first_name", "last_name"])

    admin = Client()
    admin.force_login(team.admin)
    _post(admin, "/o/acme/settings/", {
        "name": payloads.fit(Organization._meta.get_field("name").max_length),
        "timezone": "UTC", "stale_after_days": 14, "digest_weekday": 0, "digest_hour": 8})

    member = Client()
    member.force_login(team.member)

    def state(stated_at) -> Hypothesis:
        _post(member, "/o/acme/hypotheses/new/", {
            "title": payloads.fit(200), "statement": payloads.fit(),
            "success_criteria": payloads.fit(), "area": payloads.fit(60),
            "owner": team.member.pk, "stated_at": _local(stated_at)})
        return Hypothesis.objects.for_org(team.org).latest("id")

    stale = state(now - timedelta(days=40))
    decided = state(now - timedelta(days=8))
    _post(member, f"/o/acme/hypotheses/{decided.pk}/decide/", {
        "status": "validated", "decided_at": _local(now - timedelta(days=7)),
        "note": payloads.fit()})
    # A second decision and a reopening, for a status change whose note is not a decision's.
    reopened = state(now - timedelta(days=9))
    _post(member, f"/o/acme/hypotheses/{reopened.pk}/decide/", {
        "status": "abandoned", "decided_at": _local(now - timedelta(days=8)), "note": ""})
    _post(member, f"/o/acme/hypotheses/{reopened.pk}/reopen/", {"note": payloads.fit()})
    current = state(now - timedelta(hours=1))

    linked = _links([current, decided])
    _post(member, "/o/acme/interviews/new/", {
        "occurred_at": _local(now - timedelta(minutes=50)), "interviewee": payloads.fit(120),
        "company": payloads.fit(120), "segment": payloads.fit(80), "notes": payloads.fit(),
        "quotes": payloads.fit(), **linked})
    _post(member, "/o/acme/sales-calls/new/", {
        "occurred_at": _local(now - timedelta(minutes=40)), "account": payloads.fit(120),
        "deal_stage": payloads.fit(60), "deal_value": "1000", "feedback": payloads.fit(),
        "objections": payloads.fit(), **linked})
    _post(member, "/o/acme/experiments/new/", {
        "name": payloads.fit(200), "kind": "ab_test", "metric": payloads.fit(120),
        "started_at": _local(now - timedelta(minutes=30)),
        "concluded_at": _local(now - timedelta(minutes=20)), "result": "win",
        "control_users": 100, "control_conversions": 10, "variant_users": 100,
        "variant_conversions": 20, **linked})

    job = ImportJob.objects.create(
        organization=team.org, kind="interviews", created_by=team.member,
        filename=payloads.fit(255), status="failed", error=payloads.fit(),
        content=payloads.fit(), total_rows=1, row_error_count=1,
        row_errors=[{"line": 2, "column": "notes", "message": payloads.fit()}])
    DigestDelivery.objects.create(organization=team.org, user=team.viewer,
                                  week_start=now.date() - timedelta(days=now.weekday() + 7),
                                  email=team.viewer.email, status="failed",
                                  last_error=payloads.fit())
    # An invitation to a username no account has (kept as typed), and one to the outsider,
    # whose home page and top bar then show the organization and who invited them.
    Invitation.objects.create(organization=team.org, invitee_username=payloads.fit(150),
                              role="member", invited_by=team.admin,
                              expires_at=now + timedelta(days=7))
    Invitation.objects.create(organization=team.org, invitee_username=team.outsider.username,
                              invitee=team.outsider, role="viewer", invited_by=team.admin,
                              expires_at=now + timedelta(days=7))

    evidence = Evidence.objects.for_org(team.org)
    return Stored(
        payloads=payloads.all, transfer_url=transfer_url, member_membership=membership,
        open_hypothesis=current, stale_hypothesis=stale, decided_hypothesis=decided,
        interview=evidence.get(source="interview"), sales_call=evidence.get(source="sales_call"),
        experiment=evidence.get(source="experiment"), job=job)


def fields_without_payload(payloads: tuple[str, ...]) -> list[str]:
    """The free-text fields in which no row holds a payload."""
    missing = []
    for label in free_text_fields():
        app_model, name = label.rsplit(".", 1)
        model = apps.get_model(app_model)
        query = models.Q()
        for payload in payloads:
            query |= models.Q(**{f"{name}__contains": payload})
        if not model._default_manager.filter(query).exists():
            missing.append(label)
    return missing

