"""Keeping the audit log six months and archiving what is older — 审计记录留存与归档.

Entries are kept at least RELIEF_AUDIT_RETENTION_DAYS (default and minimum 180, the Cybersecurity Law's six
months; a lower value fails the system check and the archive refuses to run). Older ones are written, in
chain order, to a signed file in RELIEF_AUDIT_ARCHIVE_DIR (never the system temp folder), the file is read
back and verified, and only then are they removed — in one transaction with the AuditArchive row that
names the file, through the one gate the database triggers open for rows of that archive older than 180
days (relief/audit_triggers.py). The next entry's seal still names the last archived hash, so the chain
verifies across the cut (audit_verify), and `audit_verify --archive FILE` verifies a file on its own.

The file (JSON lines, UTF-8): a header {"format", "first_seq", "last_seq", "prev_hash", "last_hash",
"entries", "cutoff", "created"}, one line per link {"seq", "prev_hash", "hash", "entry": canonical form},
and a last line {"hmac": HMAC-SHA256 with RELIEF_AUDIT_KEY of every byte before it}.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditlog.models import LogEntry
from django.conf import settings
from django.core import checks
from django.db import connection, transaction
from django.utils import timezone

from . import audit_chain
from .audit_triggers import RETENTION_FLOOR_DAYS, gate_open
from .models import AuditArchive, AuditSeal

FORMAT = "relief-audit-archive/1"
MAX_ENTRIES_PER_FILE = 200_000


class ArchiveError(Exception):
    pass


def retention_days() -> int:
    return int(settings.RELIEF_AUDIT_RETENTION_DAYS)


def archive_dir() -> Path:
    return Path(settings.RELIEF_AUDIT_ARCHIVE_DIR)


def _in_system_temp(path: Path) -> bool:
    temp = Path(tempfile.gettempdir()).resolve()
    resolved = path.resolve()
    return resolved == temp or temp in resolved.parents


def check_settings(app_configs=None, **kwargs):
    """System check (every manage.py command, the server's start): retention and archive folder."""
    errors = []
    try:
        days = retention_days()
    except (TypeError, ValueError):
        days = None
    if days is None or days < RETENTION_FLOOR_DAYS:
        errors.append(checks.Error(
            f"RELIEF_AUDIT_RETENTION_DAYS={settings.RELIEF_AUDIT_RETENTION_DAYS!r}: 审计记录至少保存 "
            f"{RETENTION_FLOOR_DAYS} 天（《网络安全法》第二十一条：不少于六个月）。",
            hint=f"Set RELIEF_AUDIT_RETENTION_DAYS to {RETENTION_FLOOR_DAYS} or more.", id="relief.E101"))
    if _in_system_temp(archive_dir()):
        # A warning, not an error: a throw-away var/ folder under /tmp (tests, trials) must still start; the
        # archive itself refuses to write there.
        errors.append(checks.Warning(
            f"RELIEF_AUDIT_ARCHIVE_DIR={archive_dir()}: 审计归档不能放在系统临时目录，归档将拒绝运行。",
            hint="Choose a folder the deployment backs up, e.g. var/audit-archive.", id="relief.W102"))
    if settings.PRODUCTION and not os.environ.get("RELIEF_AUDIT_KEY"):
        errors.append(checks.Warning(
            "RELIEF_AUDIT_KEY is not set: the audit chain and archives are keyed from SECRET_KEY, so changing "
            "SECRET_KEY would make them unverifiable.", id="relief.W103"))
    return errors


def check_triggers(app_configs=None, databases=None, **kwargs):
    """`check --database default`: the audit tables' triggers are in place."""
    if not databases or "default" not in databases:
        return []
    from .audit_triggers import triggers_missing

    if "relief_auditseal" not in connection.introspection.table_names():
        return []  # not migrated yet: `migrate` checks before it runs, and relief 0003 installs them
    missing = triggers_missing()
    if missing:
        return [checks.Error(f"审计表缺少防篡改触发器：{', '.join(missing)}",
                             hint="Run `manage.py migrate relief`; a migration that rebuilt the table on SQLite "
                                  "dropped them (relief.audit_triggers.install re-creates them).",
                             id="relief.E104")]
    return []


# ---------------------------------------------------------------- writing an archive

def _sign(body: bytes) -> str:
    return hmac.new(audit_chain.audit_key(), body, hashlib.sha256).hexdigest()


def _line(value: dict) -> bytes:
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass
class ArchiveResult:
    archive: AuditArchive | None
    path: Path | None
    entries: int


def _links_to_archive(cutoff: dt.datetime, limit: int) -> list[tuple[AuditSeal, dict]]:
    """The chain's oldest links whose entries are all older than the cutoff, verified as they are read."""
    seq, prev = None, None
    archived = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    seq, prev = (archived[0], archived[1]) if archived else (0, audit_chain.GENESIS)
    links = []
    after = seq
    while len(links) < limit:
        seals = list(AuditSeal.objects.filter(seq__gt=after).order_by("seq")[:audit_chain.CHUNK])
        if not seals:
            break
        rows = {row["id"]: row for row in
                LogEntry.objects.filter(pk__in=[s.entry_id for s in seals]).values(*audit_chain.FIELDS)}
        for link in seals:
            row = rows.get(link.entry_id)
            if row is None or row["timestamp"] >= cutoff or len(links) >= limit:
                return links
            entry = audit_chain.canonical(row)
            if (link.seq != seq + 1 or link.prev_hash != prev
                    or audit_chain.link_hash(prev, link.seq, entry) != link.hash):
                raise ArchiveError(f"审计链在第 {link.seq} 环断开，不能归档；请先运行 audit_verify 查明。")
            links.append((link, entry))
            seq, prev = link.seq, link.hash
        after = seals[-1].seq
    return links


def _write_file(links, cutoff: dt.datetime) -> tuple[Path, str]:
    first, last = links[0][0], links[-1][0]
    folder = archive_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"audit-{first.seq:012d}-{last.seq:012d}.jsonl"
    header = {"format": FORMAT, "first_seq": first.seq, "last_seq": last.seq, "prev_hash": first.prev_hash,
              "last_hash": last.hash, "entries": len(links), "cutoff": cutoff.isoformat(),
              "created": timezone.now().isoformat()}
    partial = path.with_suffix(".partial")
    mac = hmac.new(audit_chain.audit_key(), digestmod=hashlib.sha256)
    with open(partial, "wb") as handle:
        for data in [_line(header)] + [_line({"seq": link.seq, "prev_hash": link.prev_hash, "hash": link.hash,
                                              "entry": entry}) for link, entry in links]:
            mac.update(data)
            handle.write(data)
        signature = mac.hexdigest()
        handle.write(_line({"hmac": signature}))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path, signature


def archive_old_entries(*, now: dt.datetime | None = None, limit: int = MAX_ENTRIES_PER_FILE) -> ArchiveResult:
    """Archive entries older than the retention period into one signed file (at most `limit` of them), then
    remove them. Nothing older: nothing written. Call again for the rest (the command and the task loop)."""
    days = retention_days()
    if days < RETENTION_FLOOR_DAYS:
        raise ArchiveError(f"RELIEF_AUDIT_RETENTION_DAYS={days}：审计记录至少保存 {RETENTION_FLOOR_DAYS} 天。")
    if _in_system_temp(archive_dir()):
        raise ArchiveError(f"RELIEF_AUDIT_ARCHIVE_DIR={archive_dir()}：审计归档不能放在系统临时目录。")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    links = _links_to_archive(cutoff, limit)
    if not links:
        return ArchiveResult(None, None, 0)
    path, signature = _write_file(links, cutoff)
    report = verify_file(path)  # what was written is read back before anything is removed
    if not report.ok:
        raise ArchiveError(f"归档文件 {path} 写入后校验失败：{report.problem}")
    first, last = links[0][0], links[-1][0]
    with transaction.atomic():
        archive = AuditArchive.objects.create(
            cutoff=cutoff, first_seq=first.seq, last_seq=last.seq, prev_hash=first.prev_hash,
            last_hash=last.hash, entries=len(links), file_name=path.name, signature=signature)
        entry_ids = [link.entry_id for link, _entry in links]
        with gate_open(f"archive:{archive.pk}"), connection.cursor() as cursor:
            for start in range(0, len(entry_ids), audit_chain.CHUNK):
                chunk = entry_ids[start:start + audit_chain.CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM auditlog_logentry WHERE id IN ({marks})", chunk)
            cursor.execute("DELETE FROM relief_auditseal WHERE seq BETWEEN %s AND %s", [first.seq, last.seq])
    return ArchiveResult(archive, path, len(links))


def archive_all(*, now: dt.datetime | None = None) -> list[ArchiveResult]:
    results = []
    while True:
        result = archive_old_entries(now=now)
        if not result.entries:
            return results
        results.append(result)


# ---------------------------------------------------------------- verifying a file

@dataclass
class FileReport:
    ok: bool
    problem: str = ""
    header: dict | None = None
    entries: int = 0
    recorded: bool = False  # an AuditArchive row names this file with this signature


def verify_file(path: Path) -> FileReport:
    """The file's signature, its chain link by link, its header, and whether the database recorded it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return FileReport(False, f"无法读取：{exc}")
    lines = raw.splitlines(keepends=True)
    if len(lines) < 3:
        return FileReport(False, "文件不完整")
    body = b"".join(lines[:-1])
    try:
        signature = json.loads(lines[-1])["hmac"]
        header = json.loads(lines[0])
    except (ValueError, KeyError, TypeError):
        return FileReport(False, "文件格式不对（缺少签名或文件头）")
    if not hmac.compare_digest(_sign(body), str(signature)):
        return FileReport(False, "签名不符：文件被改动，或不是用本系统的审计密钥签名的", header)
    if header.get("format") != FORMAT:
        return FileReport(False, f"未知的归档格式 {header.get('format')!r}", header)
    prev, seq = header["prev_hash"], header["first_seq"] - 1
    count = 0
    for number, line in enumerate(lines[1:-1], start=2):
        link = json.loads(line)
        if link["seq"] != seq + 1 or link["prev_hash"] != prev:
            return FileReport(False, f"第 {number} 行（第 {link['seq']} 环）与上一环不衔接", header, count)
        if audit_chain.link_hash(prev, link["seq"], link["entry"]) != link["hash"]:
            return FileReport(False, f"第 {number} 行（第 {link['seq']} 环）内容与印记不符", header, count)
        prev, seq, count = link["hash"], link["seq"], count + 1
    if (seq, prev, count) != (header["last_seq"], header["last_hash"], header["entries"]):
        return FileReport(False, "文件头与内容不符", header, count)
    recorded = AuditArchive.objects.filter(file_name=Path(path).name, signature=signature,
                                           first_seq=header["first_seq"], last_seq=header["last_seq"]).exists()
    return FileReport(True, "", header, count, recorded)
