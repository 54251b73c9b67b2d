"""Background jobs whose database row is the truth and the broker only a doorbell.

A job (an import's dry run, an import, a ledger export) is a row with a status, a `claim` (the run
holding it, empty while it waits), a `heartbeat_at` (its last sign of life) and an `attempts` count.

- `enqueue` rings the doorbell after commit and never fails the request: with the broker down the row
  simply waits.
- A worker `claim`s the row with a conditional UPDATE, so two deliveries of the same doorbell never run
  the job twice at once; the `JobRun` it gets back beats between chunks, and a beat that finds the row
  no longer held by this run (cancelled, or taken over after its heartbeat went stale) raises
  `JobStopped`, so the run stops and writes nothing more.
- `reconcile` (at worker start and every few minutes from beat) rings again for rows that wait, and
  puts back in the queue rows whose worker stopped beating (killed, machine gone).
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

DEFAULT_STALE_SECONDS = 150
DEFAULT_MAX_ATTEMPTS = 3
BEAT_EVERY_SECONDS = 1.0

TIMED_OUT = _("处理超时，已停止，未保存任何结果。请缩小范围后重试，或联系系统管理员。")
GAVE_UP = _("后台处理多次中断，已停止。请重新提交，或联系系统管理员。")


class JobStopped(Exception):
    """The row is no longer held by this run (cancelled, or handed to another worker): stop now."""


@dataclass(frozen=True)
class JobKind:
    """One kind of background job: the model, the status a row waits in, the status while a worker holds
    it (the same for a job with no separate waiting state), the task that runs it and what a row that
    gave up says."""

    name: str
    model: type
    waiting: str
    running: str
    task: object
    failed: str
    message_field: str

    def ring(self, pk) -> bool:
        return ring(self.task, pk)


def stale_after() -> timedelta:
    """A running job whose heartbeat is older than this is taken to have lost its worker."""
    return timedelta(seconds=float(getattr(settings, "RELIEF_JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS)))


def max_attempts() -> int:
    return int(getattr(settings, "RELIEF_JOB_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def job_kinds() -> list[JobKind]:
    kinds = []
    for path in getattr(settings, "RELIEF_JOB_KINDS", []):
        kinds.extend(import_string(path))
    return kinds


# ---------------------------------------------------------------- the doorbell
def broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    errors: list[type[BaseException]] = [OperationalError, OSError]
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a requirement, but the doorbell must not need it
        pass
    return tuple(errors)


def ring(task, *args) -> bool:
    """Send the task now; a broker outage is logged and answered False, never raised."""
    try:
        task.apply_async(args=args)
    except broker_errors():
        log.warning("broker unavailable: %s%r waits for the reconciler", task.name, args, exc_info=True)
        return False
    return True


def enqueue(task, *args) -> None:
    """Ring once the current transaction commits: the row exists before any worker can look for it."""
    transaction.on_commit(lambda: ring(task, *args))


# ---------------------------------------------------------------- a worker's hold on a row
def claim(kind: JobKind, pk) -> JobRun | None:
    """Take the waiting row for this run, or None when it is not waiting (done, cancelled, held)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = kind.model.objects.filter(pk=pk, status=kind.waiting, claim="").update(
        status=kind.running, claim=token, heartbeat_at=now, attempts=F("attempts") + 1)
    if not taken:
        return None
    return JobRun(kind, pk, token)


