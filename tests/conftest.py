"""Shared fixtures: the demo district, staff of every role, a real Celery worker, the browser."""
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.queries import app_queries

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
REQUIRE_ALL = os.environ.get("RELIEF_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str):
    """Skip with a clear reason on a developer machine; in CI (RELIEF_REQUIRE_ALL=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (RELIEF_REQUIRE_ALL=1: nothing may be skipped in CI)")
    pytest.skip(reason)


def pytest_configure(config):
    from django.conf import settings

    # Hashing speed is not under test; demo accounts are created in many tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The processes of one run (pytest-xdist) share a Redis: each keeps its cache apart, and so do the Celery
    # workers and servers it starts, which inherit the environment. Set before anything opens the cache.
    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    os.environ["RELIEF_CACHE_KEY_PREFIX"] = prefix
    settings.CACHES["default"]["KEY_PREFIX"] = prefix
    from tests.template_checks import install

    install()


@pytest.fixture(autouse=True)
def _the_site_language_after_each_test():
    """A request in English leaves English active in this thread (LocaleMiddleware activates the reader's
    language and nothing deactivates it after the test client's request): put the language back, or the tests
    that run next in this process would write their data in English."""
    from django.conf import settings
    from django.utils import translation

    before = translation.get_language()
    yield
    translation.activate(before or settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_eager_by_default(settings):
    """Tasks run in-process in ordinary tests; the `celery_worker` fixture switches to the broker."""
    from relief.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _dashboard_numbers_of_its_own(settings):
    """Numbers the dashboard keeps (ledgers.counts) outlive a test: in Redis, or in the database cache table
    once a live-server test has committed them. Each test gets a data-version stamp of its own, so none reads
    numbers another test counted (relief.data_version)."""
    settings.RELIEF_DATA_VERSION_KEY = f"relief:data_version:test-{uuid.uuid4().hex}"
    yield


@contextmanager
def _assert_app_queries(config, num: int, exact: bool = True, info: str | None = None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        yield context
    done = app_queries(context.captured_queries)
    if (len(done) != num) if exact else (len(done) > num):
        msg = f"Expected to perform {num} queries {'' if exact else 'or less '}but {len(done)} were done"
        if info:
            msg += f"\n{info}"
        if config.getoption("verbose") > 0:
            msg += "\n\nQueries:\n========\n\n" + "\n\n".join(done)
        pytest.fail(msg)


@pytest.fixture
def django_assert_num_queries(pytestconfig):
    """pytest-django's fixture, counting only the app's own queries (app_queries)."""
    return partial(_assert_app_queries, pytestconfig)


@pytest.fixture
def django_assert_max_num_queries(pytestconfig):
    return partial(_assert_app_queries, pytestconfig, exact=False)


# Rows that data migrations put in place. A transactional test (live server, real worker) ends with a
# flush that empties every table, so later tests would find them missing; put them back first.
REFERENCE_DATA = [
    ("households.migrations.0002_focus_reason_tags", "add_tags"),
    ("alerts.default_rules", "add_rules"),
]


def _flushed_after(request) -> bool:
    """A live-server or real-worker test commits, and its database is emptied by a flush when it ends."""
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _reference_rows_after_flush(request):
    if not _flushed_after(request):
        yield
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)
    yield


_DEMO_USERNAMES: list[str] = []


@pytest.fixture
def demo(db, request):
    """The demo district (长宁区, three streets, twelve communities) and one account per role. Built once
    per session and replayed into each test after that (tests/snapshots.py)."""
    from relief.demo import load_demo_district
    from relief.models import Jurisdiction, JurisdictionLevel, User
    from tests.snapshots import replayed

    def load():
        _DEMO_USERNAMES[:] = [u.username for u in load_demo_district()]

    replayed("demo", load, may_record=not _flushed_after(request))
    users = {u.username: u for u in User.objects.filter(username__in=_DEMO_USERNAMES).order_by("pk")}
    by_code = {j.code: j for j in Jurisdiction.objects.all()}
    townships = list(Jurisdiction.objects.filter(level=JurisdictionLevel.TOWNSHIP).order_by("code"))
    villages = list(Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE).order_by("code"))
    return SimpleNamespace(
        users=users,
        district=by_code["310105000000"],
        townships=townships,
        villages=villages,
        by_code=by_code,
        # Convenient names: village A and B lie in township 1, village C in township 2.
        village_a=by_code["310105001001"],
        village_b=by_code["310105001002"],
        village_c=by_code["310105002002"],
        caseworker_a=users["caseworker1"],
        caseworker_b=users["caseworker2"],
        caseworker_c=users["caseworker5"],
        township1=users["township1"],
        township2=users["township2"],
        district_official=users["district"],
        admin=users["admin"],
        # 三员分立: the accounts are the security administrator's, the audit log the audit administrator's.
        security=users["security"],
        auditor=users["auditor"],
    )


@pytest.fixture(scope="module")
def full_demo(django_db_setup, django_db_blocker):
    """The demo district exactly as `make run` loads it, once for a module, inside a transaction that is
    rolled back after it; each test runs in a savepoint of its own within it."""
    from django.db import transaction

    from tests.demo_district import replayed_full_demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo = replayed_full_demo()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield demo
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def make_staff(db):
    from relief.services import staff_create

    def make(role, jurisdiction, username=None, **extra):
        return staff_create(actor=None, username=username or f"u{uuid.uuid4().hex[:8]}", password="pw-Test-123",
                            role=role, jurisdiction=jurisdiction, **extra)

    return make


# ---------------------------------------------------------------- real Celery worker through Redis
def _worker_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def start_celery_worker(*, broker_url: str, queue: str, database_url: str, log_path: Path, env_extra=None):
    """A `celery worker` subprocess (solo pool: the task runs in the process itself, so killing it kills
    the task) on the given broker and queue, on the test database."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker_url, "CELERY_QUEUE": queue,
           "AXES_ENABLED": "0", **(env_extra or {})}
    celery = str(Path(sys.executable).with_name("celery"))
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [celery, "-A", "relief", "worker", "-c", "1", "-P", "solo", "-Q", queue, "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "info"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    proc.log_file = log
    proc.log_path = log_path
    return proc


def stop_celery_worker(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log_file.close()


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set: the real Celery worker test needs Redis")
    queue = f"relief-test-{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        database_url = _worker_database_url()
    proc = start_celery_worker(broker_url=redis_url, queue=queue, database_url=database_url,
                               log_path=Path(os.environ.get("RELIEF_VAR_DIR", "var")) / f"{queue}.log")
    from relief.celery import app, ping

    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert ping.apply_async(args=["ready"], queue=queue).get(timeout=5) == "pong:ready"
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Celery worker did not start; see {proc.log_path}")
        yield SimpleNamespace(queue=queue, process=proc)
    finally:
        stop_celery_worker(proc)


@pytest.fixture
def celery_worker(_celery_worker_process, transactional_db):
    """A real worker consuming from Redis, on the test database; tasks go through the broker."""
    from relief.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = _celery_worker_process.queue
    yield _celery_worker_process
    app.conf.task_always_eager = True


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_app_at_broker(url: str) -> None:
    """Make this process publish to another broker (the app keeps a connection pool per broker)."""
    from relief.celery import app

    # Only forget the pool: kombu keeps one per broker in a registry, and this process goes back to it.
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app.conf.broker_url = url


@pytest.fixture
def private_redis():
    """A Redis server of the test's own, which it may stop and start again (the shared one on 6379 is
    used by everyone else's tests and is never stopped). Not started until the test says so."""
    import shutil

    binary = shutil.which("redis-server")
    if not binary:
        skip_or_fail("redis-server is not installed: the broker fault tests start a Redis of their own")
    port = _free_port()
    server = SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", proc=None)

    def start():
        import redis

        server.proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                        "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the test's own redis-server did not start")
                time.sleep(0.1)

    def stop():
        if server.proc is not None and server.proc.poll() is None:
            server.proc.terminate()
            server.proc.wait(timeout=10)
        server.proc = None

    server.start, server.stop = start, stop
    yield server
    stop()


@pytest.fixture
def worker_factory(transactional_db, settings):
    """Start (and kill) real workers on a broker of the test's choosing, on the test database; this
    process publishes to that broker too. Workers and this process share `RELIEF_JOB_STALE_SECONDS`."""
    from relief.celery import app

    queue = f"relief-fault-{uuid.uuid4().hex[:10]}"
    started = []
    database_url = _worker_database_url()
    previous_broker = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue

    def start(broker_url: str, name: str = "w"):
        proc = start_celery_worker(
            broker_url=broker_url, queue=queue, database_url=database_url,
            log_path=Path(os.environ.get("RELIEF_VAR_DIR", "var")) / f"{queue}-{name}.log",
            env_extra={"RELIEF_JOB_STALE_SECONDS": str(settings.RELIEF_JOB_STALE_SECONDS)})
        started.append(proc)
        return proc

    def log_of(proc) -> str:
        proc.log_file.flush()
        return Path(proc.log_path).read_text(errors="replace")

    yield SimpleNamespace(start=start, queue=queue, log_of=log_of, point_at=point_app_at_broker)
    for proc in started:
        stop_celery_worker(proc)
    point_app_at_broker(previous_broker)
    app.conf.task_always_eager = True


# ---------------------------------------------------------------- browser (Playwright + Debian Chromium)
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium for the browser tests")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone: 360 px wide, Chinese locale, Shanghai time."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 760}, "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai", "is_mobile": True, "has_touch": True}


