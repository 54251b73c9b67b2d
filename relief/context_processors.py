from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import Role

# (url name, label, roles that see it; empty = everyone). Apps add their entries as they land.
NAVIGATION = [
    ("home", _("首页"), ()),
    ("households:list", _("家庭台账"), ()),
    ("visits:worklist", _("走访任务"), (Role.CASEWORKER, Role.TOWNSHIP)),
    ("visits:alerts", _("预警"), (Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT)),
    ("referrals:lead_list", _("线索"), (Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT)),
    ("referrals:list", _("转办"), (Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT)),
    ("audit_log", _("审计日志"), (Role.DISTRICT, Role.ADMIN)),
    ("ledgers:index", _("台账"), (Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN)),
    ("ledgers:dashboard", _("统计"), ()),
    ("imports:index", _("数据导入"), (Role.TOWNSHIP, Role.ADMIN)),
    ("imports:records", _("导入记录"), (Role.DISTRICT,)),
    ("plans:policy_list", _("政策库"), ()),
    ("plans:resource_list", _("资源库"), ()),
    ("plans:team_list", _("工作队伍"), (Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN)),
]

# url name -> "module.function(user) -> int": a count shown as a badge beside the entry (one cheap query).
NAV_BADGES = {"visits:alerts": "visits.selectors.open_alert_count"}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, roles in NAVIGATION:
        if roles and user.role not in roles and not user.is_superuser:
            continue
        url = reverse(name)
        badge = import_string(NAV_BADGES[name])(user) if name in NAV_BADGES else None
        items.append({"url": url, "label": label, "badge": badge, "active": False})
    # The entry whose address is the longest prefix of this page is the one we are in
    # (/ledgers/dashboard/ belongs to 统计, not to 台账 at /ledgers/).
    current = [item for item in items if request.path == item["url"] or (
        item["url"] != "/" and request.path.startswith(item["url"]))]
    if current:
        max(current, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
