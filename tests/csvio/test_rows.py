"""Rows are validated with the API's rules before anything is written: all or nothing."""

from unittest import mock

import pytest

from validation import engine
from validation.csvio.services import import_start
from validation.models import Evidence, EvidenceLink, Hypothesis, Interview, SalesCall
from validation.models.imports import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(team, django_capture_on_commit_callbacks):
    """Upload `text` as a CSV of `kind`; the import task runs on commit, as in production."""

    def upload(text: str, kind: str = "interviews", bom: bool = False) -> ImportJob:
        data = (("\ufeff" if bom else "") + text).encode("utf-8")
        with django_capture_on_commit_callbacks(execute=True):
            job = import_start(organization=team.org, user=team.member, kind=kind,
                               filename="f.csv", data=data)
        job.refresh_from_db()
        return job

    return upload


def test_utf8_with_bom_crlf_quoted_newlines_and_commas_import(run, team, hypotheses,
                                                               django_capture_on_commit_callbacks):
    text = ('occurred_at,interviewee,company,notes,quotes,hypotheses\r\n'
            '2026-03-02 09:00,Zoë Ångström,"Initech, Inc.","Line one\r\nline two",'
            '"She said ""never""",Sample data makes trials convert|supports\r\n'
            '2026-03-03T10:00:00+02:00,Dana,Globex,,,'
            f'#{hypotheses[1].pk}|refutes|strong; Sample data makes trials convert\r\n')
    job = run(text, bom=True)
    assert job.status == ImportStatus.SUCCEEDED, job.row_errors or job.error
    assert job.created_count == 2 and job.content == ""
    zoe = Interview.objects.get(interviewee="Zoë Ångström")
    assert zoe.company == "Initech, Inc." and zoe.notes == "Line one\r\nline two"
    assert zoe.quotes == 'She said "never"'
    # Without an offset, a time is the organization's local time (UTC here).
    assert zoe.occurred_at.isoformat() == "2026-03-02T09:00:00+00:00"
    dana = Interview.objects.get(interviewee="Dana")
    assert dana.occurred_at.isoformat() == "2026-03-03T08:00:00+00:00"
    links = {(link.hypothesis_id, link.stance, link.strength)
             for link in EvidenceLink.objects.filter(evidence=dana)}
    assert links == {(hypotheses[1].pk, "refutes", "strong"), (hypotheses[0].pk, "supports", "weak")}
    hypotheses[0].refresh_from_db()
    assert hypotheses[0].evidence_count == 2  # recomputed


def test_each_bad_row_is_reported_with_line_column_and_message_and_nothing_is_written(run,
        team, hypotheses, django_capture_on_commit_callbacks):
    text = ("occurred_at,account,deal_value,hypotheses\n"
            "2026-03-02 09:00,Globex,1000,Sample data makes trials convert\n"  # fine
            "2026-03-02 09:00,,1000,\n"  # line 3: no account
            "2999-01-01 09:00,Initech,5,\n"  # line 4: in the future
            "2026-02-30 09:00,Hooli,abc,No such hypothesis\n"  # line 5
            "2026-03-04 09:00,Umbrella,10,Sample data makes trials convert|loves\n"  # line 6
            "2026-03-04 09:00,Acme,-5,\n")  # line 7: negative value
    before = (Evidence.objects.count(), EvidenceLink.objects.count())
    job = run(text, kind="sales_calls")
    assert job.status == ImportStatus.FAILED and job.created_count == 0
    assert (Evidence.objects.count(), EvidenceLink.objects.count()) == before
    found = {(e["line"], e["column"]) for e in job.row_errors}
    assert {(3, "account"), (4, "occurred_at"), (5, "occurred_at"), (5, "deal_value"),
            (5, "hypotheses"), (6, "hypotheses"), (7, "deal_value")} <= found
    assert (2, "account") not in found
    messages = {(e["line"], e["column"]): e["message"] for e in job.row_errors}
    assert "future" in messages[(4, "occurred_at")]
    assert "no hypothesis is titled" in messages[(5, "hypotheses")]
    assert "loves" in messages[(6, "hypotheses")]
    assert job.row_error_count == len(job.row_errors)


def test_experiment_rules_apply_to_csv_rows(run, team, django_capture_on_commit_callbacks):
    text = ("name,started_at,concluded_at,control_users,control_conversions,result\n"
            "A,2026-03-10 09:00,2026-03-05 09:00,100,10,win\n"  # concluded before started
            "B,2026-03-01 09:00,2026-03-05 09:00,100,150,win\n"  # conversions > users
            "C,2026-03-01 09:00,2026-03-05 09:00,100,10,\n")  # concluded without result
    job = run(text, kind="experiments")
    columns = {(e["line"], e["column"]) for e in job.row_errors}
    assert {(2, "concluded_at"), (3, "control_conversions"), (4, "result")} <= columns
    assert Evidence.objects.count() == 0


