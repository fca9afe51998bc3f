"""Helpers of the reliability tests: production-shaped child processes, a Redis server of the
test's own that can be stopped and started again, and the Celery app pointed at a broker of
the test's choosing.

The shared Redis (REDIS_URL) is never stopped: a test that needs Redis to go away starts its
own `redis-server` on a free loopback port, without persistence (as CI's Redis runs), so a
restart loses whatever was queued — the case the reconcile task exists for.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools

from devtools.processes import CeleryWorker, database_url, free_port, production_env
from proofloop.celery import app as celery_app
from tests.api.conftest import world  # noqa: F401  (fixtures shared with these tests)
from tests.digest.conftest import smtp_server  # noqa: F401

# The passes of CI (.ci/run) that these tests are written for, named in skip reasons.
NEEDS_REDIS = ("REDIS_URL is unset (the embedded default run): this test needs a real Celery "
               "worker on Redis. CI's PostgreSQL + Redis pass runs it.")
NEEDS_POSTGRESQL = ("needs PostgreSQL (a child process shares the test database, and row "
                    "locks hold the worker mid-task); CI's PostgreSQL + Redis pass runs it.")


def require_redis() -> None:
    if not settings.REDIS_URL:
        pytest.skip(NEEDS_REDIS)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_POSTGRESQL)


def this_database_url() -> str:
    """A URL naming the database this test runs on (pytest-django's test_… database)."""
    return database_url(connection.settings_dict)


# --- a Redis of the test's own ----------------------------------------------------------------
class PrivateRedis:
    """`redis-server` on a free loopback port, without persistence; stop() and start() it."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop it the hard way (SIGKILL): whatever was queued is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A Redis server of this test's own, not started yet (the test decides when)."""
    if shutil.which("redis-server") is None:
        pytest.fail("These tests start a Redis server of their own: install redis-server.")
    redis = PrivateRedis(tmp_path)
    try:
        yield redis
    finally:
        redis.stop()


# --- the Celery app on a broker of the test's choosing ------------------------------------------
def _forget_pools(app: Any) -> None:
    """Close the broker connections and producers, which name the old broker URL (kombu
    keeps its pools in a process-wide registry: reset that, as Celery does after a fork)."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[Any]:
    """Publish tasks to `url` for real (eager mode off) for the duration."""
    saved = {name: celery_app.conf[name] for name in ("broker_url", "task_always_eager")}
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    _forget_pools(celery_app)
    try:
        yield celery_app
    finally:
        _forget_pools(celery_app)
        celery_app.conf.update(saved)


@pytest.fixture
def published(monkeypatch) -> Iterator[list[str]]:
    """The names of the tasks published to the broker, in order, whatever publishes them.

    Eager mode is off and the broker is kombu's in-memory transport; the spy sits where every
    `.delay()` and `apply_async()` ends, `app.amqp.send_task_message`, and records instead of
    sending.
    """
    names: list[str] = []
    with celery_broker("memory://") as app:
        monkeypatch.setattr(app.amqp, "send_task_message",
                            lambda producer, name, message, **options: names.append(name))
        yield names


# --- a Celery worker in a child process -----------------------------------------------------------
def worker_process(queue: str, log: Path, **env: str) -> CeleryWorker:
    """`celery -A proofloop worker --pool=solo` in a child process of its own session, on the test
    database and the test's Redis, consuming one private queue; `kill()` sends SIGKILL."""
    return CeleryWorker(nodename=f"{queue}-{secrets.token_hex(3)}@localhost", queue=queue,
                        pool="solo", loglevel="INFO", log=log,
                        env=production_env(DATABASE_URL=this_database_url(),
                                           REDIS_URL=settings.REDIS_URL, **env))
