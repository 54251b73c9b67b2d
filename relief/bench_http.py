"""HTTP benchmark (`make bench`, last in RELIEF_BENCH_SECTIONS: `--only relief` runs it after the seeding).

The other sections time views in process through Django's test client. This one measures the pages as
users meet them: the deployment's own command (README "Deploying": `gunicorn relief.wsgi -w 4`) serves
the benchmark database on a free port, township1, district and caseworker1 sign in through the login
form, and a small asyncio client (httpx) asks for each page with 1, 10 and 50 clients at once, a fixed
number of requests each time. Just before each of these runs the same clients ask the same server as
often for a bare view (relief.views.bench_bare: no database, session or template; routed only while this
runs): a page's p95 over the bare view's p95 is what the page itself costs, on whatever machine and
under whatever else is running. The pages come from settings.RELIEF_BENCH_HTTP_PAGES, each app naming
its own.

Printed per page and number of clients: p50 and p95 (ms, answered pages only), req/s (all requests over
the run's wall time), errors (answers other than 200 and failed requests under load) and the ratio of
p95 to the bare view's p95; then the same as a table of `#` lines. A login that fails, or a page that
does not answer 200 to its signed-in user before the load starts, stops the benchmark with a message.
"""
from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from django.conf import settings
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.module_loading import import_string

from .benchmarking import HttpPage, percentile
from .urls import BENCH_BARE_PATH, BENCH_BARE_VIEW_ENV

CLIENTS = (1, 10, 50)
# Per page and number of clients (at least one per client): the whole section takes about six minutes at
# 20,000 households on the shared 2-core machine, the dashboards most of it.
REQUESTS = 50
WORKERS = 4  # as README "Deploying" runs it
# Each worker renders a page's templates and fills its caches once before anything is timed.
WARMUP = 2 * WORKERS
# Generous: 50 clients queue behind 4 workers, and a slow page under load is a figure, not an error.
TIMEOUT = 120.0
READY_SECONDS = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pages() -> list[HttpPage]:
    """relief's own page: the home page (its cards come from every app) of a township and a caseworker."""
    return [
        HttpPage("home_township", "township1", reverse("home")),
        HttpPage("home_caseworker", "caseworker1", reverse("home")),
    ]


# ---------------------------------------------------------------- the load generator
@dataclass
class LoadResult:
    latencies_ms: list[float]  # of the requests answered 200
    errors: int
    seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q) if self.latencies_ms else math.nan

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else math.nan


def load(base_url: str, path: str, *, clients: int, requests: int, cookies: dict | None = None,
         timeout: float = TIMEOUT) -> LoadResult:
    """`requests` GETs of `path`, `clients` of them in flight at any time (each client asks again as soon
    as it has its answer, body included), with the given cookies."""
    load = _load(base_url, path, clients, requests, cookies or {}, timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(load)
    # Called where an event loop already runs in this thread (a test process whose browser tests started
    # one): the load gets a loop of its own in another thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, load).result()


async def _load(base_url, path, clients, requests, cookies, timeout) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    remaining = requests
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=timeout, limits=limits) as client:
        async def one_client():
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError:
                    errors += 1
                    continue
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(max(1, min(clients, requests)))))
        seconds = time.perf_counter() - started
    return LoadResult(latencies, errors, seconds)


