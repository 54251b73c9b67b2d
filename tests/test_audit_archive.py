"""Entries are kept at least 180 days, then archived to a signed file and removed through the one path the
database allows; never silently dropped (issue 19)."""
import datetime as dt
import json
import shutil
import uuid
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from relief import audit_archive, audit_chain
from relief.audit import AuditEvent, audit_record
from relief.audit_triggers import gate_open
from relief.models import AuditArchive, AuditSeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive_dir(settings, monkeypatch):
    # Under var/, never the system temp folder (the archive refuses that: the test below proves it). A checkout
    # may itself lie under /tmp (a CI clone): its var/ then stands for the deployment's backed-up folder.
    folder = django_settings.VAR_DIR / f"test-audit-archive-{uuid.uuid4().hex[:8]}"
    settings.RELIEF_AUDIT_ARCHIVE_DIR = folder
    checkout = django_settings.VAR_DIR.resolve().parent
    real = audit_archive._in_system_temp
    monkeypatch.setattr(audit_archive, "_in_system_temp",
                        lambda path: real(path) and checkout not in Path(path).resolve().parents)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _entries_aged(django_capture_on_commit_callbacks, ages):
    """Entries written `ages` days ago, sealed in that order (the demo's own entries stay unsealed: the
    test's transaction never commits, so they are not in the chain)."""
    content_type = ContentType.objects.get_for_model(LogEntry)
    # The demo's entries wait for a commit the test never makes; leave them out of the chain.
    audit_chain.forget_pending(connection)
    with django_capture_on_commit_callbacks(execute=True):
        entries = LogEntry.objects.bulk_create([
            LogEntry(content_type=content_type, object_pk="", object_repr=f"{age} 天前", action=LogEntry.Action.ACCESS,
                     timestamp=timezone.now() - dt.timedelta(days=age), additional_data={"event": "export"})
            for age in ages])
        audit_chain.schedule([e.pk for e in entries])
    return entries


def test_retention_below_180_days_fails_the_startup_check(settings, archive_dir):
    settings.RELIEF_AUDIT_RETENTION_DAYS = 179
    errors = audit_archive.check_settings()
    assert [e.id for e in errors] == ["relief.E101"] and "180" in errors[0].msg
    with pytest.raises(audit_archive.ArchiveError):
        audit_archive.archive_old_entries()
    settings.RELIEF_AUDIT_RETENTION_DAYS = 365
    assert audit_archive.check_settings() == []


def test_the_archive_folder_is_never_the_system_temp_folder(settings, tmp_path):
    settings.RELIEF_AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    assert [e.id for e in audit_archive.check_settings()] == ["relief.W102"]
    with pytest.raises(audit_archive.ArchiveError):
        audit_archive.archive_old_entries()


def test_old_entries_go_to_a_signed_file_then_leave_the_table(demo, archive_dir, django_capture_on_commit_callbacks,
                                                              capsys):
    old = _entries_aged(django_capture_on_commit_callbacks, [400, 300, 200])
    recent = _entries_aged(django_capture_on_commit_callbacks, [100, 1])
    assert audit_chain.verify().ok
    sealed_before = AuditSeal.objects.count()

    call_command("audit_archive")
    assert "已归档" in capsys.readouterr().out
    archive = AuditArchive.objects.get()
    path = archive_dir / archive.file_name
    assert path.exists()
    assert (archive.entries, archive.first_seq) == (3, AuditSeal.objects.order_by("seq").first().seq - 3)
    remaining = set(LogEntry.objects.values_list("pk", flat=True))
    assert not remaining & {e.pk for e in old}
    assert {e.pk for e in recent} <= remaining
    assert AuditSeal.objects.count() == sealed_before - archive.entries
    assert audit_chain.verify().ok  # the chain goes on from the archive's last link

    report = audit_archive.verify_file(path)
    assert report.ok and report.recorded and report.entries == archive.entries
    call_command("audit_verify", "--archive", str(path))
    assert "完整" in capsys.readouterr().out

    # A changed file fails its signature; a file signed with another key too.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("天前", "天后")
    path.write_text("".join(lines), encoding="utf-8")
    assert "签名不符" in audit_archive.verify_file(path).problem
    capsys.readouterr()
    with pytest.raises(SystemExit):
        call_command("audit_verify", "--archive", str(path))
    with pytest.raises(SystemExit):  # the chain's own check looks at every recorded archive too
        call_command("audit_verify")
    assert f"归档 {archive.file_name}" in capsys.readouterr().out


