"""The audit log's hash chain — 审计链.

Every audit entry (django-auditlog's LogEntry: model writes, and ours from relief.audit) gets one
AuditSeal: its place `seq` in one chain, the previous link's hash and its own, an HMAC-SHA256 (key
RELIEF_AUDIT_KEY) over the previous hash, the place and a canonical form of every field of the entry.
Changing, removing or inserting an entry in the middle breaks the chain at that place, and without the
key nobody can compute the hashes again; `manage.py audit_verify` names the first broken link.

When entries are sealed: as the transaction that wrote them commits (`on_commit`), all of that transaction's
entries in one pass under one lock (PostgreSQL: a transaction-level advisory lock), so a long import never
holds the chain while it works, concurrent commits never fork it, and a bulk write costs four queries
whatever its size. The seal's order is the commit order. An entry whose seal was lost (the process died
between commit and seal) is sealed by the sweep (`seal_pending`, beat task `relief.audit_seal_pending`);
until then it is immutable like any other (the triggers hold from insert) and audit_verify lists it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditArchive, AuditEntryImmutable, AuditQuerySet, AuditSeal

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Every column of LogEntry: a field added by a later django-auditlog must be added here (a test checks).
FIELDS = ("id", "content_type_id", "object_pk", "object_id", "object_repr", "serialized_data", "action",
          "changes_text", "changes", "actor_id", "cid", "remote_addr", "remote_port", "timestamp",
          "additional_data", "actor_email")
JSON_FIELDS = {"serialized_data", "changes", "additional_data"}
# Any number: the advisory lock that serialises sealing on PostgreSQL ("audi" in ASCII).
_LOCK_KEY = 0x61756469
CHUNK = 2000


def audit_key() -> bytes:
    return settings.RELIEF_AUDIT_KEY.encode()


# ---------------------------------------------------------------- canonical form and hash

def _json_value(value):
    # What the database gives back: JSON text parsed again (a tuple becomes a list; PostgreSQL's jsonb
    # reorders keys, hence sort_keys when dumping).
    return None if value is None else json.loads(json.dumps(value))


def canonical(values: dict) -> dict:
    """The entry as the chain sees it, from a model instance's fields or a row read back alike."""
    out = {}
    for name in FIELDS:
        value = values.get(name)
        if name in JSON_FIELDS:
            value = _json_value(value)
        elif name == "timestamp":
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds") if value is not None else None
        elif name == "remote_addr":
            # PostgreSQL's inet writes addresses its own way ("2001:DB8::1" → "2001:db8::1").
            value = ipaddress.ip_address(value).packed.hex() if value else None
        elif name == "object_pk":
            value = "" if value is None else str(value)
        elif value is not None and name in ("id", "content_type_id", "object_id", "action", "actor_id",
                                            "remote_port"):
            value = int(value)
        out[name] = value
    return out


def link_hash(prev_hash: str, seq: int, entry: dict) -> str:
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(audit_key(), f"{prev_hash}\n{seq}\n{body}".encode(), hashlib.sha256).hexdigest()


def _entry_values(entry: LogEntry) -> dict:
    return {name: getattr(entry, name) for name in FIELDS}


# ---------------------------------------------------------------- sealing

def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    # SQLite has one writer at a time: the seal's insert waits for (or fails on) any other.


def chain_head() -> tuple[int, str]:
    """(seq, hash) of the last link, or of the last archived one once every entry was archived."""
    last = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    if last:
        return last
    archived = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    return archived or (0, GENESIS)


def seal(entry_ids) -> int:
    """Seal the given entries that exist and are not sealed yet, in id order; returns how many."""
    entry_ids = sorted(set(entry_ids))
    if not entry_ids:
        return 0
    done = 0
    with transaction.atomic(savepoint=False):
        _lock()
        seq, prev = chain_head()
        for start in range(0, len(entry_ids), CHUNK):
            rows = (LogEntry.objects.filter(pk__in=entry_ids[start:start + CHUNK], audit_seal__isnull=True)
                    .order_by("pk").values(*FIELDS))
            seals = []
            for row in rows:
                seq += 1
                digest = link_hash(prev, seq, canonical(row))
                seals.append(AuditSeal(seq=seq, entry_id=row["id"], prev_hash=prev, hash=digest))
                prev = digest
            AuditSeal.objects.bulk_create(seals)
            done += len(seals)
    return done


def _pending(conn) -> list:
    pending = getattr(conn, "_relief_audit_unsealed", None)
    if pending is None:
        pending = conn._relief_audit_unsealed = []
    return pending


def _seal_scheduled(conn) -> None:
    # Every entry of a transaction registered one of these; the first that runs seals them all (the others
    # find the list empty). Ids of entries rolled back with a savepoint are skipped by seal()'s query.
    pending = _pending(conn)
    ids, pending[:] = list(pending), []
    if ids:
        try:
            seal(ids)
        except Exception:  # the write has committed: never fail it now; the sweep seals these later
            log.exception("audit entries %s left unsealed for the sweep", ids[:10])


class _Seal:
    """The on-commit callback that seals a transaction's entries (one per transaction)."""

    relief_audit_seal = True

    def __init__(self, conn):
        self.conn, self.ran = conn, False

    def __call__(self):
        self.ran = True
        _seal_scheduled(self.conn)


