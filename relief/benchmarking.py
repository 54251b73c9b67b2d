"""Helpers shared by the `make bench` sections of each app."""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass

import psutil


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100) of `values`, interpolated linearly between the two nearest ranks (as
    numpy's default and `statistics.quantiles(method="inclusive")`): p50 of an even count is the mean of
    the middle two, p100 the largest."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class HttpPage:
    """A page the HTTP benchmark (relief/bench_http.py) drives: `name` goes into the figures' names
    (e.g. household_list_township), `username` is the demo account that opens `path`."""

    name: str
    username: str
    path: str


class PeakMemory:
    """Sample this process's resident set size every 50 ms while the block runs.

    `peak` is the largest size seen; `added_mb` how far it rose above the size at the start.
    """

    def __init__(self, interval: float = 0.05):
        self.process = psutil.Process(os.getpid())
        self.baseline = self.peak = self.process.memory_info().rss
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return self.peak / 1024 / 1024

    @property
    def added_mb(self) -> float:
        return (self.peak - self.baseline) / 1024 / 1024


class LineWriter:
    """What a bench section writes to, inside a child process: plain lines on stdout."""

    @staticmethod
    def write(line: str) -> None:
        print(line, flush=True)


def in_fresh_process(out, call: str, prefix: str) -> None:
    """Run `call` (Python code, e.g. "from imports.bench import measure_here; measure_here(50000)") in a new
    `manage.py shell`, and relay the lines it prints that start with `prefix`.

    The bench process has grown by hundreds of MB while seeding; memory Python keeps without the resident
    size moving would hide (or inflate) what the measured work itself needs.
    """
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-c", call],
                            capture_output=True, text=True, env=os.environ.copy())
    for line in result.stdout.splitlines():
        if line.startswith(prefix):
            out.write(line)
    if result.returncode:
        error = (result.stderr.strip().splitlines() or ["?"])[-1]
        out.write(f"{prefix}failed: {error}")
