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
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from devtools.processes import ROOT, Gunicorn, production_env


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


def accept_queue(port: int) -> int | None:
    """Connections waiting to be accepted on the loopback listening socket of `port` (the
    kernel's accept queue, /proc/net/tcp), or None if nothing listens there."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            return int(fields[4].split(":")[1], 16)  # rx_queue
    return None


@pytest.mark.slow  # a gunicorn of its own, and a request that waits behind idle connections
def test_idle_connections_do_not_stop_the_server(tmp_path: Path):
    options = compose_gunicorn_options()
    workers = int(options[options.index("--workers") + 1])
    server = Gunicorn(options=[*options, "--timeout", "30"], log=tmp_path / "gunicorn.log",
                      env=production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                                         DJANGO_SECURE_SSL_REDIRECT="false"))
    idle: list[socket.socket] = []
    try:
        server.wait_ready(timeout=30)
        url = f"{server.url}/healthz"
        # As many idle connections as workers: enough to stop sync workers until their
        # timeout (30 s). gthread: at most 5 s a thread, 0–10 s measured.
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(workers)]
        server.wait_until(lambda: accept_queue(server.port) == 0, timeout=10,
                          what="the workers to take up the idle connections")
        started = time.monotonic()
        urllib.request.urlopen(url, timeout=60).read()  # noqa: S310
        assert time.monotonic() - started < 20
    finally:
        for connection in idle:
            connection.close()
        server.stop()
