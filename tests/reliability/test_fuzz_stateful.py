"""A stateful fuzz run over the whole API: schemathesis chains operations along the links it
infers from the schema (create a hypothesis → read, edit, decide, reopen, delete it; log
evidence linked to it; create an organization → its members, areas, …), with generated
valid and invalid data, for a bounded time. No response may be a 5xx.

tests/api/test_fuzz.py sends at least 50 generated requests to each operation on its own;
this run exercises sequences, where state left by one call meets the next.

The schema is loaded at module level from the WSGI application and the requests run
in-process, inside the test's transaction (`close_old_connections` disconnected, as Django's
test client does) — see tests/api/test_fuzz.py.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from knox.models import AuthToken
from schemathesis.engine.errors import is_inconsistent_replay

from proofloop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

BUDGET_SECONDS = 60  # the run's time bound
SCENARIOS = 100  # per suite; suites follow one another until the time is up
STEPS = 10


class Budget(Exception):
    """Raised to end the run once the time bound is reached (not a failure)."""


@pytest.fixture
def api_world(team, world) -> Any:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield team, world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.slow  # a minute of generated request sequences
@pytest.mark.django_db
def test_stateful_fuzzing_of_the_whole_api_finds_no_5xx(api_world):
    team, world = api_world
    _, token = AuthToken.objects.create(user=team.admin, expiry=timedelta(days=1))
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    chained: Counter[str] = Counter()
    server_errors: list[str] = []
    deadline = time.monotonic() + BUDGET_SECONDS

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            if time.monotonic() > deadline:
                raise Budget
            params = case.path_parameters or {}
            # Most calls go to the seeded organization (whose admin the token belongs to);
            # every fourth keeps the generated or linked slug, to fuzz the lookup itself.
            if "slug" in params and calls[f"{case.method} {case.path}"] % 4:
                params["slug"] = world.org.slug

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            key = token
            if case.path.startswith("/api/v1/auth/logout"):  # these revoke their own token
                _, key = AuthToken.objects.create(user=team.admin, expiry=timedelta(days=1))
            return {"headers": {"Authorization": f"Token {key}"}}

        def step(self, input: Any) -> Any:
            if input.transition is not None and input.is_applied:
                chained[input.transition.id] += 1  # a value taken from an earlier response
            return super().step(input)

        def after_call(self, response: Any, case: Any) -> None:
            calls[f"{case.method} {case.path}"] += 1
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                server_errors.append(case.as_curl_command())

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            """Record, do not raise: the server's state moves on between scenarios, so
            Hypothesis could not replay a failure; the 5xx are counted in after_call."""

    started = time.monotonic()
    suites = 0
    while time.monotonic() < deadline:
        suites += 1
        try:
            hypothesis.seed(suites)(Workflow).run(settings=settings(
                max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                database=None))
        except Budget:
            break
        except (Flaky, AssertionError) as exc:
            # The server's state changed what a replayed scenario could draw (an id that
            # existed no longer does): start a new suite, as schemathesis's own runner does.
            if isinstance(exc, AssertionError) and not is_inconsistent_replay(exc):
                raise
    print(f"\nstateful fuzz: {sum(calls.values())} calls to {len(calls)} operations in "
          f"{time.monotonic() - started:.0f} s ({suites} suites), {sum(chained.values())} "
          f"along {len(chained)} links; statuses {dict(sorted(statuses.items()))}")
    assert server_errors == []
    assert sum(calls.values()) >= 500
    assert len(calls) >= 35  # of the 43 operations
    assert len(chained) >= 20  # links followed with values from earlier responses
