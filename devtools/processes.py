"""Production-shaped child processes, shared by the benchmark, the load test and the tests that
start real servers: gunicorn and a Celery worker on the production settings, the environment
they run in, the URL of the database they share with their parent.

Nothing here imports Django at module level: the load test uses these helpers before it
configures Django, the tests and the benchmark after.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# Variables of this machine that would otherwise leak into a child's settings.
MACHINE_VARIABLES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL", "CELERY_")


class ChildFailed(Exception):
    """A child process exited, or was not ready in time; the message ends with its log."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: Mapping[str, Any], name: str | None = None) -> str:
    """A DATABASE_URL for database `name` (default: the one `settings_dict` names) on the
    server of `settings_dict` (Django's DATABASES entry): sqlite:///… or postgres://…"""
    name = name or settings_dict["NAME"]
    if str(settings_dict["ENGINE"]).endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(str(name), safe='')}"


def isolated_env(**variables: str) -> dict[str, str]:
    """This process's environment without this machine's Django variables, then `variables`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(MACHINE_VARIABLES)}
    env.update(variables)
    return env


def production_env(**variables: str) -> dict[str, str]:
    """The environment of a child process on the production settings (proofloop.settings):
    isolated from this machine's Django variables, debug off, a fresh secret key, e-mail to
    the console, warnings only; then `variables`."""
    return isolated_env(**{"DJANGO_SETTINGS_MODULE": "proofloop.settings", "DJANGO_DEBUG": "false",
                           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                           "EMAIL_URL": "consolemail://", "LOG_LEVEL": "WARNING", **variables})


class Child:
    """A child process started in the checkout, in a session of its own (so that kill() reaches
    its own children too: gunicorn's workers, Celery's pool), its output in a log file."""

    def __init__(self, name: str, command: Sequence[str], *, env: Mapping[str, str],
                 log: Path) -> None:
        self.name = name
        self.log_path = log
        self._log = log.open("ab")
        self.process = subprocess.Popen(list(command), cwd=ROOT, env=dict(env),  # noqa: S603
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_until(self, ready: Callable[[], object], *, timeout: float, what: str,
                   interval: float = 0.1) -> None:
        """Poll `ready` until it returns something truthy; ChildFailed if this process exits
        first or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise ChildFailed(f"{self.name} exited with status {self.process.returncode} "
                                  f"while waiting for {what}:\n{self.tail()}")
            if ready():
                return
            if time.monotonic() > deadline:
                raise ChildFailed(f"Timed out after {timeout:.0f} s waiting for {what}:\n"
                                  f"{self.tail()}")
            time.sleep(interval)

    def kill(self) -> None:
        """SIGKILL to the whole session: no warm shutdown, no chance to acknowledge anything."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (gunicorn's and Celery's warm shutdown), then SIGKILL after `timeout`."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class Gunicorn(Child):
    """`gunicorn proofloop.wsgi:application` on a loopback port, with `options`."""

    def __init__(self, *, options: Sequence[str], env: Mapping[str, str], log: Path,
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__("gunicorn", [GUNICORN, "proofloop.wsgi:application",
                                      "--bind", f"127.0.0.1:{self.port}", *options],
                         env=env, log=log)

    def wait_ready(self, timeout: float = 60, path: str = "/healthz") -> None:
        """Until `path` answers 200."""
        self.wait_until(lambda: _answers(self.url + path), timeout=timeout,
                        what=f"{self.url}{path} to answer", interval=0.2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


class CeleryWorker(Child):
    """`celery -A proofloop worker` named `nodename`, consuming `queue` (default: Celery's
    default queue). It neither gossips nor mingles with other workers; `heartbeat=False` also
    spares the heartbeats that production's workers send."""

    def __init__(self, *, nodename: str, env: Mapping[str, str], log: Path,
                 queue: str | None = None, pool: str = "solo", concurrency: int = 1,
                 loglevel: str = "INFO", heartbeat: bool = False) -> None:
        self.nodename = nodename
        command = [sys.executable, "-m", "celery", "-A", "proofloop", "worker", "-n", nodename,
                   f"--pool={pool}", "--without-gossip", "--without-mingle",
                   f"--loglevel={loglevel}"]
        if not heartbeat:
            command.append("--without-heartbeat")
        if pool != "solo":
            command.append(f"--concurrency={concurrency}")
        if queue:
            command += ["-Q", queue]
        super().__init__("celery", command, env=env, log=log)

    def wait_ready(self, app: Any, timeout: float = 60) -> None:
        """Until the worker answers a ping of `app` (the project's Celery app, on the same
        broker)."""
        self.wait_until(lambda: app.control.ping(destination=[self.nodename], timeout=0.5),
                        timeout=timeout, what=f"the Celery worker {self.nodename} to answer a ping",
                        interval=0)


def forget_queue(redis_url: str, queue: str) -> None:
    """Delete a queue and the exchange bindings kombu keeps for it from the Redis at
    `redis_url`."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()
