"""`manage.py verify_metrics` and `manage.py recompute_metrics`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from validation import services
from validation.models import Hypothesis, Status
from validation.services import LinkSpec

from ..factories import BASE


@pytest.fixture
def decided(team, django_capture_on_commit_callbacks) -> Hypothesis:
    """A validated hypothesis of `team.org` with two counted pieces of evidence."""
    with django_capture_on_commit_callbacks(execute=True):
        hypothesis = services.hypothesis_create(organization=team.org, user=team.member,
                                                title="Annual plans", statement="We believe …",
                                                stated_at=BASE)
        services.interview_log(organization=team.org, user=team.member,
                               occurred_at=BASE + timedelta(days=1), links=[LinkSpec(hypothesis)])
        services.sales_call_log(organization=team.org, user=team.member, account="Initech",
                                occurred_at=BASE + timedelta(days=3), links=[LinkSpec(hypothesis)])
        services.hypothesis_decide(hypothesis=hypothesis, user=team.member,
                                   status=Status.VALIDATED, decided_at=BASE + timedelta(days=9))
    hypothesis.refresh_from_db()
    return hypothesis


def run(name: str, *args: str) -> tuple[int, str]:
    """Run a command as `manage.py` would; returns (exit status, standard output)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_verify_metrics_exits_0_when_every_stored_value_is_right(team, decided):
    status, output = run("verify_metrics")
    assert status == 0
    assert "All stored derived values are right (all organizations)." in output


def test_verify_metrics_detects_a_value_corrupted_by_hand_and_exits_1(team, decided):
    Hypothesis.objects.filter(pk=decided.pk).update(evidence_count=7, cycle_time=timedelta(days=1))

    status, output = run("verify_metrics", "--org", team.org.slug)

    assert status == 1
    assert f"hypothesis {decided.pk}: evidence_count stored 7, expected 2" in output
    assert f"hypothesis {decided.pk}: cycle_time stored" in output
    assert "2 stored values of 1 hypotheses differ" in output
    decided.refresh_from_db()
    assert decided.evidence_count == 7  # verify writes nothing


def test_recompute_metrics_fixes_the_corrupted_value_and_verify_then_passes(team, decided):
    Hypothesis.objects.filter(pk=decided.pk).update(first_evidence_at=None, evidence_count=0)

    assert run("recompute_metrics") == (0, "Corrected 1 hypothesis (all organizations).\n")
    assert run("recompute_metrics", "--org", team.org.slug) == (
        0, "Corrected 0 hypotheses (organization acme).\n")
    assert run("verify_metrics")[0] == 0
    decided.refresh_from_db()
    assert (decided.evidence_count, decided.time_to_first_evidence_days) == (2, 1.0)


def test_verify_metrics_of_one_organization_ignores_the_others(team, decided):
    Hypothesis.objects.filter(pk=decided.pk).update(evidence_count=7)
    assert run("verify_metrics", "--org", team.other_org.slug)[0] == 0
    assert run("verify_metrics", "--org", team.org.slug)[0] == 1


@pytest.mark.parametrize("command", ["verify_metrics", "recompute_metrics"])
def test_an_unknown_slug_is_a_readable_error_with_a_nonzero_exit(team, command):
    status, output = run(command, "--org", "no-such-org")
    assert status == 2
    assert "No organization has the slug 'no-such-org'. Known slugs: acme, globex." in output


def test_the_exit_status_reaches_the_shell(transactional_db, team, decided, capsys):
    """`manage.py verify_metrics` itself (argv parsing, sys.exit) exits 1, then 0."""
    Hypothesis.objects.filter(pk=decided.pk).update(last_evidence_at=None)
    verify = load_command_class("validation", "verify_metrics")
    with pytest.raises(SystemExit) as exit_:
        verify.run_from_argv(["manage.py", "verify_metrics"])
    assert exit_.value.code == 1
    assert "CommandError: 1 stored values of 1 hypotheses differ" in capsys.readouterr().err

    load_command_class("validation", "recompute_metrics").run_from_argv(
        ["manage.py", "recompute_metrics"])
    verify.run_from_argv(["manage.py", "verify_metrics"])  # no SystemExit: status 0
    assert "All stored derived values are right" in capsys.readouterr().out
