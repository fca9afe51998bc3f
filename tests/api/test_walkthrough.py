"""The API walk-through (docs/api.md, "Walk-through with curl"), end to end: once through the API client
with the metrics checked against hand-computed values, and once exactly as written — its curl
commands run by bash against a live server holding the demo."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import Membership, Organization, Role
from validation.models import Hypothesis

from .conftest import at

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
API = "/api/v1"


@pytest.fixture
def demo_member(transactional_db):
    """The walk-through's user: demo-member, a member of the organization acme (time zone UTC)."""
    org = Organization.objects.create(slug="acme", name="Acme Analytics")
    user = get_user_model().objects.create_user("demo-member", password="proofloop-demo")
    Membership.objects.create(organization=org, user=user, role=Role.MEMBER)
    return user


def test_the_readme_flow_gives_the_hand_computed_metrics(demo_member):
    """Tasks run on commit (transactional_db), as with `make run`."""
    client = APIClient()
    # 1. A token.
    token = client.post(f"{API}/auth/token/", {"username": "demo-member",
                                               "password": "proofloop-demo"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # 2. A hypothesis stated 2026-03-02 09:00.
    created = client.post(f"{API}/orgs/acme/hypotheses/", {
        "title": "Weekly CSV export keeps ops teams", "statement": "We believe that …",
        "area": "API walk-through", "stated_at": "2026-03-02T09:00:00Z"})
    assert created.status_code == 201, created.content
    hypothesis = created.json()["id"]
    # 3. An interview 2.5 days later, linked to it.
    interview = client.post(f"{API}/orgs/acme/interviews/", {
        "occurred_at": "2026-03-04T21:00:00Z", "interviewee": "Dana Scott",
        "hypotheses": [{"hypothesis": hypothesis, "stance": "supports"}]})
    assert interview.json()["hypotheses"] == [
        {"hypothesis": hypothesis, "stance": "supports", "strength": "weak"}]
    # 4. Validated on 2026-03-16 09:00: a cycle time of 14 days.
    decided = client.post(f"{API}/orgs/acme/hypotheses/{hypothesis}/decide/", {
        "status": "validated", "decided_at": "2026-03-16T09:00:00Z", "note": "4 of 5 export"})
    assert decided.status_code == 200
    assert decided.json()["cycle_time_days"] == 14.0
    assert decided.json()["time_to_first_evidence_days"] == 2.5
    # A second hypothesis in the same area, invalidated 7 days after it was stated.
    second = client.post(f"{API}/orgs/acme/hypotheses/", {
        "title": "Exports need XLSX", "statement": "We believe that …", "area": "API walk-through",
        "stated_at": "2026-03-09T12:00:00Z"}).json()["id"]
    client.post(f"{API}/orgs/acme/hypotheses/{second}/decide/", {
        "status": "invalidated", "decided_at": "2026-03-16T12:00:00Z"})
    # 5. The metrics. Cycle times 14 and 7 days: p50 = 10.5, p85 = 7 + 0.85 × 7 = 12.95,
    # p95 = 13.65, mean 10.5; one validated of two decided; one hypothesis with counted
    # evidence, 2.5 days after its statement.
    metrics = client.get(f"{API}/orgs/acme/metrics/cycle-time/?from=2026-03-01&to=2026-03-31"
                         "&area=API%20walk-through").json()
    assert metrics["count"] == 2
    assert metrics["p50_days"] == pytest.approx(10.5)
    assert metrics["p85_days"] == pytest.approx(12.95)
    assert metrics["p95_days"] == pytest.approx(13.65)
    assert metrics["mean_days"] == pytest.approx(10.5)
    assert metrics["validation_rate"] == 0.5
    assert metrics["time_to_first_evidence"] == {
        "count": 1, "p50_days": 2.5, "p85_days": 2.5,
        "by_source": {"interview": {"count": 1, "p50_days": 2.5, "p85_days": 2.5},
                      "sales_call": {"count": 0, "p50_days": None, "p85_days": None},
                      "experiment": {"count": 0, "p50_days": None, "p85_days": None}}}
    with time_machine.travel(at(2026, 3, 18, 12)):
        weeks = client.get(f"{API}/orgs/acme/metrics/velocity/?weeks=3").json()["weeks"]
    assert [(w["week_start"], w["stated"], w["decided"], w["evidence"]["interview"])
            for w in weeks] == [("2026-03-02", 1, 0, 1), ("2026-03-09", 1, 0, 0),
                                ("2026-03-16", 0, 2, 0)]
    assert weeks[-1]["p50_cycle_days"] == pytest.approx(10.5)
    # Revoking the token ends the walk-through.
    assert client.post(f"{API}/auth/logout/").status_code == 204
    assert client.get(f"{API}/orgs/").status_code == 401


def readme_script(base_url: str) -> str:
    """The walk-through's bash blocks, pointed at `base_url` instead of http://127.0.0.1:8000."""
    section = re.search(r"^## Walk-through with curl\n(.*?)(?:^## |\Z)", API_DOC.read_text(),
                        re.S | re.M)
    assert section, "docs/api.md has a walk-through section"
    blocks = re.findall(r"```bash\n(.*?)```", section.group(1), re.S)
    assert len(blocks) >= 2, "the walk-through and the logout"
    return "\n".join(blocks).replace("http://127.0.0.1:8000", base_url)


def test_the_readme_walkthrough_runs_as_written_against_the_demo(live_server):
    call_command("seed_demo", "--if-empty")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_script(live_server.url)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    hypothesis = int(re.fullmatch(r"hypothesis (\d+)", lines[0]).group(1))
    assert lines[1] == f"[{{'hypothesis': {hypothesis}, 'stance': 'supports', 'strength': 'weak'}}]"
    assert lines[2] == "14.0"
    assert '"count":1,"p50_days":14.0' in lines[3] and '"validation_rate":1.0' in lines[3]
    assert '"interview":{"count":1,"p50_days":2.5' in lines[3]
    assert lines[4].startswith("{'week_start': ")
    assert Hypothesis.objects.get(pk=hypothesis).status == "validated"
