"""The audit log page reads as sentences, on entries made by real service calls and requests."""
import datetime as dt
import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from ledgers.models import SampleItem
from referrals.models import ReferralStep
from tests.ledgers.factories import give_assistance
from tests.households.factories import make_household
from tests.referrals.helpers import draft

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\{'|\['|'\]|\.None\b|\bNone\b|\bTrue\b|\bFalse\b")


def page_text(client, **params) -> str:
    html = client.get(reverse("audit_log"), params).content.decode()
    html = re.sub(r"<script.*?</script>|<select.*?</select>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_sampling_check_reads_as_a_sentence_with_labels_names_and_local_times(client, demo):
    for i in range(3):
        give_assistance(make_household(demo.village_a, head_name=f"对象{i}"), "dibao", start=dt.date(2024, 2, 1 + i))
    client.force_login(demo.district_official)
    client.post(reverse("ledgers:sampling"), {"year": 2024, "quarter": 1, "size_mode": "count", "size_value": 1})
    item = SampleItem.objects.get()
    client.post(reverse("ledgers:sample_check", kwargs={"pk": item.pk}),
                {f"i{item.pk}-result": "omission", f"i{item.pk}-note": "漏报家庭成员"})
    item.refresh_from_db()
    client.force_login(demo.auditor)  # the audit log is the audit administrator's to read (三员分立)
    text = page_text(client, q=str(item.household))
    assert f"周建国 修改了抽查对象“{item.household} · 漏报”" in text
    assert "核查人： 空 → 周建国" in text
    assert "核查结果： 待核查 → 漏报" in text
    assert f"核查时间： 空 → {timezone.localtime(item.checked_at):%Y-%m-%d %H:%M}" in text
    # The draw itself: a new record listing what it holds, with its district by name.
    text = page_text(client, event="create")
    assert "周建国 新增了随机抽查“长宁区 2024年第1季度抽查”" in text
    assert "区/县： 长宁区" in text and "抽取人： 周建国" in text and "季度： 第一季度" in text
    assert not RAW.findall(text), RAW.findall(text)


def test_record_names_carry_shanghai_time_not_utc(client, demo):
    with set_actor(demo.caseworker_a):
        referral = draft(demo)
    step = ReferralStep.objects.filter(referral=referral).first()
    entry = LogEntry.objects.get_for_object(step).get(action=LogEntry.Action.CREATE)
    assert entry.object_repr.endswith(f"{timezone.localtime(step.at):%Y-%m-%d %H:%M}")
    assert f"{step.at:%H:%M}" != f"{timezone.localtime(step.at):%H:%M}"  # UTC would read differently
    client.force_login(demo.auditor)
    text = page_text(client, actor="caseworker1")
    assert f"张丽 新增了转办流程记录“{entry.object_repr}”" in text
    assert not RAW.findall(text), RAW.findall(text)


def test_household_changes_show_labels_and_keep_id_numbers_masked(client, demo):
    with set_actor(demo.caseworker_a):
        household = make_household(demo.village_a, head_name="王建设")
    head = household.members.get()
    client.force_login(demo.auditor)
    text = page_text(client, actor="caseworker1")
    assert f"张丽 新增了家庭成员“王建设”" in text
    assert f"家庭： {household}" in text and "姓名： 王建设" in text
    assert head.id_number not in text and head.id_number[-4:] in text
    assert "村/社区： 华一居委会" in text
    assert not RAW.findall(text), RAW.findall(text)


def test_logins_and_failed_logins_are_sentences(client, demo):
    client.post(reverse("login"), {"username": "caseworker1", "password": "wrong"})
    client.force_login(demo.auditor)
    from relief.audit import AuditEvent, audit_record

    audit_record(event=AuditEvent.LOGIN, actor=demo.caseworker_a, obj=demo.caseworker_a)
    text = page_text(client)
    assert "用户名“caseworker1”登录失败" in text
    assert "张丽 登录" in text


def test_exports_and_uploads_say_what_they_were_in_words(client, demo):
    """A ledger export names the ledger, not its code; an upload that is not imported never reads 导入了."""
    from imports import services as import_services
    from ledgers.services import audit_ledger_download
    from tests.imports.helpers import HOUSEHOLD_HEADERS, family, upload, xlsx_bytes

    audit_ledger_download(actor=demo.district_official, request=None, kind="monthly",
                          jurisdiction=demo.district, detail={"rows": 3})
    rows = family(1, 2)
    rows[1]["与户主关系"] = "邻居"
    batch = import_services.batch_upload(actor=demo.township1, kind="households",
                                         upload=upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows)))
    import_services.batch_validate(batch_id=batch.pk)
    client.force_login(demo.auditor)
    text = page_text(client)
    assert "周建国 导出：下载救助台账（月报）：长宁区" in text
    assert "台账： 救助台账（月报）" in text and "monthly" not in text
    assert "李秀英 上传了导入记录" in text and "尚未导入" in text
    assert "李秀英 导入了" not in text and "uploaded" not in text