def login(base_url: str, username: str, password: str) -> dict[str, str]:
    """Sign in through the login form as a browser does (the page, its CSRF token, the POST); the
    cookies of the new session."""
    login_path = reverse("login")
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as client:
        form = client.get(login_path)
        token = CSRF_INPUT.search(form.text) if form.status_code == 200 else None
        if token is None:
            raise CommandError(f"HTTP benchmark: the login page answered {form.status_code} without a CSRF token")
        answer = client.post(login_path, data={"username": username, "password": password,
                                               "csrfmiddlewaretoken": token.group(1), "next": ""})
        if answer.status_code == 302 and answer.headers.get("location", "").startswith(reverse("otp_verify")):
            # The role's second factor (relief/otp.py): the demo accounts' authenticator code, as a person types it.
            from relief.demo import next_demo_code

            step = client.get(reverse("otp_verify"))
            token = CSRF_INPUT.search(step.text)
            answer = client.post(reverse("otp_verify"), data={
                "code": next_demo_code(username), "csrfmiddlewaretoken": token.group(1) if token else ""})
        if answer.status_code != 302 or settings.SESSION_COOKIE_NAME not in client.cookies:
            raise CommandError(f"HTTP benchmark: login of {username} failed (the form answered "
                               f"{answer.status_code}; does the demo account exist with the demo password?)")
        return dict(client.cookies)


def check_page(base_url: str, page: HttpPage, cookies: dict) -> None:
    """The page answers 200 to its signed-in user, or the benchmark stops: the timing of a redirect to
    the login page or of an error page says nothing."""
    answer = httpx.get(base_url + page.path, cookies=cookies, timeout=TIMEOUT)
    if answer.status_code != 200:
        where = f" (to {answer.headers['location']})" if "location" in answer.headers else ""
        raise CommandError(f"HTTP benchmark: {page.path} answered {answer.status_code}{where} "
                           f"to {page.username} (page {page.name})")


