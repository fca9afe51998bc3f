"""A real Celery worker for tests: Redis broker, a private queue, eager mode off.

Eager tasks are not a test of Celery (docs/shared DEPENDENCIES.md): these helpers start the
project's Celery app in a worker thread (`celery.contrib.testing.worker.start_worker`, solo
pool) consuming a queue no other process reads, so that a test proves the path
service → on_commit → Redis → worker → database. Use them with `transactional_db`: the worker
thread has its own database connection and sees only committed rows.

Without REDIS_URL (the embedded default run) a test that needs a worker is *skipped*, with the
reason printed by `-ra`; CI's first pass (PostgreSQL + Redis) sets REDIS_URL, so it runs
there. With REDIS_URL set and Redis unreachable, the test errors instead of being skipped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import after_task_publish, task_postrun
from django.conf import settings
from django.db import connections

from devtools.processes import forget_queue
from proofloop.celery import app as project_app

T = TypeVar("T")

SKIP_REASON = ("REDIS_URL is unset (the embedded default run): a real Celery worker needs "
               "Redis. CI's PostgreSQL + Redis pass sets REDIS_URL, and this test runs there.")


@dataclass(frozen=True)
class TaskRun:
    """One task the worker finished."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    retval: Any
    state: str
    queue: str  # the routing key it was delivered with ("" when run eagerly)
    eager: bool


@dataclass
class RunningWorker:
    """The worker under test, its private queue, the messages published to that queue so far
    (task ids, from anywhere in this process) and the tasks the worker has finished."""

    app: Celery
    queue: str
    runs: list[TaskRun] = field(default_factory=list)
    published: list[str] = field(default_factory=list)

    def runs_of(self, task_name: str) -> list[TaskRun]:
        return [run for run in self.runs if run.name == task_name]

    def wait_for_runs(self, task_name: str, count: int, timeout: float = 20.0) -> list[TaskRun]:
        """Block until the worker has finished `count` runs of `task_name`; returns them."""
        return wait_until(lambda: len(self.runs_of(task_name)) >= count and self.runs_of(task_name),
                          timeout=timeout,
                          message=f"the worker to finish {count} run(s) of {task_name}")

    def wait_until_settled(self, timeout: float = 20.0) -> None:
        """Block until the worker has run every message published to its queue, including the
        ones those tasks published (a task publishes before it finishes, and a retry is a new
        message), then check once that nothing is left in the queue: from here on nothing more
        happens unless the test publishes again.

        This is how a test shows that something did *not* happen (a duplicate e-mail, a second
        delivery task) without sleeping for a while and hoping.
        """
        assert self.published, f"nothing was published to {self.queue}: nothing to wait for"
        wait_until(lambda: len(self.runs) >= len(self.published), timeout=timeout,
                   message=f"the worker to run all {len(self.published)} published task(s)")
        client = redis.Redis.from_url(str(self.app.conf.broker_url))
        try:
            left = client.llen(self.queue)
        finally:
            client.close()
        assert left == 0, f"{left} message(s) still in {self.queue} that this process did not publish"


def wait_until(check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.05,
               message: str = "the condition") -> T:
    """Poll `check` until it returns something truthy, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {message}.")
        time.sleep(interval)


@contextmanager
def real_worker(app: Celery | None = None) -> Iterator[RunningWorker]:
    """Run a real worker of `app` (default: the project's) on Redis for the duration.

    Tasks published meanwhile (`.delay()`, the services' on-commit recomputes) go to a queue
    only this worker reads; eager mode is switched off and restored afterwards.
    """
    if app is None:
        app = project_app
    if not settings.REDIS_URL:
        pytest.skip(SKIP_REASON)
    queue = f"tests-{uuid.uuid4().hex[:12]}"
    running = RunningWorker(app=app, queue=queue)
    saved = {name: app.conf[name] for name in ("task_always_eager", "task_default_queue")}

    def count(sender: Any = None, routing_key: str = "", headers: Any = None, **_: Any) -> None:
        if routing_key == queue:
            running.published.append((headers or {}).get("id", ""))

    def record(sender: Any = None, task: Any = None, args: Any = (), kwargs: Any = None,
               retval: Any = None, state: str = "", **_: Any) -> None:
        request = task.request
        running.runs.append(TaskRun(name=task.name, args=tuple(args or ()), kwargs=dict(kwargs or {}),
                                    retval=retval, state=state,
                                    queue=(request.delivery_info or {}).get("routing_key") or "",
                                    eager=bool(request.is_eager)))
        # This runs in the worker thread: release its database connection so that nothing
        # holds the test database open once the test ends.
        connections.close_all()

    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    task_postrun.connect(record, weak=False)
    after_task_publish.connect(count, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue],
                          hostname=f"{queue}@localhost", shutdown_timeout=30):
            yield running
    finally:
        task_postrun.disconnect(record)
        after_task_publish.disconnect(count)
        app.conf.update(saved)
        forget_queue(settings.REDIS_URL, queue)
