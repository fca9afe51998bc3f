"""`manage.py bench` runs (at a tiny scale) and refuses SQLite. The benchmark's figures are
not asserted here: it is a command, not a timed test (docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "proofloop.settings_test"}
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=900, check=False)


def test_the_benchmark_refuses_sqlite_with_a_clear_message(tmp_path):
    result = manage("bench", "--scale", "0.01", "--json",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=None)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "The benchmark needs PostgreSQL, and DATABASE_URL points at sqlite" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0


@pytest.mark.slow  # a whole benchmark run, at scale 0.01, in a database of its own
@pytest.mark.django_db
def test_the_benchmark_runs_at_a_small_scale_and_prints_every_figure():
    if connection.vendor != "postgresql":
        pytest.skip("The benchmark runs on PostgreSQL only (it refuses SQLite, tested above); "
                    "CI runs this test in its PostgreSQL pass.")
    result = manage("bench", "--scale", "0.01", "--tries", "20", "--rounds", "1", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)

    for operation in ("load", "full_recompute", "incremental", "velocity", "cycle_time_stats"):
        assert {"seconds", "floor_seconds", "ratio"} <= report[operation].keys(), operation
        assert report[operation]["seconds"] > 0 and report[operation]["floor_seconds"] > 0
    assert report["load"]["rows"] == {"organizations": 10, "hypotheses": 200,
                                      "evidence": 10_000, "links": report["load"]["rows"]["links"]}
    for size in ("full", "small"):
        assert {"p50_ms", "p95_ms"} <= report["incremental"]["sizes"][size].keys()
        assert report["memory"]["sizes"][size]["peak_mb"] > 0
    assert report["incremental"]["mode"].startswith(
        "real worker" if os.environ.get("REDIS_URL") else "in-process")
    assert set(report["met"]) == {"load", "full_recompute", "incremental", "velocity",
                                  "cycle_time_stats", "memory"}

    assert report["database"].startswith("proofloop_bench_")
    with connection.cursor() as cursor:  # its own database, dropped at the end
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [report["database"]])
        assert cursor.fetchone()[0] == 0