# ---------------------------------------------------------------- the server
@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    log: collections.deque

    def log_tail(self) -> str:
        return "\n".join(self.log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(workers: int = WORKERS, env: dict | None = None):
    """The deployment's gunicorn on a free port of 127.0.0.1, with this process's environment (so the same
    DATABASE_URL), the bare view routed, DEBUG and django-axes off; stopped with its workers on leaving,
    whatever happened."""
    command = Path(sys.executable).with_name("gunicorn")
    if not command.exists():
        raise CommandError(f"HTTP benchmark: no gunicorn beside {sys.executable} (pip install -r requirements.txt)")
    port = free_port()
    env = {**os.environ, **(env or {}), "DEBUG": "0", "AXES_ENABLED": "0", BENCH_BARE_VIEW_ENV: "1"}
    # Production settings make the session cookie Secure and redirect to https: a client on plain HTTP to
    # 127.0.0.1 could not sign in.
    env.pop("RELIEF_PRODUCTION", None)
    process = subprocess.Popen(
        [str(command), "relief.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace")
    # Drained all along (a full pipe would block the server); the last lines explain a failure.
    log: collections.deque = collections.deque(maxlen=30)
    reader = threading.Thread(target=lambda: log.extend(line.rstrip() for line in process.stdout), daemon=True)
    reader.start()
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        stop(process)
        reader.join(timeout=5)
        process.stdout.close()


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if server.process.poll() is not None:
            raise CommandError(f"HTTP benchmark: gunicorn exited ({server.process.returncode}) before it "
                               f"answered:\n{server.log_tail()}")
        try:
            answer = httpx.get(server.base_url + BENCH_BARE_PATH, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise CommandError(f"HTTP benchmark: gunicorn did not answer within {READY_SECONDS} s:\n"
                                   f"{server.log_tail()}") from None
            time.sleep(0.2)
            continue
        if answer.status_code != 200:
            raise CommandError(f"HTTP benchmark: the bare view answered {answer.status_code}:\n{server.log_tail()}")
        return


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn and every worker it has now; SIGTERM lets the master stop its workers itself."""
    if process.poll() is None:
        try:
            workers = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            workers = []
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        for worker in alive:
            worker.kill()


# ---------------------------------------------------------------- the section
def _pages() -> list[HttpPage]:
    found: list[HttpPage] = []
    for path in settings.RELIEF_BENCH_HTTP_PAGES:
        try:
            found.extend(import_string(path)())
        except LookupError as missing:
            raise CommandError(f"HTTP benchmark: {path}: {missing}") from None
    # Grouped by user, in the order the users first appear.
    first = {}
    for page in found:
        first.setdefault(page.username, len(first))
    return sorted(found, key=lambda page: first[page.username])


def _figure(value: float) -> str:
    return f"{value:.1f}"


def run(out, households: int = 100_000, http_requests: int = REQUESTS, http_clients=CLIENTS) -> None:
    from .demo import DEMO_PASSWORD

    chosen = _pages()
    users = list(dict.fromkeys(page.username for page in chosen))
    started = time.perf_counter()
    rows = []
    bare_runs: dict[int, list[LoadResult]] = collections.defaultdict(list)
    with gunicorn() as server:
        cookies = {username: login(server.base_url, username, DEMO_PASSWORD) for username in users}
        for page in chosen:
            check_page(server.base_url, page, cookies[page.username])
        load(server.base_url, BENCH_BARE_PATH, clients=WORKERS, requests=WARMUP)
        for page in chosen:
            load(server.base_url, page.path, clients=WORKERS, requests=WARMUP, cookies=cookies[page.username])
        out.write(f"http_workers: {WORKERS} workers")
        out.write(f"http_requests_per_run: {http_requests} requests")
        for page in chosen:
            for clients in http_clients:
                # At least one request per client, or fewer than `clients` would ever be in flight.
                requests = max(http_requests, clients)
                # The bare view right before the page, by as many clients: both meet the same machine.
                bare = load(server.base_url, BENCH_BARE_PATH, clients=clients, requests=requests)
                bare_runs[clients].append(bare)
                result = load(server.base_url, page.path, clients=clients, requests=requests,
                              cookies=cookies[page.username])
                name = f"http_{page.name}_c{clients}"
                ratio = result.p95 / bare.p95 if bare.p95 > 0 else math.nan
                out.write(f"{name}_p50: {_figure(result.p50)} ms")
                out.write(f"{name}_p95: {_figure(result.p95)} ms")
                out.write(f"{name}_rps: {_figure(result.rps)} req/s")
                out.write(f"{name}_errors: {result.errors} errors")
                out.write(f"{name}_ratio_p95: {_figure(ratio)} x")
                rows.append((page, clients, result, bare, ratio))
    for clients, runs in bare_runs.items():
        # The bare view's middle run at this number of clients: one noisy run does not move it.
        middle = sorted(runs, key=lambda r: (math.isnan(r.p95), r.p95))[len(runs) // 2]
        out.write(f"http_bare_c{clients}_p50: {_figure(middle.p50)} ms")
        out.write(f"http_bare_c{clients}_p95: {_figure(middle.p95)} ms")
        out.write(f"http_bare_c{clients}_rps: {_figure(middle.rps)} req/s")
        out.write(f"http_bare_c{clients}_errors: {sum(r.errors for r in runs)} errors")
    out.write(f"http_time: {time.perf_counter() - started:.1f} s")
    for line in table(rows, http_requests):
        out.write(line)


def table(rows, http_requests: int) -> list[str]:
    """The figures above as a table, every line a `#` comment so that readers of `name: value` skip it."""
    lines = [
        f"# HTTP: gunicorn relief.wsgi -w {WORKERS}, {http_requests} requests (at least one per client) per page and",
        "# number of clients; p50 and p95 of the pages answered 200, req/s of all requests over the run's time;",
        "# ratio = the page's p95 / the p95 of the bare view (no database, session or template) measured just",
        "# before it on the same server with as many clients",
        f"# {'page':<26} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'errors':>6} "
        f"{'bare p95':>8} {'ratio':>6}",
    ]
    for page, clients, result, bare, ratio in rows:
        lines.append(f"# {page.name:<26} {clients:>7} {_figure(result.p50):>8} {_figure(result.p95):>8} "
                     f"{_figure(result.rps):>7} {result.errors:>6} {_figure(bare.p95):>8} {_figure(ratio):>6}")
    return lines
