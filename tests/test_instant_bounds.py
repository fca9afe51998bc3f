"""Instants outside 1900-01-01T00:00:00Z … 9001-01-01T00:00:00Z (excluded) are refused on every
input path — API, web forms, CSV import, admin — with a message naming the bounds, and nothing
is saved; an instant at an end of the calendar that got into the database anyway never fails a
page, in a time zone west of UTC or east of it (issue 13, finding 7)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from validation import engine
from validation.models import (
    Evidence,
    EvidenceLink,
    Hypothesis,
    HypothesisStatusChange,
    Interview,
    Status,
)
from validation.models.instants import EARLIEST_INSTANT, validate_instant_in_range

from .factories import ExperimentFactory, HypothesisFactory, InterviewFactory, SalesCallFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Use a date between 1900-01-01 and 9000-12-31."
JUST_BEFORE = "1899-12-31T23:59:59Z"
FIRST = "1900-01-01T00:00:00Z"
ORG = "/api/v1/orgs/acme"


def counts() -> tuple[int, int, int, int]:
    return (Hypothesis.objects.count(), HypothesisStatusChange.objects.count(),
            Evidence.objects.count(), EvidenceLink.objects.count())


@pytest.mark.parametrize("value", [
    datetime(1900, 1, 1, tzinfo=UTC),
    datetime(9000, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    # The same instant as 1900-01-01T00:00Z, written with an offset.
    datetime(1899, 12, 31, 19, 0, tzinfo=timezone(timedelta(hours=-5))),
])
def test_the_validator_accepts_the_first_and_the_last_instant(value):
    validate_instant_in_range(value)


@pytest.mark.parametrize("value", [
    datetime(1899, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(9001, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
])
def test_the_validator_refuses_an_instant_just_outside_either_bound(value):
    with pytest.raises(ValidationError) as error:
        validate_instant_in_range(value)
    assert error.value.messages == [MESSAGE]


# --- the API ------------------------------------------------------------------------------------
@pytest.fixture
def api(team) -> APIClient:
    client = APIClient()
    client.force_authenticate(team.member)
    return client


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content[:400]
    return response.json()["errors"]


API_INPUTS = [("hypotheses/", {"title": "T", "statement": "We believe …"}, "stated_at"),
              ("interviews/", {}, "occurred_at"),
              ("sales-calls/", {"account": "Initech"}, "occurred_at"),
              ("experiments/", {"name": "N"}, "started_at")]


@pytest.mark.parametrize(("path", "base", "field"), API_INPUTS)
@pytest.mark.parametrize("value", [JUST_BEFORE, "0001-01-01T00:00:00Z",
                                   # These two overflow when converted to UTC.
                                   "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_the_api_refuses_an_instant_before_1900_on_its_field_and_saves_nothing(
        api, team, path, base, field, value):
    before = counts()
    assert MESSAGE in errors(api.post(f"{ORG}/{path}", {**base, field: value}, format="json"))[field]
    assert counts() == before


@pytest.mark.parametrize(("path", "base", "field"), API_INPUTS)
def test_the_api_accepts_the_first_instant_of_1900(api, team, path, base, field):
    response = api.post(f"{ORG}/{path}", {**base, field: FIRST}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()[field] == "1900-01-01T00:00:00Z"


def test_the_api_refuses_a_concluded_at_or_a_decision_before_1900(api, team):
    before = counts()
    experiment = {"name": "N", "started_at": FIRST, "concluded_at": JUST_BEFORE, "result": "win"}
    assert MESSAGE in errors(api.post(f"{ORG}/experiments/", experiment,
                                      format="json"))["concluded_at"]
    hypothesis = HypothesisFactory(organization=team.org, stated_at=EARLIEST_INSTANT)
    before = counts()
    decision = {"status": "validated", "decided_at": JUST_BEFORE}
    assert MESSAGE in errors(api.post(f"{ORG}/hypotheses/{hypothesis.pk}/decide/", decision,
                                      format="json"))["decided_at"]
    assert counts() == before
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.OPEN
    decision["decided_at"] = FIRST
    assert api.post(f"{ORG}/hypotheses/{hypothesis.pk}/decide/", decision,
                    format="json").status_code == 200


@pytest.mark.parametrize(("path", "base", "field"), API_INPUTS)
def test_above_the_last_instant_the_range_is_refused_besides_the_future(api, team, path, base,
                                                                        field):
    # Every user-entered instant is also "never in the future": the last accepted instant is
    # refused for that reason only, the first one after it for both.
    last = errors(api.post(f"{ORG}/{path}", {**base, field: "9000-12-31T23:59:59.999999Z"},
                           format="json"))[field]
    assert MESSAGE not in last and any("future" in message for message in last)
    beyond = errors(api.post(f"{ORG}/{path}", {**base, field: "9001-01-01T00:00:00Z"},
                             format="json"))[field]
    assert MESSAGE in beyond


# --- the web forms ------------------------------------------------------------------------------
@pytest.fixture
def web(team) -> Client:
    client = Client()
    client.force_login(team.member)
    return client


NO_LINKS = {"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"}
FORM_INPUTS = [("hypothesis-create", {"title": "T", "statement": "We believe …"}, "stated_at"),
               ("interview-create", NO_LINKS, "occurred_at"),
               ("sales-call-create", {**NO_LINKS, "account": "Initech"}, "occurred_at"),
               ("experiment-create", {**NO_LINKS, "name": "N"}, "started_at")]


@pytest.mark.parametrize(("url", "base", "field"), FORM_INPUTS)
def test_a_web_form_refuses_an_instant_before_1900_on_its_field(web, team, url, base, field):
    before = counts()
    response = web.post(reverse(url, args=["acme"]), {**base, field: "1899-12-31T23:59"})
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page and f'id="id_{field}_error"' in page
    assert counts() == before
    response = web.post(reverse(url, args=["acme"]), {**base, field: "1900-01-01T00:00"})
    assert response.status_code == 302
    assert counts() != before


def test_a_local_time_at_the_end_of_the_calendar_is_an_error_not_a_crash(web, team):
    # 0001-01-01 00:00 in Tokyo (then UTC+9:19) is year 0 in UTC, which Python cannot hold.
    team.org.timezone = "Asia/Tokyo"
    team.org.save()
    before = counts()
    for url, base, field in FORM_INPUTS:
        response = web.post(reverse(url, args=["acme"]), {**base, field: "0001-01-01T00:00"})
        assert response.status_code == 200, url
        assert MESSAGE in response.content.decode(), url
    assert counts() == before


def test_the_decide_form_and_the_concluded_field_refuse_an_instant_before_1900(web, team):
    hypothesis = HypothesisFactory(organization=team.org, stated_at=EARLIEST_INSTANT)
    before = counts()
    response = web.post(reverse("hypothesis-decide", args=["acme", hypothesis.pk]),
                        {"status": "validated", "decided_at": "1899-12-31T23:59"})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    response = web.post(reverse("experiment-create", args=["acme"]), {
        **NO_LINKS, "name": "N", "started_at": "1900-01-01T00:00",
        "concluded_at": "1899-12-31T23:59", "result": "win"})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert counts() == before


# --- the CSV import -----------------------------------------------------------------------------
def import_csv(client: Client, kind: str, text: str, capture) -> dict:
    upload = SimpleUploadedFile(f"{kind}.csv", text.encode())
    with capture(execute=True):
        job = client.post(f"{ORG}/imports/", {"kind": kind, "file": upload})
    assert job.status_code == 202, job.content
    return client.get(f"{ORG}/imports/{job.json()['id']}/").json()


def test_a_csv_import_reports_each_out_of_range_date_by_line_and_column_and_imports_nothing(
        web, team, django_capture_on_commit_callbacks):
    team.org.timezone = "America/Los_Angeles"
    team.org.save()
    before = counts()
    outcome = import_csv(web, "interviews", "occurred_at,interviewee\n"
                         "2026-03-02T09:00:00Z,Fine\n"
                         "0001-01-01T00:00:00Z,Year one\n"
                         "1899-12-31 15:59,Just before 1900 in UTC\n", django_capture_on_commit_callbacks)
    assert outcome["status"] == "failed"
    assert outcome["row_errors"] == [
        {"line": 3, "column": "occurred_at", "message": MESSAGE},
        {"line": 4, "column": "occurred_at", "message": MESSAGE}]
    outcome = import_csv(web, "hypotheses", "title,statement,stated_at,status,decided_at\n"
                         "T,We believe …,1900-01-01T00:00:00Z,validated,1899-12-31T23:59:59Z\n",
                         django_capture_on_commit_callbacks)
    assert outcome["status"] == "failed"
    assert {"line": 2, "column": "decided_at", "message": MESSAGE} in outcome["row_errors"]
    assert counts() == before


def test_a_csv_import_accepts_the_first_instant_of_1900(web, team,
                                                        django_capture_on_commit_callbacks):
    outcome = import_csv(web, "experiments", "name,started_at,concluded_at,result\n"
                         "N,1900-01-01T00:00:00Z,1900-01-01T00:00:00Z,win\n",
                         django_capture_on_commit_callbacks)
    assert outcome["status"] == "succeeded", outcome["row_errors"]
    assert Evidence.objects.get().started_at == EARLIEST_INSTANT


# --- the admin ----------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, team) -> Client:
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345!")
    client.force_login(root)
    return client


def test_the_admin_refuses_an_instant_before_1900_on_its_field(admin_client, team):
    admin_form = {"organization": team.org.pk, "interviewee": "Dana", "links-TOTAL_FORMS": "0",
                  "links-INITIAL_FORMS": "0", "links-MIN_NUM_FORMS": "0",
                  "links-MAX_NUM_FORMS": "1000"}
    url = reverse("admin:validation_interview_add")
    before = counts()
    response = admin_client.post(url, {**admin_form, "occurred_at_0": "1899-12-31",
                                       "occurred_at_1": "23:59:59"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurred_at"] == [MESSAGE]
    assert MESSAGE in response.content.decode()
    assert counts() == before
    response = admin_client.post(url, {**admin_form, "occurred_at_0": "1900-01-01",
                                       "occurred_at_1": "00:00:00"})
    assert response.status_code == 302
    assert Interview.objects.get().occurred_at == EARLIEST_INSTANT


# --- pages with an instant at an end of the calendar ---------------------------------------------
@pytest.fixture
def rules_lifted() -> Iterator[None]:
    """Lift the database's checks on instants (range and not-in-future) for this test, as data
    written before them, or around them, would be. Requested before any row is written: on
    PostgreSQL, ALTER TABLE refuses a table with pending deferred checks. The test's rollback
    puts the constraints and triggers back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint "
                           "WHERE conname LIKE '%%_in_range' OR conname LIKE '%%_not_in_future'")
            for table, name in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE '%not_in_future%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
