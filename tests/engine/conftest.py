"""Fixtures of the cycle-time engine's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from tests.worker import RunningWorker, real_worker


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[RunningWorker]:
    """A real Celery worker on Redis (skipped, with the reason, when REDIS_URL is unset)."""
    with real_worker() as worker:
        yield worker


@pytest.fixture
def postgresql(transactional_db: None) -> None:
    """Skip on SQLite: the test is about PostgreSQL's row locks between connections."""
    if connection.vendor != "postgresql":
        pytest.skip("Row-lock interleavings need PostgreSQL (SQLite serializes every write "
                    "transaction); CI runs this test in its PostgreSQL pass.")
