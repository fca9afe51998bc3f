"""What the digest says: PRODUCT.md's worked example in both parts, a quiet week, tenancy."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command

from core.models import Membership
from validation import digest
from validation.models import Hypothesis

from ..examples import at, log_worked_example
from ..factories import HypothesisFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return log_worked_example(team.org, team.member)


def render(team, week: date, now=None):
    membership = Membership.objects.get(organization=team.org, user=team.viewer)
    message = digest.build_digest(membership, digest.digest_context(team.org, week, now=now))
    html = message.alternatives[0][0]
    return message, message.body, html


def test_the_worked_example_week_in_the_text_and_html_parts(team, example, settings):
    settings.SITE_URL = "https://proofloop.example.com"
    message, text, html = render(team, date(2026, 3, 16), now=at(2026, 3, 23, 8))
    assert message.subject == "Acme · week of Mar 16: 2 decided, p50 cycle time 10.5 days"
    for part in (text, html):
        assert "10.5 days" in part  # p50 cycle time
        assert "13.0 days" in part  # p85 = 12.95, rounded half up
        assert "50%" in part  # validation rate
        assert "H1 Guided setup" in part and "H2 Annual discount" in part
        assert "14.0 days" in part and "7.0 days" in part  # each decision's cycle time
        assert "Ship it to everyone." in part  # the decision note
        assert "https://proofloop.example.com/o/acme/?from=2026-03-16&amp;to=2026-03-22" in part \
            or "https://proofloop.example.com/o/acme/?from=2026-03-16&to=2026-03-22" in part
    assert "Cycle time p50        10.5 days" in text
    assert "Decided (throughput)  2" in text
    assert f"https://proofloop.example.com/o/acme/hypotheses/{example.h1.pk}/" in html
    assert "<style" not in html and 'style="' in html  # CSS inlined for mail clients


def test_the_twelve_week_chart_is_table_bars_without_javascript(team, example):
    _, _, html = render(team, date(2026, 3, 16))
    assert "<script" not in html and "<img" not in html
    assert 'width="100%"' in html  # the week with 2 decisions is the longest bar
    assert html.count("Mar 16") >= 1


def test_a_quiet_week_says_so_and_names_the_stale_hypotheses(team):
    HypothesisFactory(organization=team.org, title="Nobody looked at this",
                      stated_at=at(2026, 1, 5))
    message, text, html = render(team, date(2026, 3, 16), now=at(2026, 3, 23, 8))
    assert "a quiet week" in message.subject
    for part in (text, html):
        assert "A quiet week" in part
        assert "Nobody looked at this" in part
    assert "HEADLINE" not in text and "DECISIONS" not in text
    assert "Decisions (" not in html


def test_another_organizations_data_never_appears(team, example, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_worked_example(team.other_org, team.outsider)
    Hypothesis.objects.for_org(team.other_org).update(title="SECRET GLOBEX PLAN")
    _, text, html = render(team, date(2026, 3, 16), now=at(2026, 3, 23, 8))
    assert "SECRET GLOBEX" not in text and "SECRET GLOBEX" not in html
    assert "Decided (throughput)  2" in text  # not 4


def test_send_digest_dry_run_prints_the_text_part(team, example, capsys):
    with time_machine.travel(at(2026, 3, 23, 8), tick=False):
        call_command("send_digest", "--org", "acme", "--dry-run")
    output = capsys.readouterr().out
    assert output.startswith("Subject: Acme · week of Mar 16")
    assert "Cycle time p50        10.5 days" in output
    call_command("send_digest", "--org", "acme", "--week", "2026-W12", "--dry-run")
    assert "Week of Mon 16 Mar" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--org", "nope", "--dry-run"],
                                  ["--org", "acme", "--week", "2026-13", "--dry-run"],
                                  ["--org", "acme", "--to", "stranger@example.com"]])
def test_send_digest_refuses_bad_arguments_with_a_readable_message(team, args):
    from django.core.management.base import CommandError
    with pytest.raises(CommandError):
        call_command("send_digest", *args)


def test_the_digest_reports_the_last_complete_local_week(team):
    team.org.timezone = "Asia/Tokyo"
    team.org.save()
    monday_tokyo_8am = at(2026, 3, 22, 23)  # Monday 2026-03-23 08:00 in Tokyo
    assert digest.digest_week(team.org, monday_tokyo_8am) == date(2026, 3, 16)
    assert digest.digest_week(team.org, monday_tokyo_8am - timedelta(hours=9)) == date(2026, 3, 9)
