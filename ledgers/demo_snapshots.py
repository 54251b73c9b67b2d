"""Demo monthly closings (月结台账 and 归类汇总, appended to RELIEF_DEMO_LOADERS before the assessment): the district's
"台账和归类汇总按时报送" criterion and the snapshot list then show every branch.
- 华阳路街道 closed every month of the year on its last day, and sent the last two summaries by the 5th of the
  next month (the earlier ones were never sent: the criterion counts them as missing);
- 江苏路街道 closed only last month, three days late;
- the other townships closed nothing (the criterion counts them at 0).
Each closing writes a real workbook (about 0.3 s), so the demo makes only these few.
Made through ledgers.services.snapshot_create, dated when each was made; idempotent (a closed month is kept).
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from relief.models import Jurisdiction
from relief.months import add_months, month_end

from .models import SnapshotKind
from .selectors_assessment import SUMMARY_DUE_DAY
from .services import snapshot_create

HUAYANG, JIANGSU = "310105001000", "310105002000"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load(stdout=None) -> None:
    today = timezone.localdate()
    townships = {t.code: t for t in Jurisdiction.objects.filter(code__in=[HUAYANG, JIANGSU])}
    months = [dt.date(today.year, m, 1) for m in range(1, 13) if month_end(dt.date(today.year, m, 1)) < today]
    made = 0
    if HUAYANG in townships:
        summaries = [m for m in months if add_months(m, 1).replace(day=SUMMARY_DUE_DAY) < today][-2:]
        for month in months:
            made += bool(snapshot_create(township=townships[HUAYANG], month=month, made_at=_at(month_end(month), 23)))
        for month in summaries:
            made += bool(snapshot_create(township=townships[HUAYANG], month=month, kind=SnapshotKind.SUMMARY,
                                         made_at=_at(add_months(month, 1).replace(day=SUMMARY_DUE_DAY - 1), 10)))
    if JIANGSU in townships and months:
        late = month_end(months[-1]) + dt.timedelta(days=3)
        made += bool(snapshot_create(township=townships[JIANGSU], month=months[-1], made_at=_at(min(late, today), 9)))
    if stdout is not None and made:
        stdout.write(f"演示月结台账：{made} 份（华阳路街道按时、江苏路街道上月逾期、新泾镇未报）")
