"""Each invalid input of PRODUCT.md gets 400 with a message on the offending field, and
writes nothing: the row counts before and after are equal, and an edited object is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from validation.models import EvidenceLink

from .conftest import World, row_counts

pytestmark = pytest.mark.django_db

FUTURE = (timezone.now() + timedelta(days=3)).isoformat()


@dataclass(frozen=True)
class Bad:
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    field: str
    says: str  # a few words of the expected message
    target: str | None = None  # the object the request edits, which must stay unchanged


ORG = "/api/v1/orgs/acme"
CASES = {
    "decided before stated": Bad(
        "post", lambda w: f"{ORG}/hypotheses/{w.hypothesis.pk}/decide/",
        lambda w: {"status": "validated", "decided_at": "2026-03-01T09:00:00Z"},
        "decided_at", "cannot come before", "hypothesis"),
    "decided in the future": Bad(
        "post", lambda w: f"{ORG}/hypotheses/{w.hypothesis.pk}/decide/",
        lambda w: {"status": "invalidated", "decided_at": FUTURE},
        "decided_at", "future", "hypothesis"),
    "stated in the future": Bad(
        "post", lambda w: f"{ORG}/hypotheses/",
        lambda w: {"title": "T", "statement": "S", "stated_at": FUTURE, "area": "Brand new"},
        "stated_at", "future"),
    "stated after the decision": Bad(
        "patch", lambda w: f"{ORG}/hypotheses/{w.decided.pk}/",
        lambda w: {"stated_at": "2026-03-11T09:00:00Z"},
        "decided_at", "cannot come before", "decided"),
    "owner who is not a member": Bad(
        "post", lambda w: f"{ORG}/hypotheses/",
        lambda w: {"title": "T", "statement": "S", "owner": "outsider"},
        "owner", "not a member"),
    "interview in the future": Bad(
        "post", lambda w: f"{ORG}/interviews/", lambda w: {"occurred_at": FUTURE},
        "occurred_at", "future"),
    "sales call in the future": Bad(
        "patch", lambda w: f"{ORG}/sales-calls/{w.sales_call.pk}/",
        lambda w: {"occurred_at": FUTURE}, "occurred_at", "future", "sales_call"),
    "experiment started in the future": Bad(
        "post", lambda w: f"{ORG}/experiments/", lambda w: {"name": "X", "started_at": FUTURE},
        "started_at", "future"),
    "experiment concluded in the future": Bad(
        "patch", lambda w: f"{ORG}/experiments/{w.experiment.pk}/",
        lambda w: {"concluded_at": FUTURE}, "concluded_at", "future", "experiment"),
    "concluded before started": Bad(
        "post", lambda w: f"{ORG}/experiments/",
        lambda w: {"name": "X", "started_at": "2026-03-10T09:00:00Z",
                   "concluded_at": "2026-03-09T09:00:00Z", "result": "win"},
        "concluded_at", "cannot conclude"),
    "control conversions greater than users": Bad(
        "post", lambda w: f"{ORG}/experiments/",
        lambda w: {"name": "X", "started_at": "2026-03-10T09:00:00Z", "control_users": 10,
                   "control_conversions": 11},
        "control_conversions", "cannot exceed"),
    "variant conversions greater than users": Bad(
        "patch", lambda w: f"{ORG}/experiments/{w.experiment.pk}/",
        lambda w: {"variant_conversions": 1001}, "variant_conversions", "cannot exceed",
        "experiment"),
    "negative user count": Bad(
        "post", lambda w: f"{ORG}/experiments/",
        lambda w: {"name": "X", "started_at": "2026-03-10T09:00:00Z", "control_users": -1},
        "control_users", "greater than or equal to 0"),
    "negative conversion count": Bad(
        "patch", lambda w: f"{ORG}/experiments/{w.experiment.pk}/",
        lambda w: {"variant_conversions": -5}, "variant_conversions",
        "greater than or equal to 0", "experiment"),
    "negative deal value": Bad(
        "post", lambda w: f"{ORG}/sales-calls/",
        lambda w: {"occurred_at": "2026-03-10T09:00:00Z", "account": "A", "deal_value": "-1"},
        "deal_value", "greater than or equal to 0"),
    "link to another organization's hypothesis": Bad(
        "post", lambda w: f"{ORG}/interviews/",
        lambda w: {"occurred_at": "2026-03-10T09:00:00Z",
                   "hypotheses": [{"hypothesis": w.other_hypothesis.pk}]},
        "hypotheses", "no hypothesis"),
    "relink to another organization's hypothesis": Bad(
        "patch", lambda w: f"{ORG}/interviews/{w.interview.pk}/",
        lambda w: {"hypotheses": [{"hypothesis": w.hypothesis.pk},
                                  {"hypothesis": w.other_hypothesis.pk}]},
        "hypotheses", "Link 2: there is no hypothesis", "interview"),
    "duplicate hypothesis in links": Bad(
        "post", lambda w: f"{ORG}/sales-calls/",
        lambda w: {"occurred_at": "2026-03-10T09:00:00Z", "account": "A",
                   "hypotheses": [{"hypothesis": w.hypothesis.pk, "stance": "supports"},
                                  {"hypothesis": w.hypothesis.pk, "stance": "refutes"}]},
        "hypotheses", "Link 2: hypothesis"),
    "unknown stance": Bad(
        "post", lambda w: f"{ORG}/interviews/",
        lambda w: {"occurred_at": "2026-03-10T09:00:00Z",
                   "hypotheses": [{"hypothesis": w.hypothesis.pk, "stance": "maybe"}]},
        "hypotheses", "Link 1: stance"),
    "status changed outside decide": Bad(
        "patch", lambda w: f"{ORG}/hypotheses/{w.hypothesis.pk}/",
        lambda w: {"status": "validated"}, "status", "decide", "hypothesis"),
    "deciding a decided hypothesis": Bad(
        "post", lambda w: f"{ORG}/hypotheses/{w.decided.pk}/decide/",
        lambda w: {"status": "abandoned"}, "status", "reopen it", "decided"),
    "reopening an open hypothesis": Bad(
        "post", lambda w: f"{ORG}/hypotheses/{w.hypothesis.pk}/reopen/",
        lambda w: {}, "status", "already open", "hypothesis"),
}


def snapshot(world: World, target: str | None) -> Any:
    counts = row_counts()
    if target is None:
        return counts
    obj = getattr(world, target)
    obj = type(obj).objects.get(pk=obj.pk)
    links = sorted(EvidenceLink.objects.filter(evidence_id=obj.pk).values_list(
        "hypothesis_id", "stance", "strength")) if target != "hypothesis" else []
    return counts, model_to_dict(obj), links


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_invalid_input_gets_400_with_a_field_message_and_writes_nothing(case, world, client_as):
    before = snapshot(world, case.target)
    response = getattr(client_as("member"), case.method)(case.url(world), case.body(world),
                                                         format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    messages = body["errors"].get(case.field)
    assert messages, body
    assert any(case.says in message for message in messages), messages
    assert snapshot(world, case.target) == before
