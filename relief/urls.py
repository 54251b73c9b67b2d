import os

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import otp_views, views

# The HTTP benchmark (relief/bench_http.py) sets this for the gunicorn it starts, and only there: the bare
# view it measures the pages against is never part of a deployed site.
BENCH_BARE_VIEW_ENV = "RELIEF_BENCH_BARE_VIEW"
BENCH_BARE_PATH = "/bench/bare/"

handler403 = "relief.views.permission_denied"
handler404 = "relief.views.page_not_found"
handler500 = "relief.views.server_error"

admin.site.site_header = _("社会救助主动发现 · 管理后台")
admin.site.site_title = _("社会救助主动发现")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", otp_views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", otp_views.password_change_view, name="password_change"),
    path("accounts/otp/", otp_views.otp_verify, name="otp_verify"),
    path("accounts/otp/enrol/", otp_views.otp_enrol, name="otp_enrol"),
    path("accounts/session/", otp_views.session_status, name="session_status"),
    path("accounts/session/keepalive/", otp_views.session_keepalive, name="session_keepalive"),
    path("accounts/password/done/", views.password_change_done_view, name="password_change_done"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("language/", views.set_language, name="set_language"),
    path("jsi18n/", views.javascript_catalog, name="javascript_catalog"),
    path("watermark.css", views.watermark_css, name="watermark_css"),
    path("watermark.svg", views.watermark_svg, name="watermark_svg"),
    path("households/", include("households.urls")),
    path("alerts/", include("alerts.urls")),
    path("visits/", include("visits.urls")),
    path("referrals/", include("referrals.urls")),
    path("imports/", include("imports.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("plans/", include("plans.urls")),
    path("admin/", admin.site.urls),
]
if os.environ.get(BENCH_BARE_VIEW_ENV) == "1":
    urlpatterns.append(path(BENCH_BARE_PATH.lstrip("/"), views.bench_bare, name="bench_bare"))
