"""The benchmark: each operation of the cycle-time engine beside a floor timed in the same run
on the same data (see docs/benchmarks.md for the targets and the measured figures).

It works in a database of its own (`proofloop_bench_<pid>`) created on the PostgreSQL server
of DATABASE_URL, migrated, and dropped at the end; it never touches the configured database.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from psycopg.conninfo import make_conninfo

from core.db import interpolated_percentile
from core.models import Organization
from devtools.processes import database_url
from proofloop.celery import app
from validation import engine, metrics, services
from validation.models import Hypothesis
from validation.services import LinkSpec

from . import floors, load
from .data import DataSet, generate
from .processes import BenchError, Worker, measure_memory

T = TypeVar("T")

TARGETS = {
    "load": "≤ 3× COPY",
    "full_recompute": "≤ 2× the hand-written UPDATE",
    "incremental": "p95 ≤ 20 ms at both sizes",
    "velocity": "≤ 100 ms and ≤ 2× raw SQL",
    "cycle_time_stats": "≤ 100 ms and ≤ 2× raw SQL",
    "memory": "does not grow with the row count",
}
SMALL_FRACTION = 0.1
WARMUP_TRIES = 10
METRIC_REPEATS = 15


@dataclass
class Options:
    scale: float = 1.0
    tries: int = 200
    rounds: int = 3
    seed: int = 20261122
    keep: bool = False
    log: Callable[[str], None] = print


def refuse_unless_postgresql() -> None:
    vendor = connections["default"].vendor
    if vendor != "postgresql":
        raise BenchError(
            f"The benchmark needs PostgreSQL, and DATABASE_URL points at {vendor}. Its floors are "
            "PostgreSQL's own (COPY, hand-written SQL) and it creates a database of its own on "
            "the server: run it with DATABASE_URL=postgres://user@host:5432/any-database.")


def _admin_connection(dbname: str = "postgres") -> psycopg.Connection[Any]:
    """An autocommit connection to database `dbname` (default: the maintenance database) on
    the server of the default connection."""
    sd = connections["default"].settings_dict
    params = {"dbname": dbname, "user": sd.get("USER"), "password": sd.get("PASSWORD"),
              "host": sd.get("HOST"), "port": sd.get("PORT")}
    conninfo = make_conninfo(**{key: value for key, value in params.items() if value})
    return psycopg.connect(conninfo, autocommit=True)


@contextmanager
def bench_database(keep: bool, log: Callable[[str], None]) -> Iterator[tuple[str, str]]:
    """Create, migrate and point the default connection at `proofloop_bench_<pid>`; drop it
    (and restore the connection) afterwards."""
    default = connections["default"]
    name = f"proofloop_bench_{os.getpid()}"
    original = default.settings_dict["NAME"]
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        default.close()
        default.settings_dict["NAME"] = name
        log(f"database {name}: migrating")
        call_command("migrate", verbosity=0, interactive=False)
        yield name, database_url(default.settings_dict, name)
    finally:
        default.close()
        default.settings_dict["NAME"] = original
        if keep:
            log(f"kept database {name}")
        else:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seconds(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _compare(seconds: float, floor: float, **extra: Any) -> dict[str, Any]:
    return {"seconds": round(seconds, 4), "floor_seconds": round(floor, 4),
            "ratio": round(seconds / floor, 2) if floor else None, **extra}


def _percentiles_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(interpolated_percentile(ordered, 0.5) or 0.0, 2),
            "p95_ms": round(interpolated_percentile(ordered, 0.95) or 0.0, 2),
            "max_ms": round(ordered[-1], 2)}


# --- operations -----------------------------------------------------------------------------------
LOADERS = (("copy", load.copy_load), ("bulk_create", load.orm_load),
           ("models", load.model_copy_load))


def measure_load(data: DataSet, log: Callable[[str], None]) -> dict[str, Any]:
    """The floor (COPY of the row tuples), Django's bulk_create, then the benchmark's loader
    (model instances prepared by the ORM, sent by COPY), whose rows stay for what follows.
    Each load starts from empty tables after a CHECKPOINT."""
    timings, tables = {}, {}
    for name, loader in LOADERS:
        load.truncate()
        load.maintenance("CHECKPOINT")
        timings[name], tables[name] = _seconds(partial(loader, data))
        log(f"load {name}: {timings[name]:.1f} s "
            f"({', '.join(f'{table} {s:.1f} s' for table, s in tables[name].items())})")
    load.maintenance("VACUUM ANALYZE")

    def by_table(name: str) -> dict[str, dict[str, float]]:
        return {table: {"seconds": round(seconds, 2),
                        "floor_seconds": round(tables["copy"][table], 2),
                        "ratio": round(seconds / tables["copy"][table], 2)}
                for table, seconds in tables[name].items()}

    return _compare(timings["models"], timings["copy"], rows=data.counts(),
                    tables=by_table("models"),
                    bulk_create=_compare(timings["bulk_create"], timings["copy"],
                                         tables=by_table("bulk_create")))


def _reset_derived() -> None:
    floors.run(floors.RESET_DERIVED)
    load.maintenance("VACUUM ANALYZE validation_hypothesis")


def measure_full_recompute(rounds: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Both start from hypotheses whose derived values were all reset, so both write every
    row; the order alternates between rounds; the medians are compared."""
    engine_times, floor_times, corrected = [], [], 0
    for round_ in range(rounds):
        order = ("engine", "floor") if round_ % 2 == 0 else ("floor", "engine")
        for side in order:
            _reset_derived()
            if side == "engine":
                seconds, corrected = _seconds(engine.recompute_all)
                engine_times.append(seconds)
            else:
                seconds, _ = _seconds(lambda: floors.run(floors.FULL_RECOMPUTE))
                floor_times.append(seconds)
            mismatches = engine.verify()
            if mismatches:
                raise BenchError(f"after the {side}'s full recompute, {len(mismatches)} values "
                                 f"differ from scratch, e.g. {mismatches[0]}")
            log(f"full recompute round {round_ + 1} {side}: {seconds:.2f} s")
    verify_seconds, _ = _seconds(engine.verify)
    return _compare(statistics.median(engine_times), statistics.median(floor_times),
                    corrected=corrected, engine_runs=[round(s, 3) for s in engine_times],
                    floor_runs=[round(s, 3) for s in floor_times],
                    verify_seconds=round(verify_seconds, 3))


