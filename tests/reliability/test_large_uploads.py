"""A 150 MB upload to a production-shaped gunicorn is refused with 413 without the serving process
growing by more than a few MB; a file just over the import limit is refused with 400 the same way.

The API's import read the whole upload into memory (`upload.read()`) before checking its size:
150 MB sent by any member grew the worker by 154 MB (measured), and a few such requests at once
could exhaust the machine. Now a body over REQUEST_MAX_BYTES is refused from its Content-Length
(core/middleware.py: growth 0 kB), and a smaller file over IMPORT_MAX_BYTES from its size, the
file Django spooled to disk left unread (4 kB, against 9.8 MB before). The body is generated
while it is sent, so the test holds none of it; the worker's peak resident memory (VmHWM, reset
just before each request) is read from /proc.
"""

from __future__ import annotations

import http.client
import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from knox.models import AuthToken

from devtools.processes import Gunicorn, production_env

from .conftest import this_database_url

MB = 1024 * 1024
BODY_MB = 150
GROWTH_ALLOWED_KB = 5 * 1024
BOUNDARY = "proofloop-test-boundary"


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current size (Linux 4.0+); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def the_worker(server: Gunicorn) -> int:
    """The pid of gunicorn's one worker process."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    server.wait_until(lambda: children.read_text().split(), timeout=30,
                      what="gunicorn to start its worker")
    return int(children.read_text().split()[0])


def post_streamed(port: int, path: str, token: str, megabytes: int) -> tuple[int, bytes]:
    """POST a multipart CSV upload of `megabytes` MB, generated while it is sent, and return the
    answer; the answer is read while the body is still being sent (the server may answer, and
    close, before reading it)."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ninterviews\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\noccurred_at,interviewee,notes\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    row = b"2026-03-02 09:00,Dana," + b"n" * 1000 + b"\r\n"
    chunk = row * (MB // len(row))
    length = len(head) + megabytes * len(chunk) + len(tail)
    connection = socket.create_connection(("127.0.0.1", port), timeout=60)
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Token {token}\r\n"
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
               f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()

    def send() -> None:
        try:
            connection.sendall(request + head)
            for _ in range(megabytes):
                connection.sendall(chunk)
            connection.sendall(tail)
        except OSError:
            pass  # the server answered and closed without reading the rest

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(connection, method="POST")
        response.begin()
        answer = response.status, response.read()
    finally:
        connection.close()
        sender.join(timeout=60)
    return answer


@pytest.mark.slow  # a gunicorn of its own, 160 MB sent over loopback
@pytest.mark.django_db(transaction=True)
def test_a_150_mb_upload_is_refused_without_the_worker_growing(team, tmp_path):
    _, token = AuthToken.objects.create(team.member, expiry=timedelta(hours=1))
    server = Gunicorn(options=["--workers", "1", "--worker-class", "gthread", "--threads", "2",
                               "--timeout", "120"],
                      env=production_env(DATABASE_URL=this_database_url(),
                                         DJANGO_SECURE_SSL_REDIRECT="false"),
                      log=tmp_path / "gunicorn.log")
    port = server.port
    try:
        server.wait_ready()
        worker = the_worker(server)
        # Warm the worker up on the same path with a small file: imports, connections, caches.
        status, _ = post_streamed(port, "/api/v1/orgs/acme/imports/", token, 1)
        assert status == 202

        def growth_kb_while(megabytes: int) -> tuple[int, int, bytes]:
            before = memory_kb(worker)
            if reset_peak(worker):
                before["VmHWM"] = memory_kb(worker)["VmHWM"]
            status, body = post_streamed(port, "/api/v1/orgs/acme/imports/", token, megabytes)
            return memory_kb(worker)["VmHWM"] - before["VmHWM"], status, body

        # Over the request limit: refused from the Content-Length, the body never read.
        growth, status, body = growth_kb_while(BODY_MB)
        assert growth < GROWTH_ALLOWED_KB, f"the worker grew by {growth / 1024:.1f} MB"
        assert status == 413 and b"the limit is 11 MB" in body, body[:500]
        # Within the request limit but over the file limit: the upload (spooled to disk by
        # Django) is refused from its size, not read.
        growth, status, body = growth_kb_while(10)
        assert growth < GROWTH_ALLOWED_KB, f"the worker grew by {growth / 1024:.1f} MB"
        assert status == 400 and b"the limit is 10 MB" in body, body[:500]
        assert server.alive()
    finally:
        server.stop()
