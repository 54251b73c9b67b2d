from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.template.response import TemplateResponse
from django.views import i18n as i18n_views
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.utils.translation import gettext_lazy as _

from .access import Action, access_rule, jurisdictions_for, public
from .audit import describe_entries
from .audit_export import audit_log_export
from .forms import AuditExportForm, AuditFilterForm
from .home import home_cards
from .models import JurisdictionLevel, Role
from .selectors import audit_entries_filtered
from .search_terms import search_data, searched_by_post
from .watermark import watermark_svg as watermark_svg_tile, watermark_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _LogoutView(auth_views.LogoutView):
    """Sign-out also tells the browser to drop what this site kept on the phone (the offline store, the outbox,
    the service worker's copies): static/js/offline.js warns first and wipes it itself, and the header does it
    even where the script did not run."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


logout_view = access_rule()(_LogoutView.as_view())
password_change_done_view = access_rule()(auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_change_done.html"))


# The language switch in the page header (templates/partials/language_switch.html): open to everyone, since
# the login page offers it too; Django's view takes only POST with a CSRF token and a `next` on this site.
@public
def set_language(request):
    return i18n_views.set_language(request)


# The words of the static scripts (static/js/offline.js, offline-app.js): Django's JavaScript catalog of the
# djangojs domain in the request's language. Public, since offline.js runs on the login page too; the service
# worker keeps a copy for the offline page (visits.views_offline.offline_sw), so a phone offline shows the
# language it downloaded in.
_javascript_catalog = i18n_views.JavaScriptCatalog.as_view(domain="djangojs")


@public
@require_GET
def javascript_catalog(request):
    """`?lang=en` names the language (the pages ask so): one address, one content, which the service worker
    can keep per language. Without it, the request's language."""
    from django.conf import settings
    from django.utils import translation

    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    with translation.override(language):
        response = _javascript_catalog(request)
    response["Vary"] = "Cookie, Accept-Language"
    response["Cache-Control"] = "public, max-age=300"
    return response


@access_rule()
def home(request):
    user = request.user
    villages = jurisdictions_for(user, Action.VIEW, JurisdictionLevel.VILLAGE)
    if user.role == Role.DEPARTMENT:
        # A department's account reads no household: it serves the villages whose items it handles.
        villages = jurisdictions_for(user, Action.HANDLE_DEPARTMENT_ITEMS, JurisdictionLevel.VILLAGE)
    context = {
        "cards": home_cards(user),
        "village_count": villages.count(),
        "role_label": Role(user.role).label if user.role in Role.values else "",
    }
    return TemplateResponse(request, "relief/home.html", context)


# 三员分立: the audit log is the audit administrator's to read and export, and no one else's (superusers aside).
@access_rule(Action.READ_AUDIT, roles=[Role.AUDITOR])
@searched_by_post
def audit_log(request):
    return _audit_page(request, AuditFilterForm(search_data(request) or None), AuditExportForm())


def _audit_page(request, form, export_form, status=200):
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries_filtered(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    describe_entries(page.object_list)
    # The export takes the list's filters and search as they are (hidden fields beside its purpose).
    kept = [(name, form.data.get(name)) for name in form.fields if form.data.get(name)] if form.is_bound else []
    return TemplateResponse(request, "relief/audit_log.html", {
        "form": form, "page": page, "export_form": export_form, "export_filters": kept}, status=status)


@access_rule(Action.READ_AUDIT, roles=[Role.AUDITOR])
@require_POST
def audit_export(request):
    """The entries the list's filters choose, as an Excel file; asks the purpose, and is itself audited."""
    form = AuditFilterForm(request.POST)
    export_form = AuditExportForm(request.POST)
    if not (form.is_valid() & export_form.is_valid()):
        return _audit_page(request, form, export_form, status=400)
    path, _rows, filename = audit_log_export(actor=request.user, request=request, filters=form.cleaned_data,
                                             purpose=export_form.cleaned_data["purpose"])
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent; nothing stays on disk
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


@public
def csrf_failure(request, reason=""):
    return TemplateResponse(request, "403_csrf.html", {"reason": reason}, status=403)


@public
def page_not_found(request, exception=None):
    return TemplateResponse(request, "404.html", {}, status=404)


@public
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("您没有权限访问此页面。")
    return TemplateResponse(request, "403.html", {"message": message}, status=403)


@public
def server_error(request):
    from django.shortcuts import render

    return render(request, "500.html", status=500)


@public
def bench_bare(request):
    """The HTTP benchmark's yardstick (relief/bench_http.py): the same server, middleware and client as
    the pages, no database, session or template. Routed only while the benchmark's own gunicorn runs."""
    return HttpResponse(b"ok", content_type="text/plain")


@access_rule()
@require_GET
def watermark_css(request):
    """The page watermark's stylesheet (relief/watermark.py): same-origin, so the CSP needs no inline style."""
    css = ("body.watermarked{background-image:url(\"%s\");background-repeat:repeat;}"
           "@media print{body.watermarked{background-image:url(\"%s\");}}") % ((reverse("watermark_svg"),) * 2)
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@access_rule()
@require_GET
def watermark_svg(request):
    """One tile of the page watermark: the viewer's name and account and the time of the page view."""
    return HttpResponse(watermark_svg_tile(watermark_text(request.user)), content_type="image/svg+xml; charset=utf-8")