def _median_seconds(action: Callable[[], T], repeat: int = METRIC_REPEATS) -> tuple[float, T]:
    result = action()  # warm-up
    times = []
    for _ in range(repeat):
        seconds, result = _seconds(action)
        times.append(seconds)
    return statistics.median(times), result


def measure_metrics(data: DataSet) -> dict[str, dict[str, Any]]:
    """velocity_by_week (104 weeks) and cycle_time_stats of the largest organization."""
    org = Organization.objects.get(pk=data.largest.id)
    current = metrics.week_start(org, data.now)
    start = metrics.local_midnight(org, current - timedelta(weeks=103))
    end = metrics.local_midnight(org, current + timedelta(days=7))

    velocity_s, weeks = _median_seconds(
        lambda: metrics.velocity_by_week(org, weeks=104, now=data.now))
    first_monday = current - timedelta(weeks=103)
    velocity_floor_s, (decided, stated, evidence) = _median_seconds(
        lambda: floors.velocity(org.pk, org.timezone, first_monday, 104, start, end))
    group_by_s, (_, _, grouped) = _median_seconds(
        lambda: floors.velocity(org.pk, org.timezone, first_monday, 104, start, end,
                                group_by=True))
    # The floors compute the same numbers.
    same = (sum(w["validated"] + w["invalidated"] for w in weeks) == sum(r[1] + r[2] for r in decided)
            and sum(w["stated"] for w in weeks) == sum(r[1] for r in stated)
            and sum(sum(w["evidence"].values()) for w in weeks) == sum(r[2] for r in evidence)
            == sum(r[2] for r in grouped))
    if not same:
        raise BenchError("velocity_by_week and its raw SQL disagree")

    stats_s, stats = _median_seconds(lambda: metrics.cycle_time_stats(org))
    stats_floor_s, rows = _median_seconds(
        lambda: floors.run(floors.CYCLE_TIME_STATS, {"org": org.pk}))
    if stats["count"] != rows[0][3] or abs((stats["p50_days"] or 0) * 86400 - (rows[0][5] or 0)) > 1e-3:
        raise BenchError("cycle_time_stats and its raw SQL disagree")
    return {
        "velocity": _compare(velocity_s, velocity_floor_s, weeks=104, organization=org.slug,
                             evidence=sum(sum(w["evidence"].values()) for w in weeks),
                             group_by_floor_seconds=round(group_by_s, 4)),
        "cycle_time_stats": _compare(stats_s, stats_floor_s, decided=stats["count"],
                                     organization=org.slug),
    }