def test_hypotheses_import_with_areas_owners_and_decisions(run, team,
                                                           django_capture_on_commit_callbacks):
    text = ("title,statement,area,owner,stated_at,status,decided_at,decision_note\n"
            "Annual plans,We believe annual plans sell,Pricing,member,2026-01-05 09:00,"
            "validated,2026-01-19 09:00,Yes\n"
            "Slack sign-in,We believe Slack sign-in helps,Onboarding,,2026-02-01 09:00,,,\n")
    job = run(text, kind="hypotheses")
    assert job.status == ImportStatus.SUCCEEDED, job.row_errors
    annual = Hypothesis.objects.get(title="Annual plans")
    assert annual.area.name == "Pricing" and annual.owner == team.member
    assert annual.cycle_time_days == 14.0  # recomputed after the import
    assert list(annual.status_changes.values_list("to_status", flat=True)) == ["open", "validated"]


def test_hypothesis_rows_refuse_a_non_member_owner_and_a_decision_before_the_statement(run, team):
    text = ("title,statement,owner,stated_at,status,decided_at\n"
            "A,We believe,outsider,2026-01-05 09:00,,\n"
            "B,We believe,,2026-01-05 09:00,invalidated,2026-01-01 09:00\n")
    job = run(text, kind="hypotheses")
    messages = {(e["line"], e["column"]): e["message"] for e in job.row_errors}
    assert "not a member" in messages[(2, "owner")]
    assert "cannot come before" in messages[(3, "decided_at")]
    assert Hypothesis.objects.count() == 0


def test_an_ambiguous_title_asks_for_an_id(run, team, hypotheses):
    from ..factories import HypothesisFactory
    HypothesisFactory(organization=team.org, title="Sample data makes trials convert")
    job = run("occurred_at,hypotheses\n2026-03-02 09:00,Sample data makes trials convert\n")
    assert "2 hypotheses are titled" in job.row_errors[0]["message"]


def test_another_organizations_hypothesis_cannot_be_linked_by_id(run, team):
    from ..factories import HypothesisFactory
    foreign = HypothesisFactory(organization=team.other_org, title="Globex secret")
    job = run(f"occurred_at,hypotheses\n2026-03-02 09:00,#{foreign.pk}\n"
                    "2026-03-02 09:00,Globex secret\n")
    assert [e["line"] for e in job.row_errors] == [2, 3]
    assert Evidence.objects.count() == 0


@pytest.mark.slow  # 5,000 rows checked and written
def test_five_thousand_rows_import_in_one_task_with_progress_and_one_recompute(
        team, hypotheses, django_capture_on_commit_callbacks):
    rows = "".join(f"2026-0{1 + i % 3}-{1 + i % 28:02d} 09:00,Account {i},{i},"
                   f"Sample data makes trials convert|supports\n" for i in range(5000))
    recompute = mock.patch.object(engine, "recompute_hypotheses", wraps=engine.recompute_hypotheses)
    with recompute as spy, django_capture_on_commit_callbacks(execute=True) as tasks:
        job = import_start(organization=team.org, user=team.member, kind="sales_calls",
                           filename="big.csv",
                           data=("occurred_at,account,deal_value,hypotheses\n" + rows).encode())
    assert len(tasks) == 1  # one import task, not one per row
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.created_count == 5000
    assert job.processed_rows == job.total_rows == 5000
    assert spy.call_count == 1 and spy.call_args.args[0] == [hypotheses[0].pk]
    assert SalesCall.objects.count() == 5000
    hypotheses[0].refresh_from_db()
    assert hypotheses[0].evidence_count == 5000


def test_progress_is_reported_while_rows_are_checked(team, hypotheses):
    from validation.csvio.importer import import_rows
    from validation.csvio.reader import parse
    rows = "".join(f"2026-03-0{1 + i % 9} 09:00,Dana {i}\n" for i in range(450))
    parsed = parse("occurred_at,interviewee\n" + rows, "interviews")
    reported: list[int] = []
    outcome = import_rows(organization=team.org, user=team.member, kind="interviews",
                          parsed=parsed, progress=reported.append)
    assert reported == [100, 200, 300, 400, 450]
    assert outcome.created == 450
