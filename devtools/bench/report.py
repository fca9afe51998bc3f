"""The benchmark's report as a Markdown table (the format of docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else _ms(seconds)


def _mark(met: bool) -> str:
    return "met" if met else "**missed**"


def render_table(report: dict[str, Any]) -> str:
    """Markdown: one row per operation with its floor, ratio, target and verdict."""
    met = report["met"]
    rows = [
        "| operation | measured | floor (same run, same data) | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    load, full = report["load"], report["full_recompute"]
    rows.append(f"| bulk load ({load['rows']['hypotheses']:,} hypotheses, "
                f"{load['rows']['evidence']:,} evidence, {load['rows']['links']:,} links): "
                f"model instances, ORM-prepared values, COPY | {_s(load['seconds'])} | "
                f"{_s(load['floor_seconds'])} (COPY of the row tuples) | "
                f"{load['ratio']}× | {report['targets']['load']} | {_mark(met['load'])} |")
    bulk = load["bulk_create"]
    rows.append(f"| the same rows with Django's `bulk_create` (for comparison) | "
                f"{_s(bulk['seconds'])} | {_s(load['floor_seconds'])} | {bulk['ratio']}× | — | |")
    rows.append(f"| full recompute (median of {len(full['engine_runs'])}) | {_s(full['seconds'])} | "
                f"{_s(full['floor_seconds'])} (hand-written UPDATE … FROM) | {full['ratio']}× | "
                f"{report['targets']['full_recompute']} | {_mark(met['full_recompute'])} |")
    incremental = report["incremental"]
    for name, size in incremental["sizes"].items():
        rows.append(f"| incremental, {name} size ({size['evidence']:,} evidence) | "
                    f"p50 {size['p50_ms']} ms, p95 {size['p95_ms']} ms | "
                    f"p50 {size['floor_p50_ms']} ms, p95 {size['floor_p95_ms']} ms "
                    f"(one-hypothesis UPDATE) | {round(size['p95_ms'] / size['floor_p95_ms'], 1)}× (p95) | "
                    f"{report['targets']['incremental']} | {_mark(met['incremental'])} |")
    for key, label in (("velocity", "velocity, 104 weeks"), ("cycle_time_stats", "cycle-time statistics")):
        item = report[key]
        rows.append(f"| {label} (largest organization, median) | {_ms(item['seconds'])} | "
                    f"{_ms(item['floor_seconds'])} (raw SQL) | {item['ratio']}× | "
                    f"{report['targets'][key]} | {_mark(met[key])} |")
    memory = report["memory"]["sizes"]
    rows.append("| peak memory of the full recompute | "
                + ", ".join(f"{m['peak_mb']} MB at {m['evidence']:,} evidence" for m in memory.values())
                + " | — | — | " + report["targets"]["memory"] + f" | {_mark(met['memory'])} |")
    header = (f"Scale {report['scale']}, PostgreSQL {report['postgresql']}, {report['cpus']} CPUs; "
              f"incremental: {incremental['mode']}; total {report['total_seconds']} s.\n\n")
    return header + "\n".join(rows) + "\n"