NOTIFY_TRIGGER = """
CREATE FUNCTION bench_stored() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bench_stored', NEW.id || ' ' || NEW.evidence_count);
    RETURN NULL;
END $$;
CREATE TRIGGER bench_stored AFTER UPDATE OF evidence_count ON validation_hypothesis
    FOR EACH ROW EXECUTE FUNCTION bench_stored();
"""
DROP_NOTIFY_TRIGGER = ("DROP TRIGGER bench_stored ON validation_hypothesis; "
                       "DROP FUNCTION bench_stored()")


def measure_incremental(data: DataSet, tries: int, seed: int) -> dict[str, Any]:
    """Log one interview linked to one hypothesis through the service, commit, and time from
    the commit until the derived values that include it are stored (committed).

    "Stored" is observed without polling: for these tries only, a trigger in the benchmark
    database notifies (pg_notify, delivered when the storing transaction commits) a listening
    connection. The floor, timed first and without the trigger: the hand-written
    one-hypothesis UPDATE … FROM (aggregate), run directly.
    """
    org = Organization.objects.get(pk=data.largest.id)
    rng = random.Random(seed)
    candidates = [row[0] for row in data.hypotheses if row[1] == org.pk]
    picks = [rng.choice(candidates) for _ in range(tries + WARMUP_TRIES)]
    hypotheses = Hypothesis.objects.in_bulk(picks)
    floor = []
    with connection.cursor() as cursor:
        for pk in picks[WARMUP_TRIES:]:
            seconds, _ = _seconds(partial(cursor.execute, floors.ONE_HYPOTHESIS, {"id": pk}))
            floor.append(seconds * 1000)
        cursor.execute(NOTIFY_TRIGGER)
    latencies = []
    try:
        with _admin_connection(connection.settings_dict["NAME"]) as listener:
            listener.execute("LISTEN bench_stored")
            for i, pk in enumerate(picks):
                expected = Hypothesis.objects.values_list("evidence_count", flat=True).get(pk=pk) + 1
                committed: list[float] = []
                with transaction.atomic():
                    transaction.on_commit(partial(_mark, committed))
                    services.interview_log(organization=org, user=None, interviewee="Benchmark",
                                           company="Bench",
                                           occurred_at=timezone.now() - timedelta(seconds=1),
                                           links=[LinkSpec(hypotheses[pk])])
                stored = _wait_for_notification(listener, f"{pk} {expected}")
                if i >= WARMUP_TRIES:
                    latencies.append((stored - committed[0]) * 1000)
    finally:
        floors.run(DROP_NOTIFY_TRIGGER)
    floor_ms = _percentiles_ms(floor)
    return {"hypotheses": len(data.hypotheses), "evidence": len(data.evidence),
            **_percentiles_ms(latencies),
            "floor_p50_ms": floor_ms["p50_ms"], "floor_p95_ms": floor_ms["p95_ms"]}


def _mark(marks: list[float]) -> None:
    marks.append(time.perf_counter())


def _wait_for_notification(listener: psycopg.Connection[Any], payload: str,
                           timeout: float = 30.0) -> float:
    """The perf_counter() at which `payload` arrived on `listener`."""
    deadline = time.perf_counter() + timeout
    while (remaining := deadline - time.perf_counter()) > 0:
        for notification in listener.notifies(timeout=remaining, stop_after=1):
            if notification.payload == payload:
                return time.perf_counter()
    raise BenchError(f"no derived values stored within {timeout:.0f} s of the commit "
                     f"(expected {payload!r}); is the worker running?")


