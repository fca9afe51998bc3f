"""Child processes of the benchmark: a real Celery worker, and the memory probe.

Both run the project's production settings against the benchmark's own database, given as
DATABASE_URL in their environment.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def database_url(settings_dict: dict[str, Any], name: str) -> str:
    """A postgres:// URL for database `name` on the server of `settings_dict`."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"


def child_environment(database: str) -> dict[str, str]:
    """The environment of a child process working on the benchmark database."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "proofloop.settings",
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    })
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("EMAIL_URL", "consolemail://")
    return env


class Worker:
    """`celery -A proofloop worker` in a child process, consuming one private queue."""

    def __init__(self, database: str, queue: str, *, pool: str = "prefork",
                 concurrency: int = 2) -> None:
        self.database, self.queue = database, queue
        self.nodename = f"{queue}@bench"
        self.pool, self.concurrency = pool, concurrency
        self.log = tempfile.NamedTemporaryFile(prefix=f"{queue}-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, app: Any, timeout: float = 60.0) -> None:
        command = [sys.executable, "-m", "celery", "-A", "proofloop", "worker", "-Q", self.queue,
                   "-n", self.nodename, f"--pool={self.pool}",
                   f"--concurrency={self.concurrency}", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", f"--loglevel={os.environ.get('BENCH_WORKER_LOGLEVEL', 'WARNING')}"]
        self.process = subprocess.Popen(command, cwd=BASE_DIR,  # noqa: S603
                                        env=child_environment(self.database),
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"The Celery worker exited with status {self.process.returncode}:"
                                 f"\n{self.tail()}")
            if app.control.ping(destination=[self.nodename], timeout=0.5):
                return
        raise BenchError(f"The Celery worker did not answer a ping within {timeout:.0f} s:\n"
                         f"{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def forget_queue(queue: str) -> None:
    """Delete the private queue and kombu's bindings for it from Redis."""
    import redis

    client = redis.Redis.from_url(str(settings.REDIS_URL))
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def measure_memory(database: str) -> dict[str, float]:
    """Run a full recompute in a fresh process (validation.bench.memory) and return its
    `{peak_mb, baseline_mb, growth_mb, seconds, corrected}`."""
    result = subprocess.run([sys.executable, "-m", "validation.bench.memory"],  # noqa: S603
                            cwd=BASE_DIR, env=child_environment(database), capture_output=True,
                            text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise BenchError(f"The memory probe failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)
