"""`python -m devtools.bench.memory`: the peak memory of one full recompute.

Run by the benchmark in a fresh process (so that nothing else it allocated counts), with
DATABASE_URL naming the benchmark database. Prints one JSON object: the process's resident
memory before the recompute (`baseline_mb`, Django loaded and connected), its peak
(`peak_mb`, the kernel's high-water mark VmHWM), their difference and the recompute's time.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import django


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{key} is missing from /proc/self/status")


def main() -> None:
    django.setup()
    from django.db import connection  # why: models and connections need django.setup() first

    from validation import engine  # why: as above

    connection.ensure_connection()
    baseline = _status_mb("VmRSS")
    started = time.perf_counter()
    corrected = engine.recompute_all()
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    json.dump({"peak_mb": round(peak, 1), "baseline_mb": round(baseline, 1),
               "growth_mb": round(peak - baseline, 1), "seconds": round(seconds, 3),
               "corrected": corrected}, sys.stdout)


if __name__ == "__main__":
    main()
