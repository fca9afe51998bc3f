"""The load test: Proofloop in production shape under 32 concurrent connections for 60 s.

Run it with `make loadtest` (options: `python -m devtools.loadtest --help`). It works in a
PostgreSQL database of its own, `proofloop_load_<pid>`, created on the server of DATABASE_URL
and dropped at the end, and never touches the configured database:

1. migrate, load the engine benchmark's data set (devtools.bench.data) at --scale with COPY,
   compute the derived values, ANALYZE; give its largest organization one member per
   connection, each with an API token and a signed-in web session (no two connections share
   a user, so each stays far below the per-user write rate limit);
2. start gunicorn (DJANGO_DEBUG=false, SSL redirect off because this is plain loopback) and a
   real Celery worker on Redis, then warm them up;
3. drive them for --duration seconds with one wrk process per endpoint, all at once, with the
   connections split between endpoints (devtools/loadtest.lua);
4. print requests/s, p50/p95/p99 latency and errors per endpoint, check that every logged
   evidence is in the database, and time how long after the run `verify_metrics` reports
   zero mismatches (the derived values have caught up).

The figures and how to read them are in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
import redis

from devtools.processes import ROOT, CeleryWorker, Child, ChildFailed, Gunicorn, production_env

LUA = ROOT / "devtools" / "loadtest.lua"

# Connections per endpoint (32 in all by default); each wrk thread holds one and is one user.
MIX = {
    "hypotheses list": 5,
    "interviews list": 4,
    "hypothesis detail": 5,
    "metrics: cycle time": 4,
    "metrics: velocity": 4,
    "dashboard (web)": 4,
    "log evidence": 6,
}
# The targets: p95 ≤ 100 ms on these, zero errors everywhere, caught up within 5 s.
P95_TARGET_MS = 100
P95_TARGETS = ("hypotheses list", "interviews list", "metrics: cycle time", "metrics: velocity")
CATCH_UP_TARGET_S = 5.0
SAMPLE_HYPOTHESES = 500


@dataclass
class Options:
    scale: float
    duration: int
    connections: int
    web_workers: int
    web_threads: int
    worker_concurrency: int
    port: int
    think_ms: int
    keep: bool
    json_path: str | None


def parse_args() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.25,
                        help="Benchmark data scale (1 = 20,000 hypotheses, 1,000,000 evidence); "
                             "default 0.25, whose largest organization has 2,000 hypotheses and "
                             "100,000 evidence.")
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load (default 60).")
    parser.add_argument("--connections", type=int, default=32,
                        help="Concurrent connections, split between endpoints (default 32).")
    # gunicorn as docker-compose.yml and the Dockerfile run it.
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes (4).")
    parser.add_argument("--web-threads", type=int, default=2,
                        help="Threads per gunicorn worker (2; gthread workers).")
    parser.add_argument("--worker-concurrency", type=int, default=1,
                        help="Celery worker processes.")
    parser.add_argument("--port", type=int, default=0, help="Port for gunicorn (default: a free one).")
    parser.add_argument("--think-ms", type=int, default=0,
                        help="Mean pause of each connection between its requests (exponential); "
                             "default 0: every connection sends its next request as soon as the "
                             "last is answered, which saturates the server.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--json", dest="json_path", help="Also write the results to this file.")
    args = parser.parse_args()
    return Options(**vars(args))


def log(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr, flush=True)


def split_connections(total: int) -> dict[str, int]:
    """MIX scaled to `total` connections, at least one per endpoint."""
    base = sum(MIX.values())
    split = {name: max(1, round(n * total / base)) for name, n in MIX.items()}
    largest = max(split, key=split.__getitem__)
    split[largest] += total - sum(split.values())
    return split


# --- the database ---------------------------------------------------------------------------------
def database_urls(name: str) -> tuple[str, str]:
    """(maintenance URL, URL of database `name`) on the server of DATABASE_URL."""
    configured = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(configured)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("loadtest: DATABASE_URL must point at a PostgreSQL server (the load test "
                 "creates a database of its own there).")
    return (urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}")))


def admin_execute(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def prepare_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The production settings for this process and its children."""
    env = production_env(DATABASE_URL=database_url, REDIS_URL=redis_url,
                         # plain HTTP on loopback; TLS is a proxy's job
                         DJANGO_SECURE_SSL_REDIRECT="false")
    os.environ.clear()
    os.environ.update(env)
    return env


