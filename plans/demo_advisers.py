"""Demo adviser posts (appended to RELIEF_DEMO_LOADERS after plans.demo): 华阳路街道 has its service-centre post and
a post in 华阳路第一居委会's community; 江苏路街道 has none yet, so its policy sheets say so. Made through
plans.services as township staff make them; idempotent (a second run finds the centre post)."""
from __future__ import annotations

from django.db import transaction

from relief.models import Jurisdiction, Role, User

from . import services
from .models_advisers import AdviserPost, AdviserPostKind

CENTRE = "华阳路街道社区事务受理服务中心救助顾问点"


@transaction.atomic
def load(stdout=None) -> None:
    if AdviserPost.objects.filter(name=CENTRE).exists():
        return
    township = Jurisdiction.objects.filter(code="310105001000").first()
    village = Jurisdiction.objects.filter(code="310105001001").first()
    officer = User.objects.filter(role=Role.TOWNSHIP, jurisdiction=township, is_active=True).order_by("pk").first()
    if township is None or village is None or officer is None:
        return
    services.adviser_post_save(
        actor=officer, township=township, data={
            "kind": AdviserPostKind.CENTRE, "name": CENTRE, "place": "长宁路1180号受理中心一楼3号窗口",
            "opening_hours": "工作日 9:00—17:00，周六上午 9:00—12:00", "phone": "021-62510001", "is_active": True},
        people=[{"name": "陈慧敏", "phone": "13916000001", "role": "受理中心救助工作人员"},
                {"name": "刘文涛", "phone": "13916000002", "role": "社工"}])
    services.adviser_post_save(
        actor=officer, township=township, village=village, data={
            "kind": AdviserPostKind.VILLAGE, "name": f"{village.name}救助顾问点", "place": "居委会办公室",
            "opening_hours": "工作日 8:30—16:30", "phone": "021-62510101", "is_active": True},
        people=[{"name": "孙丽华", "phone": "13916000011", "role": "村居救助工作人员"}])
