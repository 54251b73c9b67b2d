"""The demo district's township inspections (乡不定期监督检查): in 华阳路街道 one village inspected with a
correction overdue, one done and one not yet due; another inspection with nothing to correct; the other
townships' villages never inspected this year, so the district's table shows both. Loaded once."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from relief.demo import DISTRICT_CODE
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from .models import Inspection
from .services import correction_done, inspection_record


def load(stdout=None) -> None:
    district = Jurisdiction.objects.filter(code=DISTRICT_CODE).first()
    if district is None or Inspection.objects.filter(village__parent__parent=district).exists():
        return
    staff = (User.objects.filter(role=Role.TOWNSHIP, is_active=True, jurisdiction__parent=district)
             .select_related("jurisdiction").order_by("jurisdiction__code", "username").first())
    if staff is None:
        return
    villages = list(Jurisdiction.objects.filter(parent=staff.jurisdiction, level=JurisdictionLevel.VILLAGE)
                    .order_by("code")[:2])
    if not villages:
        return
    today = timezone.localdate()
    day = today - dt.timedelta(days=30)
    first = inspection_record(
        actor=staff, village=villages[0], inspected_on=day, inspectors=f"{staff.display_name}、街道救助指挥站",
        subjects="走访台账、花名册、线索办理", findings="3户上次走访未见到本人，未安排跟进；花名册2户关注原因未更新。",
        corrections=[("为未见到本人的3户安排跟进走访", day + dt.timedelta(days=7)),
                     ("更新花名册关注原因", day + dt.timedelta(days=14)),
                     ("整理纸质走访记录并录入系统", today + dt.timedelta(days=10))])
    done = first.corrections.order_by("due_on")[1]
    correction_done(actor=staff, correction=done, done_on=day + dt.timedelta(days=12), note="已更新2户关注原因")
    if len(villages) > 1:
        inspection_record(actor=staff, village=villages[1], inspected_on=today - dt.timedelta(days=9),
                          inspectors=staff.display_name, subjects="预警处置", findings="预警均已按时处置，未发现问题。")
    if stdout is not None:
        stdout.write("演示监督检查：2 次（含逾期整改 1 项、已完成 1 项、未到期 1 项）")
