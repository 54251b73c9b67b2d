from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import pgettext_lazy

from . import access

# (url name, label). The labels have a context of their own: a menu names each list in the plural in English
# ("Leads", "Referrals", "Alerts"), where the same word elsewhere names one record ("Lead 12").
# An entry is shown exactly to the users its page's own access rule lets in
# (access.may_open): the navigation keeps no role lists of its own that could disagree with the views.
NAVIGATION = [
    ("home", pgettext_lazy("navigation", "首页")),
    ("households:list", pgettext_lazy("navigation", "家庭台账")),
    ("visits:worklist", pgettext_lazy("navigation", "走访任务")),
    ("alerts:list", pgettext_lazy("navigation", "预警")),
    ("referrals:lead_list", pgettext_lazy("navigation", "线索")),
    ("referrals:list", pgettext_lazy("navigation", "转办")),
    ("referrals:approval_queue", pgettext_lazy("navigation", "审批")),
    ("referrals:patrol_list", pgettext_lazy("navigation", "街面巡查")),
    ("plans:campaign_list", pgettext_lazy("navigation", "集中排查")),
    ("households:care_list", pgettext_lazy("navigation", "照料协议")),
    ("referrals:department_items", pgettext_lazy("navigation", "部门办理")),
    ("audit_log", pgettext_lazy("navigation", "审计日志")),
    ("ledgers:index", pgettext_lazy("navigation", "台账")),
    ("ledgers:dashboard", pgettext_lazy("navigation", "统计")),
    ("imports:index", pgettext_lazy("navigation", "数据导入")),
    ("imports:records", pgettext_lazy("navigation", "导入记录")),
    ("plans:policy_list", pgettext_lazy("navigation", "政策库")),
    ("plans:resource_list", pgettext_lazy("navigation", "资源库")),
    ("plans:team_list", pgettext_lazy("navigation", "工作队伍")),
    # Staff accounts, jurisdictions and the household import live in the Django admin (系统管理员 only).
    ("admin:index", pgettext_lazy("navigation", "管理后台")),
]
# An entry left out for users who can open the page that already links to it (the import page lists
# the import records; the district, who cannot import, reaches the records from the navigation).
NAV_COVERED_BY = {"imports:records": "imports:index"}

# url name -> "module.function(user) -> int": a count shown as a badge beside the entry (one cheap query),
# the number of rows the entry's page lists when opened.
NAV_BADGES = {"alerts:list": "alerts.selectors.unhandled_alert_count",
              "referrals:approval_queue": "referrals.selectors_approval.approval_queue_count"}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .signin import pending_steps

    if hasattr(request, "session") and pending_steps(request):
        # A password alone opens nothing: until the second factor (or a new password) the header names no page
        # and counts nothing, and its links would only lead back to the step.
        return {"signin_pending": True}
    # A page renders several templates with the request (the household page's sections): the navigation,
    # and its badge counts, are worked out once per request.
    if not hasattr(request, "_relief_navigation"):
        request._relief_navigation = _navigation(request, user)
    return request._relief_navigation


def _navigation(request, user):
    items = []
    for name, label in NAVIGATION:
        if not access.may_open(user, name):
            continue
        if name in NAV_COVERED_BY and access.may_open(user, NAV_COVERED_BY[name]):
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
    return {"nav_items": items, "signin_pending": False}
