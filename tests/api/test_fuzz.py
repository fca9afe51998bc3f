"""A fuzz run over the live schema: every operation, at least 50 generated requests each
(valid and invalid), authenticated as a member of a seeded organization. No request may get a
5xx, and every response must conform to the schema (status code, content type, body, headers).

The schema is loaded at module level from the WSGI application (the pytest-fixture form of
schemathesis crashes under pytest 9), and the requests run in-process inside the test's
transaction: `close_old_connections` is disconnected around them, as Django's test client
does, so that the connection holding that transaction stays open.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from proofloop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Thousands of generated requests (minutes, not seconds): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

MIN_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# Which object of the world an {id} in each path names, so that some requests hit real rows.
TARGETS = {"hypotheses": "hypothesis", "interviews": "interview", "sales-calls": "sales_call",
           "experiments": "experiment"}


@pytest.fixture
def fuzz_world(world, team) -> dict[str, Any]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _, token = AuthToken.objects.create(user=team.member, expiry=timedelta(days=1))
    calls: Counter[str] = Counter()
    try:
        yield {"world": world, "team": team, "token": token, "calls": calls}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    # The documented operation gets the generated requests; schemathesis also probes each
    # path with a few undocumented methods (expecting 405), once each.
    operation, count = calls.most_common(1)[0]
    assert count >= MIN_EXAMPLES, f"{operation} got only {count} requests"


def _aim(case: Any, world: Any) -> None:
    """Point most generated requests at the seeded organization and some at its real rows."""
    params = case.path_parameters
    if params is None:
        return
    if "slug" in params:
        params["slug"] = world.org.slug
    if "username" in params and isinstance(params["username"], str) and len(params["username"]) % 2:
        params["username"] = "viewer"
    resource = case.path.split("/")[5] if case.path.count("/") > 5 else ""
    if "id" in params and isinstance(params["id"], int) and params["id"] % 2 and resource in TARGETS:
        params["id"] = getattr(world, TARGETS[resource]).pk


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MIN_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_fuzzed_requests_without_5xx_and_as_documented(case, fuzz_world):
    fuzz_world["calls"][f"{case.method} {case.path}"] += 1
    _aim(case, fuzz_world["world"])
    token = fuzz_world["token"]
    if case.path.startswith("/api/v1/auth/logout"):  # these revoke the token they are sent with
        _, token = AuthToken.objects.create(user=fuzz_world["team"].member, expiry=timedelta(days=1))
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
