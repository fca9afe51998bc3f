"""gunicorn as docker-compose.yml runs it keeps answering while clients hold idle connections
open (browsers' speculative preconnects, slow or malicious clients).

With gunicorn's default sync workers and no buffering proxy in front, each idle connection
held a whole worker until its 30-second timeout: as many idle sockets as workers stopped the
site (measured: 4 requests took 32 s behind 4 idle connections to 4 sync workers; behind 8
they timed out after 60 s). A gthread worker's thread waits at most 5 s for a request's first
bytes, then hands the connection back to the worker's event loop: idle connections delay a
request by seconds (0–10 s measured behind 4), not until a worker is killed. A buffering
reverse proxy in front removes even that.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from .conftest import ROOT, free_port, production_env


def compose_gunicorn_options() -> list[str]:
    """The options docker-compose.yml gives gunicorn, without --bind and --access-logfile."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    words = shlex.split(command[-1].split("exec ", 1)[1])
    assert words[:2] == ["gunicorn", "proofloop.wsgi:application"]
    options, skip = [], False
    for word in words[2:]:
        if skip:
            skip = False
        elif word in ("--bind", "--access-logfile"):
            skip = True
        else:
            options.append(word)
    return options


def test_idle_connections_do_not_stop_the_server(tmp_path: Path):
    options = compose_gunicorn_options()
    workers = int(options[options.index("--workers") + 1])
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "proofloop.wsgi:application",
         "--bind", f"127.0.0.1:{port}", *options, "--timeout", "30"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                           DJANGO_SECURE_SSL_REDIRECT="false"))
    idle: list[socket.socket] = []
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 (loopback)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        # As many idle connections as workers: enough to stop sync workers until their
        # timeout (30 s). gthread: at most 5 s a thread, 0–10 s measured.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(workers)]
        time.sleep(0.5)
        started = time.monotonic()
        urllib.request.urlopen(url, timeout=60).read()  # noqa: S310
        assert time.monotonic() - started < 20
    finally:
        for connection in idle:
            connection.close()
        server.terminate()
        server.wait(timeout=30)
