"""离线走访 (issue 17): the offline shell, its service worker, the download and the way back (visits/offline.py).

The JSON endpoints answer JSON to the phone's scripts; the rules are the ones every page has (@access_rule,
CSRF on every POST, the household looked up within the user's villages by the service).
"""
import hashlib

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relief.access import Action, access_rule
from relief.audit import AuditEvent, audit_record
from relief.models import Role

from . import offline

# The app's own static files the service worker keeps, so that the offline pages look and work as online.
# Nothing else is cached: no page with personal data, no admin, ledger or export (their data lives only in
# the app's IndexedDB store, which signing out clears).
SHELL_STATIC = ["css/relief.css", "css/visits.css", "js/relief.js", "js/offline.js", "js/offline-app.js",
                "vendor/htmx.min.js", "manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png"]


@access_rule(Action.LOG_VISITS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
@require_GET
def offline_shell(request):
    """离线走访: the worklist, household pages and visit form drawn on the phone from what it downloaded.

    The page itself holds no personal data, no user's name and no CSRF token: the service worker keeps it
    and shows it for the worklist, a household page or the visit form when the network is away.
    """
    return TemplateResponse(request, "visits/offline.html", {
        "download_url": reverse("visits:offline_download"), "sync_url": reverse("visits:offline_sync"),
        "change_url": reverse("visits:offline_change"), "session_url": reverse("visits:offline_session"),
        "worklist_url": reverse("visits:worklist"),
    })


@access_rule()
@require_GET
def offline_sw(request):
    """The service worker, served from here with `Service-Worker-Allowed: /` so that its scope is the whole
    site (it answers for /visits/ and /households/<id>/ when offline). Rendered, so that it names the static
    files by the names collectstatic gave them; a release changes its text and so replaces it."""
    body = render_to_string("visits/offline_sw.js", {
        "static_files": [static(path) for path in SHELL_STATIC],
        "shell_url": reverse("visits:offline_shell"),
        # The scripts' words, one address per language (the pages ask with ?lang=): the offline page finds
        # the catalog of the language it was kept in.
        # In Python, not {% translate %}: makemessages reads no .js file for the django domain. Rendered in the
        # request's language (a language switch changes the text, so the phone gets the worker anew).
        "offline_title": _("离线"),
        "offline_text": _("网络不可用，本机尚未下载离线走访数据。请联网后在“走访任务”页点击“下载今日走访”。"),
        "catalog_urls": [f"{reverse('javascript_catalog')}?lang={code}" for code, _name in settings.LANGUAGES],
    })
    body = body.replace("__VERSION__", hashlib.sha256(body.encode()).hexdigest()[:12])
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@access_rule()
@require_GET
def offline_session(request):
    """Who is signed in, and a CSRF token for the sync: the phone asks before it sends its outbox, so that it
    never sends one user's visits in another's session."""
    return JsonResponse({"user": request.user.pk, "csrf": get_token(request)})


@access_rule(Action.LOG_VISITS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
@require_GET
def offline_download(request):
    """下载今日走访: one request, one JSON package (visits.offline.offline_package), audited."""
    package = offline.offline_package(request.user, pinned_ids=request.GET.getlist("pin"))
    audit_record(event=AuditEvent.EXPORT, actor=request.user, request=request,
                 description=_("下载离线走访数据 %(n)d 户") % {"n": len(package.household_ids)},
                 detail={"households": package.household_ids, "bytes": package.payload["bytes"]})
    return HttpResponse(package.body, content_type="application/json; charset=utf-8")


@access_rule(Action.LOG_VISITS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
@require_POST
def offline_sync(request):
    """One visit of the phone's outbox: stored, already stored (the same submission key), or refused with why."""
    outcome = offline.offline_visit_sync(actor=request.user, household_id=request.POST.get("household", ""),
                                         data=request.POST, files=request.FILES)
    return JsonResponse(outcome.as_json(), status=outcome.http_status)


@access_rule(Action.EDIT_HOUSEHOLDS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
@require_POST
def offline_change(request):
    """A household fact changed offline (the phone number), against the version it was read at."""
    fields = {name: request.POST[name] for name in offline.EDITABLE_FIELDS if name in request.POST}
    outcome = offline.offline_household_change(actor=request.user, household_id=request.POST.get("household", ""),
                                               version=request.POST.get("version"), fields=fields)
    return JsonResponse(outcome.as_json(), status=outcome.http_status)