def test_a_referral_step_and_a_visit_show_their_details_by_label(demo):
    from django.contrib.contenttypes.models import ContentType

    from referrals import services as referral_services
    from relief.audit import describe_entries
    from tests.visits.factories import make_roster, visit_data
    from visits.services import visit_log

    referral = draft(demo)
    referral_services.referral_study(actor=demo.caseworker_a, referral=referral, meeting_date=timezone.localdate(),
                                     participants="村委会主任等5人", conclusion="同意上报")
    entries = list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(ReferralStep)))
    assert entries
    describe_entries(entries)
    shown = " ".join(f"{label}：{new}" for entry in entries for label, _old, new in entry.change_rows)
    assert "研究日期：" in shown and "参加人员：村委会主任等5人" in shown and "结论：同意上报" in shown
    assert "participants" not in shown and "meeting_date" not in shown
    visit, _created = visit_log(actor=demo.caseworker_a, household=make_roster(demo.village_a),
                                data=visit_data(timezone.localdate(), needs=["medical"]))
    visit_entries = list(LogEntry.objects.get_for_object(visit))
    describe_entries(visit_entries)
    assert ("发现的需求", "医疗") in {(label, new) for entry in visit_entries for label, _old, new in entry.change_rows}


def _member_entries(member):
    return list(LogEntry.objects.get_for_object(member).order_by("pk"))


def test_member_change_log_keeps_only_the_last_four_of_an_id_number_and_no_birth_date(demo):
    from households import services
    from tests.households.factories import id_number

    with set_actor(demo.caseworker_a):
        household = make_household(demo.village_a, head_name="王建设")
        head = household.members.get()
        old_number = head.id_number
        new_number = id_number(born=dt.date(1961, 7, 9))
        services.member_update(actor=demo.caseworker_a, member=head, id_number=new_number)
    created, updated = _member_entries(head)
    for entry, numbers in ((created, ["None", old_number]), (updated, [old_number, new_number])):
        masked = entry.changes_dict["id_number"]
        assert masked == ["None" if n == "None" else "*" * 14 + n[-4:] for n in numbers]
        assert all(set(value) <= {"*", "-"} for value in entry.changes_dict["birth_date"] if value != "None")
    stored = str([created.changes, updated.changes])
    for number in (old_number, new_number):
        assert number[6:14] not in stored and number[:6] not in stored
    assert "1956-03-04" not in stored and "1961-07-09" not in stored


def test_every_logged_field_holding_an_id_number_or_birth_date_is_masked():
    from auditlog.registry import auditlog

    for model, options in auditlog._registry.items():
        personal = {f.name for f in model._meta.concrete_fields if "id_number" in f.name or "birth" in f.name}
        personal -= set(options["exclude_fields"])
        assert personal <= set(options["mask_fields"]), (model, personal)


def test_stored_entries_written_with_the_old_mask_are_masked_again(demo):
    import importlib

    from tests.audit_helpers import historical_apps, raw_queryset, triggers_dropped

    with set_actor(demo.caseworker_a):
        household = make_household(demo.village_a, head_name="王建设")
    head = household.members.get()
    entry = _member_entries(head)[0]
    half = len(head.id_number) // 2
    old_style = {"id_number": ["None", "*" * half + head.id_number[half:]],
                 "birth_date": ["None", head.birth_date.isoformat()], "name": ["None", "王建设"]}
    migration = importlib.import_module("households.migrations.0009_remask_member_change_log")
    # The entry as stored before 0009, and 0009 run as it ran: before relief 0003 made entries immutable.
    with triggers_dropped():
        raw_queryset(LogEntry).filter(pk=entry.pk).update(changes=old_style)
        migration.remask(historical_apps("households", "0009_remask_member_change_log"), None)
    entry.refresh_from_db()
    assert entry.changes == {"id_number": ["None", "*" * 14 + head.id_number[-4:]],
                             "birth_date": ["None", "****-**-**"], "name": ["None", "王建设"]}