def load_data(scale: float, users: int) -> dict[str, Any]:
    """Migrate, load the benchmark data set, create the load-test users; returns the facts the
    wrk scripts need."""
    # why: Django is set up here, once main() has pointed the environment at the load test's
    # own database (prepare_environment); no model can be imported before.
    django.setup()
    from django.contrib.auth import get_user_model  # why: as above
    from django.contrib.sessions.backends.db import SessionStore  # why: as above
    from django.core.management import call_command  # why: as above
    from knox.models import AuthToken  # why: as above

    from core.models import Membership, Organization, Role  # why: as above
    from devtools.bench import load  # why: as above
    from devtools.bench.data import generate  # why: as above
    from validation import engine  # why: as above
    from validation.models import Hypothesis  # why: as above

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    data = generate(scale, now=load.now_rounded())
    load.create_organizations(data)
    load.copy_load(data)
    engine.recompute_all()
    load.maintenance("VACUUM ANALYZE")
    log(f"data: {data.counts()} loaded in {time.perf_counter() - started:.1f} s")

    org = Organization.objects.get(pk=data.largest.id)
    user_model = get_user_model()
    tokens, sessions = [], []
    for n in range(1, users + 1):
        user = user_model.objects.create_user(f"load-{n:02d}", f"load-{n:02d}@example.com",
                                              secrets.token_urlsafe(16))
        Membership.objects.create(organization=org, user=user, role=Role.MEMBER)
        _, key = AuthToken.objects.create(user=user, expiry=None)
        tokens.append(key)
        session = SessionStore()
        session.update({"_auth_user_id": str(user.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": user.get_session_auth_hash()})
        session.create()
        sessions.append(session.session_key)
    ids = list(Hypothesis.objects.for_org(org).order_by("?")
               .values_list("pk", flat=True)[:SAMPLE_HYPOTHESES])
    return {"slug": org.slug, "tokens": tokens, "sessions": sessions, "hypotheses": ids,
            "counts": {"hypotheses": Hypothesis.objects.for_org(org).count(),
                       "evidence": _evidence_count(org)}, "data": data.counts()}


def _evidence_count(org: Any) -> int:
    from validation.models import Evidence  # why: after django.setup() (load_data)

    return Evidence.objects.for_org(org).count()


def write_config(facts: dict[str, Any], path: Path) -> None:
    lines = [f"slug {facts['slug']}"]
    lines += [f"token {t}" for t in facts["tokens"]]
    lines += [f"session {s}" for s in facts["sessions"]]
    lines += [f"hypothesis {i}" for i in facts["hypotheses"]]
    path.write_text("\n".join(lines) + "\n")


# --- the processes under test -------------------------------------------------------------------
def wait_ready(ready: Callable[[], None]) -> None:
    """Run a child's wait_ready; if the child failed, stop the load test with its log."""
    try:
        ready()
    except ChildFailed as error:
        sys.exit(f"loadtest: {error}")


def run_wrk(base_url: str, split: dict[str, int], duration: int, config: Path,
            workdir: Path, think_ms: int = 0) -> tuple[list[dict[str, Any]], float]:
    """One wrk per endpoint, started together; returns their results and when they ended."""
    runs = []
    offset = 0
    for index, (endpoint, connections) in enumerate(split.items()):
        result = workdir / f"wrk-{index}.json"
        command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s",
                   "--timeout", "10s", "--latency", "-s", str(LUA), base_url]
        env = {**os.environ, "LOADTEST_ENDPOINT": endpoint, "LOADTEST_CONFIG": str(config),
               "LOADTEST_RESULT": str(result), "LOADTEST_THINK_MS": str(think_ms),
               "LOADTEST_USER_OFFSET": str(offset)}
        offset += connections
        output = (workdir / f"wrk-{index}.out").open("wb")
        runs.append((result, output, subprocess.Popen(command, stdout=output, env=env,  # noqa: S603
                                                      stderr=subprocess.STDOUT)))
    for _, output, process in runs:
        process.wait()
        output.close()
    ended = time.monotonic()
    results = []
    for result, output, process in runs:
        if process.returncode != 0 or not result.exists():
            sys.exit(f"loadtest: wrk failed:\n{Path(output.name).read_text()}")
        results.append(json.loads(result.read_text()))
    return results, ended


def time_to_consistency(ended: float, slug: str, timeout: float = 120) -> dict[str, float]:
    """Run `verify_metrics --org <slug>` until it reports zero mismatches.

    Returns `caught_up_s`, seconds from the end of the load to the start of the first clean
    verification (its snapshot), and `verify_s`, how long that verification took.
    """
    from django.core.management import CommandError, call_command  # why: after django.setup()

    deadline = time.monotonic() + timeout
    while True:
        started = time.monotonic()
        try:
            call_command("verify_metrics", org=slug, stdout=open(os.devnull, "w"))  # noqa: SIM115
        except CommandError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
            continue
        return {"caught_up_s": round(max(0.0, started - ended), 2),
                "verify_s": round(time.monotonic() - started, 2)}


# --- the report -------------------------------------------------------------------------------------
def summarize(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        seconds = r["duration_us"] / 1e6
        errors = sum(r["errors"].values())
        rows.append({"endpoint": r["endpoint"], "requests": r["requests"],
                     "rps": round(r["requests"] / seconds, 1),
                     "p50_ms": round(r["latency_us"]["p50"] / 1000, 1),
                     "p95_ms": round(r["latency_us"]["p95"] / 1000, 1),
                     "p99_ms": round(r["latency_us"]["p99"] / 1000, 1),
                     "errors": errors, "error_kinds": {k: v for k, v in r["errors"].items() if v},
                     "statuses": r["statuses"], "created": r["created"]})
    return rows


def render(rows: list[dict[str, Any]], split: dict[str, int]) -> str:
    lines = ["| endpoint | connections | requests/s | p50 | p95 | p99 | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['endpoint']} | {split[row['endpoint']]} | {row['rps']} | "
                     f"{row['p50_ms']} ms | {row['p95_ms']} ms | {row['p99_ms']} ms | "
                     f"{row['errors']} |")
    total = sum(r["rps"] for r in rows)
    lines.append(f"| **all** | {sum(split.values())} | {total:.1f} | | | | "
                 f"{sum(r['errors'] for r in rows)} |")
    return "\n".join(lines)


def main() -> None:
    options = parse_args()
    if shutil.which("wrk") is None:
        print("loadtest needs wrk: apt-get install -y wrk", file=sys.stderr)
        sys.exit(2)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
    name = f"proofloop_load_{os.getpid()}"
    admin_url, database_url = database_urls(name)
    split = split_connections(options.connections)
    workdir = Path(tempfile.mkdtemp(prefix="proofloop-loadtest-"))
    env = prepare_environment(database_url, redis_url)
    admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    children: list[Child] = []
    try:
        log(f"database {name}, Redis {redis_url}, logs in {workdir}")
        facts = load_data(options.scale, users=options.connections)
        config = workdir / "config.txt"
        write_config(facts, config)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],  # noqa: S603
                       cwd=ROOT, env=env, check=True)
        _forget_queue(redis_url)

        web = Gunicorn(port=options.port or None, env=env, log=workdir / "gunicorn.log",
                       options=["--workers", str(options.web_workers),
                                "--worker-class", "gthread",
                                "--threads", str(options.web_threads), "--keep-alive", "30",
                                "--backlog", "256", "--log-level", "warning"])
        children.append(web)
        base_url = web.url
        worker = CeleryWorker(nodename=f"loadtest-{os.getpid()}@localhost", pool="prefork",
                              concurrency=options.worker_concurrency, loglevel="WARNING",
                              heartbeat=True, env=env, log=workdir / "celery.log")
        children.append(worker)
        wait_ready(web.wait_ready)
        from proofloop.celery import app  # why: after django.setup() (load_data)

        wait_ready(lambda: worker.wait_ready(app))

        log("warming up for 5 s")
        run_wrk(base_url, dict.fromkeys(split, 1), 5, config, workdir)
        time_to_consistency(time.monotonic(), facts["slug"])
        before = _evidence_count_of(facts["slug"])

        log(f"load: {options.connections} connections for {options.duration} s")
        results, ended = run_wrk(base_url, split, options.duration, config, workdir,
                                 options.think_ms)
        consistency = time_to_consistency(ended, facts["slug"])
        rows = summarize(results)
        created = sum(r["created"] for r in rows)
        stored = _evidence_count_of(facts["slug"]) - before
        report = {"scale": options.scale, "data": facts["data"], "organization": facts["counts"],
                  "duration_s": options.duration, "connections": split,
                  "think_ms": options.think_ms,
                  "gunicorn": {"workers": options.web_workers, "threads": options.web_threads},
                  "celery_concurrency": options.worker_concurrency, "cpus": os.cpu_count(),
                  "endpoints": rows, "evidence_logged": created, "evidence_stored": stored,
                  **consistency}
    finally:
        for child in reversed(children):
            child.stop(timeout=20)
        from django.db import connections  # why: after django.setup() (load_data)

        connections.close_all()
        if options.keep:
            log(f"kept database {name}")
        else:
            admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print_report(report)
    if options.json_path:
        Path(options.json_path).write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if report["met"] else 1)