YEAR_9999 = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
# How the hypothesis page shows the statement time: in UTC, saying so, where the local time
# would fall off the calendar. Kiritimati was west of UTC (-10:29) before 1901, +14 since 1995.
SHOWN = {("America/Los_Angeles", YEAR_ONE): "1 Jan 0001, 00:00 UTC",
         ("Pacific/Kiritimati", YEAR_ONE): "1 Jan 0001, 00:00 UTC",
         ("America/Los_Angeles", YEAR_9999): "31 Dec 9999, 15:59",
         ("Pacific/Kiritimati", YEAR_9999): "31 Dec 9999, 23:59 UTC"}


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Kiritimati"])
@pytest.mark.parametrize("instant", [YEAR_ONE, YEAR_9999], ids=["year-1", "year-9999"])
def test_every_page_shows_an_instant_at_an_end_of_the_calendar(rules_lifted, team, web, api,
                                                               zone, instant):
    team.org.timezone = zone
    team.org.save()
    open_ = HypothesisFactory(organization=team.org, title="Open")
    decided = HypothesisFactory(organization=team.org, title="Decided", status=Status.VALIDATED,
                                decided_at=datetime(2026, 3, 10, tzinfo=UTC))
    interview = InterviewFactory(organization=team.org)
    sales_call = SalesCallFactory(organization=team.org)
    concluded = ExperimentFactory(organization=team.org)
    running = ExperimentFactory(organization=team.org, concluded_at=None, result="")
    for evidence in (interview, sales_call, concluded, running):
        for hypothesis in (open_, decided):
            EvidenceLink.objects.create(organization=team.org, evidence=evidence,
                                        hypothesis=hypothesis, strength="weak")
    for hypothesis in (open_, decided):
        HypothesisStatusChange.objects.create(organization=team.org, hypothesis=hypothesis,
                                              to_status=hypothesis.status,
                                              decided_at=hypothesis.decided_at)
    # Around validation, as a raw write would: every user-entered instant at `instant`.
    Hypothesis.objects.filter(pk=open_.pk).update(stated_at=instant)
    Hypothesis.objects.filter(pk=decided.pk).update(stated_at=instant, decided_at=instant)
    HypothesisStatusChange.objects.update(changed_at=instant)
    HypothesisStatusChange.objects.filter(decided_at__isnull=False).update(decided_at=instant)
    Evidence.objects.filter(pk__in=[interview.pk, sales_call.pk]).update(occurred_at=instant)
    Evidence.objects.filter(pk=concluded.pk).update(started_at=instant, concluded_at=instant)
    Evidence.objects.filter(pk=running.pk).update(started_at=instant)
    engine.recompute_hypotheses([open_.pk, decided.pk])  # derived times at `instant` too
    assert Hypothesis.objects.get(pk=open_.pk).first_evidence_at == instant

    pages = [reverse("dashboard", args=["acme"]), reverse("hypothesis-list", args=["acme"]),
             reverse("hypothesis-export", args=["acme"]),
             reverse("hypothesis-edit", args=["acme", open_.pk]),
             reverse("hypothesis-decide", args=["acme", open_.pk])]
    pages += [reverse(f"hypothesis-{page}", args=["acme", h.pk])
              for h in (open_, decided) for page in ("detail", "edit")]
    for name, evidence in (("interview", interview), ("sales-call", sales_call),
                           ("experiment", concluded), ("experiment", running)):
        pages += [reverse(f"{name}-list", args=["acme"]), reverse(f"{name}-export", args=["acme"]),
                  reverse(f"{name}-detail", args=["acme", evidence.pk]),
                  reverse(f"{name}-edit", args=["acme", evidence.pk])]
    for url in pages:
        assert web.get(url).status_code == 200, url

    api_pages = [f"{ORG}/hypotheses/", f"{ORG}/metrics/cycle-time/", f"{ORG}/metrics/velocity/"]
    api_pages += [f"{ORG}/hypotheses/{h.pk}/{part}" for h in (open_, decided)
                  for part in ("", "timeline/", "history/")]
    api_pages += [f"{ORG}/{path}/{suffix}" for path, evidence in (
        ("interviews", interview), ("sales-calls", sales_call), ("experiments", concluded),
        ("experiments", running)) for suffix in ("", f"{evidence.pk}/")]
    for url in api_pages:
        assert api.get(url).status_code == 200, url

    detail = web.get(reverse("hypothesis-detail", args=["acme", decided.pk])).content.decode()
    assert SHOWN[(zone, instant)] in detail
    exported = b"".join(web.get(reverse("hypothesis-export", args=["acme"])).streaming_content)
    assert instant.isoformat().encode() in exported
    assert api.get(f"{ORG}/hypotheses/{decided.pk}/").json()["decided_at"] == (
        instant.isoformat().replace("+00:00", "Z"))


# Instants of a row that the templates show; `|date` converts them to local time and fails at
# the ends of the calendar, `|local` (validation/templatetags/proofloop.py) does not.
ROW_INSTANTS = ("stated_at", "decided_at", "occurred_at", "started_at", "concluded_at",
                "evidence_at", "changed_at", "first_evidence_at", "last_evidence_at")


def test_no_template_shows_an_instant_of_a_row_with_django_date_filter():
    pattern = re.compile(rf"\b({'|'.join(ROW_INSTANTS)})\s*(\|\s*default:[^|}}]+)?\|\s*date\b")
    offenders = [f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
                 for path in Path(settings.BASE_DIR, "templates").rglob("*.*")
                 for match in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_model_refuses_an_instant_outside_the_range_with_the_message_on_its_field(team):
    hypothesis = HypothesisFactory.build(organization=team.org,
                                         stated_at=EARLIEST_INSTANT - timedelta(microseconds=1))
    with pytest.raises(ValidationError) as error:
        hypothesis.full_clean()
    assert error.value.message_dict["stated_at"] == [MESSAGE]
    hypothesis.stated_at = EARLIEST_INSTANT
    hypothesis.full_clean()
