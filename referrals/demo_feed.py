"""Demo department data comparison (appended to RELIEF_DEMO_LOADERS): in 华阳路街道 a 医疗自付过高 list from the
医保办, confirmed through the import services as staff confirm it: one row names a registered member (a feed
match: the 医疗自付过高 rule reads it), four match nobody. Of those, one has already been turned into a lead,
two wait (one the department gave no village, so it is turned one by one with a village chosen).
Idempotent: a second run finds the file by name and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from households.idcard import check_char
from households.models import Member, MemberStatus, Relation
from households.selectors import members_with_id_numbers
from imports import services as imports
from imports.columns import FEED_COLUMNS
from imports.models import FeedKind, FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus
from relief.models import Role, User

from . import services

FEED_FILE = "华阳路街道-医保办-医疗自付过高名单.xlsx"


def _free_ids(count: int) -> list[str]:
    """Valid ID numbers nobody in the registry has (born 1958, a sequence no other demo uses)."""
    ids = []
    for seq in range(611, 699):
        first17 = f"310105195807{seq % 28 + 1:02d}{seq:03d}"
        number = first17 + check_char(first17)
        if not members_with_id_numbers([number]).exists():
            ids.append(number)
        if len(ids) == count:
            break
    return ids


def _xlsx(rows) -> bytes:
    headers = [c.header_text for c in FEED_COLUMNS]
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load(stdout=None) -> None:
    if ImportBatch.objects.filter(file_name=FEED_FILE).exists():
        return
    officer = (User.objects.filter(username="township1", role=Role.TOWNSHIP, is_active=True)
               .select_related("jurisdiction").first())
    if officer is None:
        return
    villages = list(officer.jurisdiction.children.order_by("code")[:2])
    member = (Member.objects.filter(household__village__in=villages, relation=Relation.HEAD,
                                    status=MemberStatus.PRESENT).order_by("household_id").first())
    ids = _free_ids(4)
    if len(villages) < 2 or member is None or len(ids) < 4:
        return
    a, b = villages
    today = timezone.localdate()
    rows = [
        {"姓名": member.name, "身份证号": member.id_number, "村/社区": a.name,
         "情况说明": "年度医疗费用个人自付 3.8 万元（住院 2 次）", "登记日期": (today - dt.timedelta(days=20)).isoformat()},
        {"姓名": "钱美华", "身份证号": ids[0], "村/社区": a.name, "联系电话": "13916620431",
         "情况说明": "肿瘤化疗，年度个人自付 5.2 万元", "登记日期": (today - dt.timedelta(days=18)).isoformat()},
        {"姓名": "孙立强", "身份证号": ids[1], "村/社区": a.name,
         "情况说明": "尿毒症透析，年度个人自付 2.9 万元", "登记日期": (today - dt.timedelta(days=15)).isoformat()},
        {"姓名": "周秀兰", "身份证号": ids[2], "村/社区": b.name, "联系电话": "13761105582",
         "情况说明": "髋关节置换，个人自付 2.1 万元"},
        {"姓名": "吴国平", "身份证号": ids[3], "情况说明": "外区住院，个人自付 4.4 万元，居住地未登记"},
    ]
    batch = imports.batch_upload(
        actor=officer, kind=ImportKind.FEED, upload=SimpleUploadedFile(FEED_FILE, _xlsx(rows)),
        feed_kind=FeedKind.MEDICAL_SELF_PAY, data_date=today - dt.timedelta(days=7))
    batch = imports.batch_validate(batch_id=batch.pk)
    if batch.status != ImportStatus.READY:
        return
    imports.batch_confirm(actor=officer, batch=batch)
    batch = imports.batch_import(batch_id=batch.pk)
    if batch.status != ImportStatus.DONE:
        return
    first = FeedRecord.objects.filter(batch=batch, match=FeedMatch.UNMATCHED).order_by("row_number").first()
    lead = services.feed_record_to_lead(actor=officer, record=first)
    # The matched row is a rise in the family's rigid expenses: the scan opens its alert (医疗自付过高) now
    # rather than at its next half hour, and only from this batch's events.
    from alerts.jobs import status_change_scan

    status_change_scan(since=batch.confirmed_at)
    if stdout is not None:
        stdout.write(f"演示部门数据比对：{batch.source_department}“{batch.get_feed_kind_display()}”"
                     f"命中 {batch.matched_count} 人、未在册 {batch.unmatched_count} 人（已转线索{lead.pk}）")
