"""`manage.py bench`: run the benchmark sections against the current (benchmark) database.

`make bench` points DATABASE_URL at a database of its own before calling this, never the one
`make run` uses. Each section is a function `run(out)` listed in settings.RELIEF_BENCH_SECTIONS; it
prints one line per figure as `name: value unit`.
"""
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Seed a synthetic district and print benchmark figures, one `name: value unit` per line."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--only", default="",
                            help="comma-separated apps or dotted paths to run (seeding sections always run)")

    def handle(self, *args, **options):
        only = {s.strip() for s in options["only"].split(",") if s.strip()}
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = time.perf_counter()
        for path in settings.RELIEF_BENCH_SECTIONS:
            app, function = path.split(".")[0], path.rsplit(".", 1)[-1]
            # The database is new each time: seeding runs whatever --only says, or nothing has data.
            if only and function != "seed" and app not in only and path not in only:
                continue
            import_string(path)(self.stdout, households=options["households"])
        self.stdout.write(f"bench_total: {time.perf_counter() - started:.1f} s")