def next_demo_code(username: str) -> str:
    from relief.demo import next_demo_code as code

    return code(username)


@pytest.fixture
def browser_login(page, live_server):
    """Log a user in through the real login form; returns the page."""
    from relief.demo import DEMO_PASSWORD

    def login(username, password=DEMO_PASSWORD):
        # Until the network is idle: a response still on its way from the page before (the offline worker's
        # downloads) may set a CSRF cookie of its own after this form was drawn.
        page.goto(f"{live_server.url}/accounts/login/", wait_until="networkidle")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        # A test that cleared the cookies mid-journey may still get a response of the page before, which sets a
        # new CSRF cookie after this form was drawn (the offline worker's downloads are not network the page
        # waits for): the form sends the cookie's own secret, which Django accepts, whichever came last.
        from django.conf import settings

        token = next((c["value"] for c in page.context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME), None)
        if token:
            page.evaluate("t => document.querySelectorAll('input[name=csrfmiddlewaretoken]')"
                          ".forEach(i => { i.value = t; })", token)
        page.press("#id_password", "Enter")  # the header's language switch is a submit button too
        page.wait_for_load_state()
        if page.url.startswith(f"{live_server.url}/accounts/otp/") and "/enrol/" not in page.url:
            # The demo accounts' second factor (relief/demo.py): the code their authenticator app would show.
            page.fill("#id_code", next_demo_code(username))
            page.click("main button[type=submit]")  # not the top bar's 退出
            page.wait_for_load_state()
        return page

    return login

