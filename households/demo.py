"""Demo data of the registry (appended to RELIEF_DEMO_LOADERS): the 低保 standard of the demo district
and about 2,000 households over its twelve communities, created once (running it again adds nothing)."""
import datetime as dt

from relief.demo import DISTRICT_CODE
from relief.models import Jurisdiction, JurisdictionLevel

from .generator import generate
from .models import Household, StandardArea
from .services import dibao_standard_set

DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 2026
# Households whose hukou type, housing and income nobody has recorded yet (shown as 未登记).
UNRECORDED_SHARE = 0.04
# The 低保 standards of the demo district, as data (see ../shared/reference/dibao_standards.md).
DIBAO_STANDARDS = [
    {"district": DISTRICT_CODE, "area": StandardArea.UNIFIED, "monthly_amount": "1330",
     "effective_from": dt.date(2021, 7, 1),
     "source": "上海市民政局：城乡低保标准自2021年7月1日起由每人每月1240元提高到1330元"
               "（https://www.shine.cn/news/metro/2106241064/）"},
]


def load_standards() -> None:
    for row in DIBAO_STANDARDS:
        district = Jurisdiction.objects.filter(code=row["district"]).first()
        if district is not None:
            dibao_standard_set(actor=None, **{**row, "district": district})


def load(stdout=None) -> None:
    load_standards()
    villages = list(Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE, code__startswith=DISTRICT_CODE[:6])
                    .order_by("code"))
    if not villages or Household.objects.filter(village__in=villages).exists():
        return
    stats = generate(villages=villages, count=DEMO_HOUSEHOLDS, seed=DEMO_SEED, unrecorded_share=UNRECORDED_SHARE)
    if stdout is not None:
        stdout.write(f"演示家庭：{stats.households} 户，{stats.members} 人，花名册 {stats.roster} 户，"
                     f"观察名单 {stats.observation} 户（{stats.seconds:.1f} 秒）")
