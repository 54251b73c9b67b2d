"""Demo assistants' support (appended to RELIEF_DEMO_LOADERS): in 华阳路街道 the assistant of the first community
has everything (training this year, insurance valid, a recorder, allowances), the second's insurance has expired;
the other communities' assistants have nothing recorded yet, so the district's gap table shows every branch.
Made through ledgers.services as township staff record them; idempotent (a second run finds the first training).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from relief.models import Jurisdiction, Role, User
from relief.months import add_months, month_start

from . import services
from .models_support import AllowanceKind, AssistantTraining, EquipmentKind

TOPIC = "社会救助政策与主动发现机制专题培训"


@transaction.atomic
def load(stdout=None) -> None:
    if AssistantTraining.objects.filter(topic=TOPIC).exists():
        return
    township = Jurisdiction.objects.filter(code="310105001000").first()
    officer = User.objects.filter(role=Role.TOWNSHIP, jurisdiction=township, is_active=True).order_by("pk").first()
    if officer is None:
        return
    assistants = {u.jurisdiction.code: u for u in User.objects.filter(
        role=Role.CASEWORKER, is_active=True, jurisdiction__code__in=["310105001001", "310105001002"])
        .select_related("jurisdiction").order_by("-pk")}
    today = timezone.localdate()
    complete, uninsured = assistants.get("310105001001"), assistants.get("310105001002")
    this_year = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=20))
    for assistant in filter(None, (complete, uninsured)):
        services.assistant_training_add(actor=officer, assistant=assistant, trained_on=this_year, topic=TOPIC,
                                        hours=Decimal("4"))
        services.assistant_equipment_issue(actor=officer, assistant=assistant, kind=EquipmentKind.RECORDER,
                                           issued_on=today - dt.timedelta(days=200), description="DSJ-V9 执法记录仪")
        services.assistant_allowance_add(actor=officer, assistant=assistant, month=month_start(add_months(today, -1)),
                                         kind=AllowanceKind.TRANSPORT, amount=Decimal("200"))
        services.assistant_allowance_add(actor=officer, assistant=assistant, month=month_start(add_months(today, -1)),
                                         kind=AllowanceKind.COMMUNICATION, amount=Decimal("100"))
    if complete is not None:
        services.assistant_insurance_add(actor=officer, assistant=complete, insurer="中国人寿财产保险上海分公司",
                                         policy_number="PA2026-0001", valid_until=today + dt.timedelta(days=180))
    if uninsured is not None:
        # Bought last year and not renewed: expired, so the gap table counts it.
        services.assistant_insurance_add(actor=officer, assistant=uninsured, insurer="中国人寿财产保险上海分公司",
                                         policy_number="PA2025-0002", valid_until=today - dt.timedelta(days=10))
