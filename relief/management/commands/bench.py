"""`manage.py bench`: run the benchmark sections against the current (benchmark) database.

`make bench` points DATABASE_URL at a database of its own before calling this, never the one
`make run` uses. Each section is a function `run(out, households=...)` listed in
settings.RELIEF_BENCH_SECTIONS; it prints one line per figure as `name: value unit` (lines starting
with `#` are for people). A section that names `http_requests` or `http_clients` among its parameters
(relief/bench_http.py) is also given those options.
"""
import gc
import inspect
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
        parser.add_argument("--http-requests", type=int, default=None,
                            help="HTTP section: requests per page and number of clients (default: the section's REQUESTS)")
        parser.add_argument("--http-clients", default=None,
                            help="HTTP section: comma-separated numbers of concurrent clients (default: its CLIENTS)")

    def handle(self, *args, **options):
        only = {s.strip() for s in options["only"].split(",") if s.strip()}
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = time.perf_counter()
        for path in settings.RELIEF_BENCH_SECTIONS:
            app, function = path.split(".")[0], path.rsplit(".", 1)[-1]
            # The database is new each time: seeding runs whatever --only says, or nothing has data.
            if only and function != "seed" and app not in only and path not in only:
                continue
            section = import_string(path)
            # As each gunicorn worker does once loaded (relief/wsgi.py): what is loaded so far is out of the
            # garbage collector's sight, so a section times its own work, not a full collection of the
            # seeding's leftovers in one unlucky request.
            gc.collect()
            gc.freeze()
            section(self.stdout, households=options["households"], **self._options_for(section, options))
        self.stdout.write(f"bench_total: {time.perf_counter() - started:.1f} s")

    @staticmethod
    def _options_for(section, options) -> dict:
        """The section's own options that were given, by the parameters it names."""
        given = {"http_requests": options["http_requests"]}
        if options["http_clients"]:
            given["http_clients"] = tuple(int(n) for n in options["http_clients"].split(","))
        parameters = inspect.signature(section).parameters
        return {key: value for key, value in given.items() if value is not None and key in parameters}
