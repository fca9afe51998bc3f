from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from devtools.bench.processes import BenchError
from devtools.bench.report import render_table
from devtools.bench.run import Options, run


class Command(BaseCommand):
    help = ("Benchmark the cycle-time engine on a seeded synthetic data set, in a PostgreSQL "
            "database of its own (created and dropped on the server of DATABASE_URL), each "
            "operation beside a floor timed in the same run. Refuses SQLite.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", type=float, default=1.0,
                            help="1 = 10 organizations, 20,000 hypotheses, 1,000,000 evidence "
                                 "rows (default); 0.01 for a quick check.")
        parser.add_argument("--json", action="store_true",
                            help="Print one JSON object instead of a table.")
        parser.add_argument("--tries", type=int, default=200,
                            help="Incremental recomputes timed at each size (default 200).")
        parser.add_argument("--rounds", type=int, default=3,
                            help="Rounds of the full recompute and its floor (default 3).")
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument("--keep", action="store_true",
                            help="Keep the benchmark database instead of dropping it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0 or options["tries"] < 1 or options["rounds"] < 1:
            raise CommandError("--scale must be positive; --tries and --rounds at least 1.",
                               returncode=2)
        quiet = options["json"] or options["verbosity"] == 0

        def log(message: str) -> None:
            if not quiet:
                sys.stderr.write(f"bench: {message}\n")

        try:
            report = run(Options(scale=options["scale"], tries=options["tries"],
                                 rounds=options["rounds"], seed=options["seed"],
                                 keep=options["keep"], log=log))
        except BenchError as error:
            raise CommandError(str(error), returncode=2) from error
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str))
        else:
            self.stdout.write(render_table(report))
