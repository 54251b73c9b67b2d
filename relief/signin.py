"""Sign-in steps and session ends — 登录步骤与会话超时 (身份鉴别).

A session opened with a password (any form that calls `authenticate` with one: the login page, the Django
admin's) is given the steps it must finish before anything else, in this order:
  1. "otp": the second factor — the code of the enrolled phone, or enrolment for a role that requires one
     (settings.RELIEF_OTP_REQUIRED_ROLES) and has none yet;
  2. "password": a new password, when the account must change it (new, reset) or it has expired.
The steps are decided at sign-in and kept in the session, so a request reads nothing more. `force_login` (the
tests) opens a session without a password and so without steps; no production path logs in without one.

Every session ends after RELIEF_SESSION_IDLE_MINUTES without a request and RELIEF_SESSION_ABSOLUTE_HOURS after
it began. The page warns before the idle end (static/js/session_timeout.js asks `session_status`, which
does not count as activity, and 继续 posts to `session_keepalive`).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

STEPS_KEY = "relief_signin_steps"
STARTED_KEY = "relief_session_started"
SEEN_KEY = "relief_session_seen"
NEXT_KEY = "relief_signin_next"  # the page asked for at sign-in, opened once the steps are done
# A request refreshes the idle clock at most this often, so an ordinary page writes no session.
SEEN_GRANULARITY = 60

STEP_URLS = {"otp": "otp_verify", "password": "password_change"}
# Pages a session with steps left may open: those of its next step only (no new password before the second
# factor: the password alone must not lock the owner out), leaving, the session clock.
STEP_PAGES = {"otp": {"otp_verify", "otp_enrol"}, "password": {"password_change"}}
ALWAYS_PAGES = {"logout", "session_status", "session_keepalive", "login"}
# Requests that are not the user's activity (the page's own clock asking how long is left).
PASSIVE_PAGES = {"session_status"}

PASSWORD_LOGIN_MARK = "_relief_password_login"


def mark_password_login(request) -> None:
    """Called by the login backend when a password was checked: this request's login opens a session with steps."""
    if request is not None:
        setattr(request, PASSWORD_LOGIN_MARK, True)


def steps_for(user) -> list[str]:
    from .otp import has_second_factor, otp_required
    from .passwords import must_change_password

    steps = []
    if otp_required(user) or has_second_factor(user):
        steps.append("otp")
    if must_change_password(user):
        steps.append("password")
    return steps


@receiver(user_logged_in, dispatch_uid="relief.signin.start_session")
def start_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now
    if getattr(request, PASSWORD_LOGIN_MARK, False):
        steps = steps_for(user)
        if steps:
            request.session[STEPS_KEY] = steps
        else:
            request.session.pop(STEPS_KEY, None)


def pending_steps(request) -> list[str]:
    return list(request.session.get(STEPS_KEY) or [])


def finish_step(request, step: str) -> None:
    steps = [s for s in pending_steps(request) if s != step]
    if steps:
        request.session[STEPS_KEY] = steps
    else:
        request.session.pop(STEPS_KEY, None)


def next_url(request) -> str:
    """Where the user goes once a step is done: the next step, else the home page."""
    steps = pending_steps(request)
    if steps:
        return reverse(STEP_URLS[steps[0]])
    return request.session.pop(NEXT_KEY, None) or reverse(settings.LOGIN_REDIRECT_URL)


def idle_seconds() -> int:
    return settings.RELIEF_SESSION_IDLE_MINUTES * 60


def absolute_seconds() -> int:
    return settings.RELIEF_SESSION_ABSOLUTE_HOURS * 3600


def seconds_left(request, now: int | None = None) -> dict:
    """How long the session has: until the idle end and until the absolute end."""
    now = int(time.time()) if now is None else now
    session = request.session
    seen = session.get(SEEN_KEY, now)
    started = session.get(STARTED_KEY, now)
    return {"idle": max(seen + idle_seconds() - now, 0), "absolute": max(started + absolute_seconds() - now, 0)}


def touch(request, now: int | None = None) -> None:
    request.session[SEEN_KEY] = int(time.time()) if now is None else now


def _redirect(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"redirect": url}, status=401)
    return HttpResponseRedirect(url)


class SignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        url_name = _url_name(request.path_info)
        now = int(time.time())
        session = request.session
        started = session.get(STARTED_KEY)
        seen = session.get(SEEN_KEY)
        if started is None:  # a session older than these rules: its clocks start now
            session[STARTED_KEY] = started = now
        if seen is not None and now - seen >= idle_seconds():
            return self._end(request, user, "idle")
        if now - started >= absolute_seconds():
            return self._end(request, user, "absolute")
        if url_name not in PASSIVE_PAGES and (seen is None or now - seen >= SEEN_GRANULARITY):
            touch(request, now)
        steps = pending_steps(request)
        if steps and url_name not in ALWAYS_PAGES and url_name not in STEP_PAGES[steps[0]]:
            return _redirect(request, reverse(STEP_URLS[steps[0]]))
        return self.get_response(request)

    def _end(self, request, user, why: str):
        from .audit import AuditEvent, audit_record

        audit_record(event=AuditEvent.SESSION_TIMEOUT, actor=user, obj=user, request=request,
                     detail={"why": why})
        path = request.get_full_path()
        logout(request)
        if why == "idle":
            messages.info(request, _("您已 %(n)s 分钟未操作，为保护个人信息已自动退出，请重新登录。"
                                     "未提交的走访记录已保存在本机草稿中。") % {"n": settings.RELIEF_SESSION_IDLE_MINUTES})
        else:
            messages.info(request, _("本次登录已满 %(n)s 小时，请重新登录。") % {"n": settings.RELIEF_SESSION_ABSOLUTE_HOURS})
        page = request.headers.get("X-Relief-Page", "")  # the page whose clock asked (session_timeout.js)
        if page.startswith("/") and not page.startswith("//"):
            path = page
        elif request.method != "GET" or request.headers.get("HX-Request"):
            path = request.headers.get("HX-Current-URL") or reverse(settings.LOGIN_REDIRECT_URL)
        location = redirect_to_login(path)["Location"]
        # The login page it leads to keeps this browser's visit drafts for their author (static/js/relief.js).
        location += ("&" if "?" in location else "?") + "session=ended"
        return _redirect(request, location)


def _url_name(path: str) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).view_name
    except Resolver404:
        return None
