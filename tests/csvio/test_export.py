"""Exports are filtered like their list, escape formulas, and re-import without loss."""

import csv
import io

import pytest

from validation import engine
from validation.csvio.exporter import escape
from validation.csvio.services import import_start
from validation.models import Evidence, Experiment, Hypothesis, Interview, SalesCall
from validation.models.imports import ImportStatus

from ..examples import log_worked_example
from ..factories import ExperimentFactory, InterviewFactory, LinkFactory

pytestmark = pytest.mark.django_db


def download(client, url: str) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:], newline=""))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+33 6 12", "'+33 6 12"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("plain", "plain"), (None, ""), (3, "3")])
def test_cells_a_spreadsheet_would_run_are_escaped(value, expected):
    assert escape(value) == expected


def test_the_hypotheses_export_has_derived_metrics_and_follows_the_list_filters(
        team, signed_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        example = log_worked_example(team.org, team.member)
    columns, rows = download(signed_in, "/o/acme/hypotheses/export.csv?status=validated")
    assert [r["title"] for r in rows] == [example.h1.title]
    assert {"cycle_time_days", "time_to_first_evidence_days", "evidence_count"} <= set(columns)
    assert float(rows[0]["cycle_time_days"]) == 14.0
    assert float(rows[0]["time_to_first_evidence_days"]) == 2.5
    _, everything = download(signed_in, "/o/acme/hypotheses/export.csv")
    assert len(everything) == 2


def test_an_evidence_export_escapes_formulas_and_stays_in_the_organization(team, signed_in):
    InterviewFactory(organization=team.org, interviewee="=HYPERLINK(\"http://evil\")")
    InterviewFactory(organization=team.other_org, interviewee="Globex person")
    _, rows = download(signed_in, "/o/acme/interviews/export.csv")
    assert [r["interviewee"] for r in rows] == ["'=HYPERLINK(\"http://evil\")"]


def test_outsiders_cannot_export(team, client):
    client.force_login(team.outsider)
    assert client.get("/o/acme/interviews/export.csv").status_code == 404


def test_an_export_reimports_into_an_empty_organization_without_loss(
        team, signed_in, empty_org_with_same_people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        example = log_worked_example(team.org, team.member)
    Hypothesis.objects.filter(pk=example.h1.pk).update(statement="=cmd|' /C calc'!A0, risky")
    running = ExperimentFactory(organization=team.org, name="Still running", concluded_at=None,
                                result="", control_users=10, control_conversions=1)
    LinkFactory(evidence=running, hypothesis=example.h2, stance="neutral", strength="weak")
    engine.recompute_all()
    fresh = empty_org_with_same_people
    for kind, path in (("hypotheses", "hypotheses"), ("interviews", "interviews"),
                       ("sales_calls", "sales-calls"), ("experiments", "experiments")):
        response = signed_in.get(f"/o/acme/{path}/export.csv")
        data = b"".join(response.streaming_content)
        with django_capture_on_commit_callbacks(execute=True):
            job = import_start(organization=fresh, user=team.member, kind=kind,
                               filename=f"{kind}.csv", data=data)
        job.refresh_from_db()
        assert job.status == ImportStatus.SUCCEEDED, (kind, job.row_errors, job.error)

    def snapshot(org):
        hypotheses = sorted(Hypothesis.objects.for_org(org).values_list(
            "title", "statement", "success_criteria", "area__name", "owner__username",
            "stated_at", "status", "decided_at", "decision_note", "first_evidence_at",
            "last_evidence_at", "evidence_count", "cycle_time"))
        fields = ("source", "occurred_at", "interviewee", "company", "segment", "notes",
                  "quotes", "account", "deal_stage", "deal_value", "feedback", "objections",
                  "name", "kind", "started_at", "concluded_at", "metric", "control_users",
                  "control_conversions", "variant_users", "variant_conversions", "result")
        evidence = sorted(Evidence.objects.for_org(org).values_list(*fields))
        links = sorted(Evidence.objects.for_org(org).values_list(
            "source", "links__hypothesis__title", "links__stance", "links__strength"))
        return hypotheses, evidence, links

    assert snapshot(fresh) == snapshot(team.org)
    assert Interview.objects.for_org(fresh).count() == 1
    assert SalesCall.objects.for_org(fresh).count() == 1
    assert Experiment.objects.for_org(fresh).count() == 2
