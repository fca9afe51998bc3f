"""Child processes of the benchmark: a real Celery worker, and the memory probe.

Both run the project's production settings against the benchmark's own database, given as
DATABASE_URL in their environment (devtools/processes.py starts them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from devtools.processes import ROOT, CeleryWorker, ChildFailed, forget_queue, production_env


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def child_environment(database: str) -> dict[str, str]:
    """The environment of a child process working on the benchmark database (and on this
    process's Redis, when there is one)."""
    redis = {"REDIS_URL": str(settings.REDIS_URL)} if settings.REDIS_URL else {}
    return production_env(DATABASE_URL=database, **redis)


class Worker:
    """`celery -A proofloop worker` in a child process, consuming one private queue."""

    def __init__(self, database: str, queue: str, *, pool: str = "prefork",
                 concurrency: int = 2) -> None:
        self.database, self.queue = database, queue
        self.pool, self.concurrency = pool, concurrency
        self.directory = Path(tempfile.mkdtemp(prefix=f"{queue}-"))
        self.child: CeleryWorker | None = None

    def start(self, app: Any, timeout: float = 60.0) -> None:
        self.child = CeleryWorker(nodename=f"{self.queue}@bench", queue=self.queue,
                                  pool=self.pool, concurrency=self.concurrency,
                                  loglevel=os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
                                  env=child_environment(self.database),
                                  log=self.directory / "worker.log")
        try:
            self.child.wait_ready(app, timeout=timeout)
        except ChildFailed as error:
            self.stop()
            raise BenchError(str(error)) from error

    def stop(self) -> None:
        if self.child:
            self.child.stop(timeout=20)
            self.child = None
        shutil.rmtree(self.directory, ignore_errors=True)
        forget_queue(str(settings.REDIS_URL), self.queue)


def measure_memory(database: str) -> dict[str, float]:
    """Run a full recompute in a fresh process (devtools.bench.memory) and return its
    `{peak_mb, baseline_mb, growth_mb, seconds, corrected}`."""
    result = subprocess.run([sys.executable, "-m", "devtools.bench.memory"],  # noqa: S603
                            cwd=ROOT, env=child_environment(database), capture_output=True,
                            text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise BenchError(f"The memory probe failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)