def _evidence_count_of(slug: str) -> int:
    from core.models import Organization  # why: after django.setup() (load_data)

    return _evidence_count(Organization.objects.get(slug=slug))


def _forget_queue(redis_url: str) -> None:
    """Empty the default queue of this Redis database: tasks left by an aborted run would
    name rows of a dropped database."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete("celery", "unacked", "unacked_index")
    finally:
        client.close()


def print_report(report: dict[str, Any]) -> None:
    rows = report["endpoints"]
    met = {
        "no errors": all(r["errors"] == 0 for r in rows),
        "p95 ≤ 100 ms on metrics and lists": all(r["p95_ms"] <= P95_TARGET_MS for r in rows
                                                  if r["endpoint"] in P95_TARGETS),
        # wrk stops counting at the deadline; requests then in flight still complete, so the
        # database may hold a few more rows than the 201s counted, never fewer.
        "every logged evidence stored": report["evidence_stored"] >= report["evidence_logged"],
        "derived values caught up within 5 s": report["caught_up_s"] <= CATCH_UP_TARGET_S,
    }
    report["met"] = all(met.values())
    split = report["connections"]
    org = report["organization"]
    print(f"\nScale {report['scale']} ({report['data']['hypotheses']:,} hypotheses, "
          f"{report['data']['evidence']:,} evidence); the load-test organization has "
          f"{org['hypotheses']:,} hypotheses and {org['evidence']:,} evidence. "
          f"{report['cpus']} CPUs; gunicorn {report['gunicorn']['workers']} workers × "
          f"{report['gunicorn']['threads']} threads; Celery concurrency "
          f"{report['celery_concurrency']}; {report['duration_s']} s; think time "
          f"{report['think_ms']} ms.\n")
    print(render(rows, split))
    print(f"\nEvidence logged (201): {report['evidence_logged']}; new rows in the database: "
          f"{report['evidence_stored']}.")
    print(f"verify_metrics reported zero mismatches {report['caught_up_s']} s after the load "
          f"ended (the check itself took {report['verify_s']} s).")
    statuses: dict[str, int] = {}
    for row in rows:
        for status, n in row["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    print(f"Status codes: {dict(sorted(statuses.items()))}")
    for name, ok in met.items():
        print(f"  {'met' if ok else 'MISSED'}: {name}")
    p95s = [r["p95_ms"] for r in rows if r["endpoint"] in P95_TARGETS]
    if p95s:
        print(f"  (p95 on metrics and lists: median {statistics.median(p95s)} ms)")


if __name__ == "__main__":
    main()