def forget_pending(conn) -> None:
    """Leave the entries this transaction has written so far out of the chain's next seal (a test whose own
    transaction never commits seals only the entries it writes next)."""
    _pending(conn).clear()
    for _sids, func, *_rest in getattr(conn, "run_on_commit", []):
        if isinstance(func, _Seal):
            func.ran = True


def _ours_waiting(conn) -> bool:
    return any(isinstance(func, _Seal) and not func.ran for _sids, func, *_rest in getattr(conn, "run_on_commit", []))


def schedule(entry_ids) -> None:
    """Seal these entries when the current transaction commits (at once outside a transaction)."""
    pending = _pending(connection)
    if not _ours_waiting(connection):
        # No seal of ours waits in this transaction: what the list holds was rolled back (with its
        # transaction or a savepoint, whose callbacks Django dropped), so it has nothing to seal.
        pending.clear()
    pending.extend(entry_ids)
    transaction.on_commit(_Seal(connection))


def entry_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save receiver of LogEntry."""
    if created and not raw:
        schedule([instance.pk])


def seal_pending(*, since: dt.datetime | None = None) -> int:
    """The sweep: seal every entry left unsealed (since a moment, by default the last two days)."""
    since = since or timezone.now() - dt.timedelta(days=2)
    ids = list(LogEntry.objects.filter(timestamp__gte=since, audit_seal__isnull=True).values_list("pk", flat=True))
    return seal(ids)


# ---------------------------------------------------------------- verifying

@dataclass
class Break:
    seq: int
    entry_id: int | None
    reason: str

    def __str__(self):
        entry = f"审计记录 #{self.entry_id}" if self.entry_id else "记录"
        return f"第 {self.seq} 环（{entry}）：{self.reason}"


@dataclass
class Report:
    checked: int
    first_seq: int | None
    last_seq: int | None
    broken: Break | None
    unsealed: int
    oldest_unsealed: tuple[int, dt.datetime] | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(*, chunk: int = CHUNK) -> Report:
    """Walk the whole chain in order; stop at the first broken link."""
    archived = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    expected_seq, prev = (archived[0] + 1, archived[1]) if archived else (1, GENESIS)
    first_seq = last_seq = None
    checked = 0
    broken = None
    after = expected_seq - 1
    while broken is None:
        seals = list(AuditSeal.objects.filter(seq__gt=after).order_by("seq")[:chunk])
        if not seals:
            break
        entries = LogEntry.objects.filter(pk__in=[s.entry_id for s in seals]).values(*FIELDS)
        by_id = {row["id"]: row for row in entries}
        for link in seals:
            first_seq = link.seq if first_seq is None else first_seq
            if link.seq != expected_seq:
                broken = Break(expected_seq, None, f"缺少这一环（下一环是第 {link.seq} 环）")
            elif link.prev_hash != prev:
                broken = Break(link.seq, link.entry_id, "记录的上一环印记与上一环不符（链被改动或截断）")
            elif link.entry_id not in by_id:
                broken = Break(link.seq, link.entry_id, "记录已不存在（被删除）")
            elif link_hash(prev, link.seq, canonical(by_id[link.entry_id])) != link.hash:
                broken = Break(link.seq, link.entry_id, "记录内容与印记不符（被修改）")
            if broken is not None:
                break
            checked += 1
            last_seq = link.seq
            prev = link.hash
            expected_seq += 1
        after = seals[-1].seq
    unsealed = LogEntry.objects.filter(audit_seal__isnull=True)
    oldest = unsealed.order_by("pk").values_list("pk", "timestamp").first()
    return Report(checked, first_seq, last_seq, broken, unsealed.count(), oldest)


# ---------------------------------------------------------------- the ORM refuses too

def _refuse_change(sender, instance, raw=False, **kwargs) -> None:
    if not instance._state.adding and not raw:
        raise AuditEntryImmutable(_("审计记录不可修改。"))


def _refuse_delete(sender, instance, **kwargs) -> None:
    raise AuditEntryImmutable(_("审计记录不可删除，超过保存期限的记录只能归档。"))


def _refuse_deleting_an_actor(sender, instance, **kwargs) -> None:
    # Entries name their actor by a SET_NULL key: deleting the user would rewrite their entries, which
    # the database refuses. Say why in words; the account is deactivated instead (is_active off).
    if LogEntry.objects.filter(actor_id=instance.pk).exists():
        raise AuditEntryImmutable(
            _("账号“%(user)s”有审计记录，不能删除；请停用该账号（取消“有效”）。") % {"user": instance})


def install_guards() -> None:
    """From ReliefConfig.ready: saving an existing entry, deleting one, or a queryset update/delete of
    LogEntry raises AuditEntryImmutable; new entries are sealed when their transaction commits."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save, pre_delete, pre_save

    # django-auditlog's own manager builds its querysets from this class attribute.
    type(LogEntry.objects)._queryset_class = AuditQuerySet
    for model in (LogEntry, AuditSeal, AuditArchive):
        pre_save.connect(_refuse_change, sender=model, dispatch_uid=f"relief-audit-no-change-{model.__name__}")
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"relief-audit-no-delete-{model.__name__}")
    post_save.connect(entry_saved, sender=LogEntry, dispatch_uid="relief-audit-seal")
    pre_delete.connect(_refuse_deleting_an_actor, sender=get_user_model(), dispatch_uid="relief-audit-actor")