# --- the run ----------------------------------------------------------------------------------------
def run(options: Options) -> dict[str, Any]:
    """Build the data sets, measure every operation, and return the report (plain data)."""
    refuse_unless_postgresql()
    settings.DEBUG = False  # never keep a log of a million INSERTs
    for name in ("celery", "proofloop"):  # one line per eager task would drown the report
        logging.getLogger(name).setLevel(logging.WARNING)
    log = options.log
    started = time.perf_counter()
    report: dict[str, Any] = {"scale": options.scale, "cpus": os.cpu_count(), "targets": TARGETS}
    with bench_database(options.keep, log) as (database, url):
        report["database"] = database
        report["postgresql"] = floors.run("SHOW server_version")[0][0].split()[0]
        now = load.now_rounded()
        seconds, full = _seconds(lambda: generate(options.scale, now=now, seed=options.seed))
        log(f"generated {full.counts()} in {seconds:.1f} s")
        load.create_organizations(full)
        report["load"] = measure_load(full, log)
        report["full_recompute"] = measure_full_recompute(options.rounds, log)
        report.update(measure_metrics(full))
        log(f"velocity {report['velocity']['seconds'] * 1000:.1f} ms, "
            f"statistics {report['cycle_time_stats']['seconds'] * 1000:.1f} ms")
        _reset_derived()
        memory = {"full": measure_memory(url)}
        log(f"memory at full size: {memory['full']}")

        worker = None
        saved = {name: app.conf[name] for name in ("task_always_eager", "task_default_queue")}
        try:
            if settings.REDIS_URL:
                queue = f"bench-{os.getpid()}"
                app.conf.task_always_eager = False
                app.conf.task_default_queue = queue
                worker = Worker(url, queue)
                worker.start(app)
                mode = f"real worker (prefork, concurrency {worker.concurrency}) on Redis"
            else:
                app.conf.task_always_eager = True
                mode = "in-process (REDIS_URL unset: eager tasks after commit)"
            log(f"incremental: {mode}")
            sizes = {"full": measure_incremental(full, options.tries, options.seed)}
            log(f"incremental at full size: {sizes['full']}")
            del full
            small = generate(options.scale * SMALL_FRACTION, now=now, seed=options.seed)
            load.truncate()
            load.copy_load(small)
            load.maintenance("VACUUM ANALYZE")
            engine.recompute_all()
            sizes["small"] = measure_incremental(small, options.tries, options.seed)
            log(f"incremental at small size: {sizes['small']}")
            _reset_derived()
            memory["small"] = measure_memory(url)
            log(f"memory at small size: {memory['small']}")
        finally:
            app.conf.update(saved)
            if worker:
                worker.stop()
    full_size = sizes["full"]
    report["incremental"] = {
        **_compare(full_size["p95_ms"] / 1000, full_size["floor_p95_ms"] / 1000),
        "mode": mode, "tries": options.tries, "sizes": sizes,
    }
    report["memory"] = {"sizes": {name: {"evidence": count, **values} for (name, values), count
                                  in zip(memory.items(), (sizes["full"]["evidence"],
                                                          sizes["small"]["evidence"]), strict=True)}}
    report["met"] = _targets_met(report)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    return report


def _targets_met(report: dict[str, Any]) -> dict[str, bool]:
    sizes = report["incremental"]["sizes"].values()
    memory = report["memory"]["sizes"]
    return {
        "load": report["load"]["ratio"] <= 3,
        "full_recompute": report["full_recompute"]["ratio"] <= 2,
        "incremental": all(size["p95_ms"] <= 20 for size in sizes),
        "velocity": report["velocity"]["seconds"] <= 0.1 and report["velocity"]["ratio"] <= 2,
        "cycle_time_stats": (report["cycle_time_stats"]["seconds"] <= 0.1
                             and report["cycle_time_stats"]["ratio"] <= 2),
        # Allow for the allocator's noise: a few MB either way.
        "memory": abs(memory["full"]["peak_mb"] - memory["small"]["peak_mb"]) <= 10,
    }