class JobRun:
    """This run's hold on a job row. `beat()` between chunks; `outside_transaction=True` for a run that
    works inside one long transaction, so its beats are seen by others (through a connection of its own)."""

    def __init__(self, kind: JobKind, pk, token: str):
        self.kind, self.pk, self.token = kind, pk, token
        self._last = time.monotonic()
        self._side = None
        self.outside_transaction = False

    def held(self):
        return self.kind.model.objects.filter(pk=self.pk, status=self.kind.running, claim=self.token)

    def beat(self, *, force: bool = False) -> None:
        """Record a sign of life (at most once a second) and stop if the row is no longer ours."""
        if not force and time.monotonic() - self._last < BEAT_EVERY_SECONDS:
            return
        self._last = time.monotonic()
        if self.outside_transaction:
            self._beat_outside()
            return
        if not self.held().update(heartbeat_at=timezone.now()):
            raise JobStopped(self.pk)

    def _beat_outside(self) -> None:
        meta = self.kind.model._meta
        side = self._side_connection()
        table, pk_column = meta.db_table, meta.pk.column
        quote = side.ops.quote_name
        try:
            with side.cursor() as cursor:
                cursor.execute(f"SELECT {quote('status')}, {quote('claim')} FROM {quote(table)} "
                               f"WHERE {quote(pk_column)} = %s", [meta.pk.get_db_prep_value(self.pk, side)])
                row = cursor.fetchone()
                if row is None:
                    # The row's own creation is not committed (a test's transaction): nobody else can have
                    # cancelled or taken it.
                    return
                if tuple(row) != (self.kind.running, self.token):
                    raise JobStopped(self.pk)
                cursor.execute(f"UPDATE {quote(table)} SET {quote('heartbeat_at')} = %s "
                               f"WHERE {quote(pk_column)} = %s AND {quote('claim')} = %s",
                               [side.ops.adapt_datetimefield_value(timezone.now()),
                                meta.pk.get_db_prep_value(self.pk, side), self.token])
        except JobStopped:
            raise
        except Exception:  # a missed beat is not an error: SQLite lets one writer at a time
            log.info("heartbeat of %s %s skipped", self.kind.name, self.pk, exc_info=True)

    def _side_connection(self):
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            if self._side.vendor == "sqlite":
                self._side.ensure_connection()
                self._side.connection.execute("PRAGMA busy_timeout = 200")
        return self._side

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def fail(kind: JobKind, pk, message: str, *, token: str | None = None, **fields) -> bool:
    """Mark a job failed with a message the user can read (only while it is still waiting or held)."""
    qs = kind.model.objects.filter(pk=pk, status__in=[kind.waiting, kind.running])
    if token:
        qs = qs.filter(claim=token)
    return bool(qs.update(status=kind.failed, claim="", finished_at=timezone.now(),
                          **{kind.message_field: str(message)[:300]}, **fields))


# ---------------------------------------------------------------- the reconciler
def reconcile(*, at_start: bool = False, now=None) -> dict[str, int]:
    """Ring again for waiting rows, and put back rows whose worker stopped beating. Returns counts.

    At worker start every waiting row is rung (its doorbell may have been lost with the broker);
    from beat, only those that have waited a whole stale period, so a queue busy with a long job does
    not fill with repeated doorbells (a repeated one is harmless: the claim lets one run through).
    """
    now = now or timezone.now()
    stale = now - stale_after()
    counts = {}
    for kind in job_kinds():
        model = kind.model
        dead = model.objects.filter(status=kind.running, heartbeat_at__lt=stale).exclude(claim="")
        dead = dead | model.objects.filter(status=kind.running, heartbeat_at__isnull=True).exclude(claim="")
        restarted = 0
        for pk, attempts in dead.values_list("pk", "attempts"):
            if attempts >= max_attempts():
                fail(kind, pk, GAVE_UP)
                continue
            restarted += model.objects.filter(pk=pk, status=kind.running).filter(
                Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)).exclude(claim="").update(
                status=kind.waiting, claim="", heartbeat_at=now)
        waiting = model.objects.filter(status=kind.waiting, claim="")
        if not at_start:
            waiting = waiting.filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True) | Q(heartbeat_at=now))
        rung = 0
        for pk in waiting.values_list("pk", flat=True):
            # The ring counts as a sign of life: the next pass waits a stale period before ringing again.
            model.objects.filter(pk=pk, status=kind.waiting, claim="").update(heartbeat_at=now)
            rung += kind.ring(pk if isinstance(pk, int) else str(pk))
        counts[kind.name] = restarted + rung
        if restarted or rung:
            log.warning("reconciler: %s restarted %d, rang %d", kind.name, restarted, rung)
    return counts