def test_an_archive_row_without_its_signed_file_fails_the_verify(demo, archive_dir, django_capture_on_commit_callbacks,
                                                                 capsys):
    # Removed entries passed off as archived: the row names no file that verifies.
    AuditArchive.objects.create(cutoff=timezone.now(), first_seq=1, last_seq=0, prev_hash="0" * 64,
                                last_hash="0" * 64, entries=0, file_name="audit-forged.jsonl", signature="x")
    with pytest.raises(SystemExit):
        call_command("audit_verify")
    assert "文件不在归档目录" in capsys.readouterr().out


def test_the_archive_cuts_the_chain_at_its_start_only(demo, archive_dir, django_capture_on_commit_callbacks):
    # A young entry first in the chain: nothing after it is archived, however old (the chain stays whole).
    _entries_aged(django_capture_on_commit_callbacks, [1, 400, 300])
    assert audit_archive.archive_old_entries().entries == 0
    assert not AuditArchive.objects.exists()


def test_the_database_refuses_deleting_an_entry_younger_than_180_days_even_through_the_gate(
        demo, archive_dir, django_capture_on_commit_callbacks):
    entry = _entries_aged(django_capture_on_commit_callbacks, [10])[0]
    seal = AuditSeal.objects.get(entry=entry)
    archive = AuditArchive.objects.create(cutoff=timezone.now(), first_seq=seal.seq, last_seq=seal.seq,
                                          prev_hash=seal.prev_hash, last_hash=seal.hash, entries=1, file_name="x",
                                          signature="x")
    with pytest.raises(DatabaseError), transaction.atomic(), gate_open(f"archive:{archive.pk}"):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_an_old_entry_outside_the_archive_range_cannot_be_deleted_through_the_gate(
        demo, archive_dir, django_capture_on_commit_callbacks):
    first, second = _entries_aged(django_capture_on_commit_callbacks, [400, 399])
    s1 = AuditSeal.objects.get(entry=first)
    archive = AuditArchive.objects.create(cutoff=timezone.now(), first_seq=s1.seq, last_seq=s1.seq,
                                          prev_hash=s1.prev_hash, last_hash=s1.hash, entries=1, file_name="x",
                                          signature="x")
    with pytest.raises(DatabaseError), transaction.atomic(), gate_open(f"archive:{archive.pk}"):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [second.pk])


def test_the_file_holds_every_field_and_the_signature_line(demo, archive_dir, django_capture_on_commit_callbacks):
    _entries_aged(django_capture_on_commit_callbacks, [500, 499])
    result = audit_archive.archive_old_entries()
    lines = result.path.read_text(encoding="utf-8").splitlines()
    header, first, second, last = (json.loads(line) for line in lines)
    assert header["format"] == audit_archive.FORMAT and header["entries"] == 2
    assert set(first["entry"]) == set(audit_chain.FIELDS) and first["entry"]["object_repr"] == "500 天前"
    assert second["prev_hash"] == first["hash"]
    assert second["hash"] == header["last_hash"] == result.archive.last_hash
    assert last == {"hmac": result.archive.signature}
    assert not result.path.with_suffix(".partial").exists()
    # A copy elsewhere verifies by itself, but no archive row names its name: reported as not recorded.
    copy = archive_dir / "copy.jsonl"
    copy.write_bytes(result.path.read_bytes())
    report = audit_archive.verify_file(copy)
    assert report.ok and not report.recorded
