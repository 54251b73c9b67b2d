"""The audit log as evidence (issue 19, 安全审计): nobody changes or deletes an entry — not the ORM, not raw
SQL (the database's triggers) —, each entry is chained to the one before it and `audit_verify` names the
first broken link, and refused access (403 by role, 404 outside the jurisdiction) is recorded."""
import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from relief import access, audit_chain
from relief.audit import AuditEvent, AuditResult, RefusalReason, audit_record, audit_record_many, describe_entries
from relief.audit_triggers import triggers_missing
from relief.models import AuditArchive, AuditEntryImmutable, AuditSeal, Role
from tests.audit_helpers import triggers_dropped

pytestmark = pytest.mark.django_db


def _entries(n, actor=None, **detail):
    return [audit_record(event=AuditEvent.EXPORT, actor=actor, description=f"导出 {i}", detail={"i": i, **detail})
            for i in range(n)]


def _sealed(django_capture_on_commit_callbacks, n=3, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        entries = _entries(n, **kwargs)
    return entries


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------- refused: ORM, admin, database

def test_the_orm_refuses_to_change_or_delete_an_entry(demo):
    entry = audit_record(event=AuditEvent.EXPORT, actor=demo.township1, description="户籍台账")
    entry.object_repr = "别的"
    for attempt in (entry.save, entry.delete, lambda: LogEntry.objects.filter(pk=entry.pk).update(object_repr="别的"),
                    lambda: LogEntry.objects.filter(pk=entry.pk).delete(),
                    lambda: LogEntry.objects.bulk_update([entry], ["object_repr"])):
        with pytest.raises(AuditEntryImmutable), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.object_repr == "户籍台账"


@pytest.mark.parametrize("statement", [
    "UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s",
    "UPDATE auditlog_logentry SET actor_id = NULL WHERE id = %s",
    "DELETE FROM auditlog_logentry WHERE id = %s",
])
def test_the_database_refuses_raw_updates_and_deletes_of_entries(demo, statement):
    entry = audit_record(event=AuditEvent.EXPORT, actor=demo.township1, description="户籍台账")
    with pytest.raises(DatabaseError, match="audit entries cannot be changed or deleted"):
        _raw(statement, [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).object_repr == "户籍台账"


def test_the_database_refuses_changing_the_chain_and_the_archive_records(demo, django_capture_on_commit_callbacks):
    entry = _sealed(django_capture_on_commit_callbacks, 1)[0]
    seal = AuditSeal.objects.get(entry=entry)
    for statement, params in [("UPDATE relief_auditseal SET hash = 'x' WHERE seq = %s", [seal.seq]),
                              ("DELETE FROM relief_auditseal WHERE seq = %s", [seal.seq])]:
        with pytest.raises(DatabaseError):
            _raw(statement, params)
    archive = AuditArchive.objects.create(cutoff=timezone.now(), first_seq=1, last_seq=0, prev_hash="0" * 64,
                                          last_hash="0" * 64, entries=0, file_name="x", signature="x")
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM relief_auditarchive WHERE id = %s", [archive.pk])
    with pytest.raises(AuditEntryImmutable), transaction.atomic():
        AuditSeal.objects.filter(pk=seal.pk).delete()
    with pytest.raises(AuditEntryImmutable), transaction.atomic():
        archive.save()


def test_truncate_is_refused_on_postgresql(demo):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's DELETE is refused above)")
    audit_record(event=AuditEvent.EXPORT, description="x")
    with pytest.raises(DatabaseError):
        _raw("TRUNCATE auditlog_logentry")


def test_every_protecting_trigger_is_in_place():
    assert triggers_missing() == []
    with triggers_dropped():
        assert triggers_missing()  # and `check --database default` / audit_verify say so


def test_the_admin_shows_entries_read_only(demo, client):
    entry = audit_record(event=AuditEvent.EXPORT, actor=demo.admin, description="户籍台账")
    admin = demo.admin
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:auditlog_logentry_changelist"),
                       {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}).status_code != 500
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(reverse("admin:relief_user_delete", args=[demo.caseworker_a.pk]),
                       {"post": "yes"}).status_code == 403


def test_an_account_with_entries_is_deactivated_never_deleted(demo):
    user = demo.caseworker_a
    audit_record(event=AuditEvent.LOGIN, actor=user, obj=user)
    with pytest.raises(AuditEntryImmutable, match="停用"), transaction.atomic():
        user.delete()
    assert LogEntry.objects.filter(actor=user).exists()


# ---------------------------------------------------------------- the chain

def test_entries_join_the_chain_as_their_transaction_commits(demo, django_capture_on_commit_callbacks):
    before = AuditSeal.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entries = _entries(3, actor=demo.township1)
    assert AuditSeal.objects.count() == before  # nothing sealed until the commit
    for callback in callbacks:
        callback()
    seals = list(AuditSeal.objects.filter(entry__in=entries).order_by("seq"))
    assert [s.entry_id for s in seals] == [e.pk for e in entries]
    assert seals[1].prev_hash == seals[0].hash and seals[2].prev_hash == seals[1].hash
    report = audit_chain.verify()
    assert report.ok and report.checked >= 3


def test_an_entry_rolled_back_with_its_savepoint_is_not_sealed(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                audit_record(event=AuditEvent.EXPORT, description="作废")
                raise RuntimeError
        except RuntimeError:
            pass
        kept = audit_record(event=AuditEvent.EXPORT, description="保留")
    assert AuditSeal.objects.filter(entry=kept).exists()
    assert audit_chain.verify().ok


def test_the_canonical_form_survives_the_database(demo, django_capture_on_commit_callbacks):
    """What the chain hashes at insert is what it reads back: addresses, JSON key order, unicode, microseconds."""
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8::1")
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(event=AuditEvent.EXPORT, actor=demo.township1, request=request, description="台账 ①",
                     detail={"z": 1, "a": [1, 2.5, "x"], "中": {"b": None, "a": True}})
        audit_record(event=AuditEvent.LOGIN, actor=demo.township1, obj=demo.township1,
                     request=RequestFactory().get("/", REMOTE_ADDR="10.1.2.3"))
        demo.township1.full_name = "李秀英（改）"
        demo.township1.save()  # a django-auditlog model change: its own entry, sealed the same way
    assert audit_chain.verify().ok


def test_audit_verify_names_the_first_broken_link(demo, django_capture_on_commit_callbacks, capsys):
    # The demo's own entries were written in this test's transaction, whose commit never comes (or replayed with the
    # times they were recorded at, which may be past the command's grace for unsealed entries): the sweep seals
    # them first, as it would after a lost commit hook.
    audit_chain.seal_pending(since=timezone.now() - dt.timedelta(days=30))
    entries = _sealed(django_capture_on_commit_callbacks, 4, actor=demo.township1)
    call_command("audit_verify")
    assert "审计链完整" in capsys.readouterr().out

    second, third = entries[1], entries[2]
    seq = AuditSeal.objects.get(entry=second).seq
    with triggers_dropped():
        _raw("UPDATE auditlog_logentry SET object_repr = '改过' WHERE id = %s", [second.pk])
        _raw("DELETE FROM auditlog_logentry WHERE id = %s", [third.pk])
    report = audit_chain.verify()
    assert not report.ok
    assert (report.broken.seq, report.broken.entry_id) == (seq, second.pk)
    assert "被修改" in report.broken.reason
    with pytest.raises(SystemExit) as exit_:
        call_command("audit_verify")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert f"第 {seq} 环（审计记录 #{second.pk}）" in out and "被修改" in out


def test_a_deleted_entry_and_a_forged_link_are_detected(demo, django_capture_on_commit_callbacks):
    entries = _sealed(django_capture_on_commit_callbacks, 3)
    seals = {s.entry_id: s for s in AuditSeal.objects.filter(entry__in=entries)}
    with triggers_dropped():
        _raw("DELETE FROM auditlog_logentry WHERE id = %s", [entries[1].pk])
    report = audit_chain.verify()
    assert (report.broken.seq, "被删除" in report.broken.reason) == (seals[entries[1].pk].seq, True)
    with triggers_dropped():
        _raw("DELETE FROM relief_auditseal WHERE seq = %s", [seals[entries[1].pk].seq])
    report = audit_chain.verify()
    assert report.broken.seq == seals[entries[1].pk].seq and "缺少" in report.broken.reason


def test_an_entry_whose_seal_was_lost_is_reported_then_swept(demo, capsys):
    entry = audit_record(event=AuditEvent.EXPORT, description="未入链")  # on_commit never ran (test transaction)
    report = audit_chain.verify()
    assert report.ok and report.unsealed >= 1
    assert audit_chain.seal_pending() >= 1
    assert AuditSeal.objects.filter(entry=entry).exists()
    assert audit_chain.verify().unsealed == 0


def test_bulk_entries_are_sealed_in_one_pass(demo, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    records = [{"event": AuditEvent.BULK_WRITE, "actor": demo.township1, "description": f"第 {i} 行"}
               for i in range(600)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entries = audit_record_many(records)
    with django_assert_max_num_queries(8):  # lock, chain head, the rows, the seals: whatever the count
        for callback in callbacks:
            callback()
    assert AuditSeal.objects.filter(entry__in=entries).count() == 600
    assert audit_chain.verify().ok


def test_the_chain_covers_every_column_of_the_entry():
    columns = {field.attname for field in LogEntry._meta.concrete_fields}
    assert columns == set(audit_chain.FIELDS)


def test_every_entry_says_its_result(demo):
    ok = audit_record(event=AuditEvent.EXPORT, actor=demo.township1, description="台账")
    failed = audit_record(event=AuditEvent.LOGIN_FAILED, description="nobody")
    describe_entries([ok, failed])
    assert (ok.result, failed.result) == (AuditResult.SUCCESS, AuditResult.REFUSED)
    assert failed.additional_data["result"] == "refused"


# ---------------------------------------------------------------- refused access is recorded

def _refusals(user):
    return LogEntry.objects.filter(actor=user, additional_data__event=AuditEvent.ACCESS_REFUSED).order_by("pk")


def test_a_403_by_role_is_recorded_with_who_where_and_what(demo, client):
    client.force_login(demo.caseworker_a)
    url = reverse("imports:index")
    assert client.get(url, REMOTE_ADDR="10.9.8.7").status_code == 403
    entry = _refusals(demo.caseworker_a).get()
    assert entry.remote_addr == "10.9.8.7"
    assert entry.additional_data["reason"] == RefusalReason.ROLE
    assert entry.additional_data["result"] == AuditResult.REFUSED
    assert entry.additional_data["path"] == url and entry.object_repr == url
    assert entry.timestamp > timezone.now() - dt.timedelta(minutes=1)
    describe_entries([entry])
    assert "被拒绝" in entry.sentence and entry.result_label == "拒绝"


def test_a_404_for_a_record_outside_the_jurisdiction_is_recorded(demo, client):
    from tests.households.factories import make_household

    household = make_household(demo.village_c)
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 404
    entry = _refusals(demo.caseworker_a).get()
    assert entry.additional_data["reason"] == RefusalReason.NOT_FOUND
    assert entry.additional_data["url_kwargs"] == {"pk": str(household.pk)}


def test_access_check_refusals_name_the_jurisdiction(demo):
    @access.access_rule(access.Action.VIEW)
    def view(request, pk):
        access.check(request.user, access.Action.VIEW, demo.village_c)
        return HttpResponse("ok")

    request = RequestFactory().get("/x/5/", REMOTE_ADDR="10.0.0.5")
    request.user = demo.caseworker_a
    with pytest.raises(Http404):
        view(request, pk=5)
    entry = _refusals(demo.caseworker_a).get()
    assert entry.additional_data["reason"] == RefusalReason.OUTSIDE_JURISDICTION
    assert entry.additional_data["jurisdiction"] == demo.village_c.pk
    assert entry.remote_addr == "10.0.0.5"


def test_a_page_without_record_arguments_404_is_not_a_refusal(demo):
    @access.access_rule(access.Action.VIEW)
    def view(request):
        raise Http404("没有这一页")

    request = RequestFactory().get("/x/")
    request.user = demo.caseworker_a
    with pytest.raises(Http404):
        view(request)
    assert not _refusals(demo.caseworker_a).exists()


def test_no_grant_anywhere_is_recorded_as_such(demo, make_staff):
    department = make_staff(Role.DEPARTMENT, demo.townships[0], department="social_security")

    @access.access_rule(access.Action.EXPORT_LEDGERS)
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/ledgers/")
    request.user = department
    with pytest.raises(Exception):
        view(request)
    assert _refusals(department).get().additional_data["reason"] == RefusalReason.NO_PERMISSION
