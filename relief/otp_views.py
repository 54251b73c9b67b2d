"""The sign-in step pages (relief/signin.py): the second factor (verify, enrol), the forced password change,
and the session clock the page's timeout warning reads."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from . import otp, signin
from .access import access_rule, public
from .forms import LoginForm
from .passwords import password_expired


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"), max_length=20, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}),
        error_messages={"required": _("请输入验证码。")})


@never_cache
@access_rule()
def otp_verify(request):
    """The second factor after the password: the phone's code or a recovery code."""
    user = request.user
    if "otp" not in signin.pending_steps(request):
        return redirect(signin.next_url(request))
    if not otp.has_second_factor(user):
        return redirect("otp_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, refusal = otp.verify(user=user, token=form.cleaned_data["code"], request=request)
        if device is not None:
            from django_otp import login as otp_login

            otp_login(request, device)
            signin.finish_step(request, "otp")
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(request, gettext("已使用一个恢复码，还剩 %(n)s 个。恢复码用完前请联系安全管理员。")
                                 % {"n": otp.recovery_codes_left(user)})
            return redirect(signin.next_url(request))
        form.add_error("code", refusal)
    return TemplateResponse(request, "registration/otp_verify.html", {"form": form})


@never_cache
@access_rule()
def otp_enrol(request):
    """Enrolment after the password, for a role that requires a second factor and has none: scan (or type)
    the key, confirm with the code the phone shows, keep the recovery codes."""
    user = request.user
    if "otp" not in signin.pending_steps(request) or otp.has_second_factor(user):
        return redirect(signin.next_url(request) if "otp" not in signin.pending_steps(request) else "otp_verify")
    device = otp.enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.enrolment_confirm(user=user, device=device, token=form.cleaned_data["code"], request=request)
        except otp.OtpError as error:
            form.add_error("code", str(error))
        else:
            from django_otp import login as otp_login

            otp_login(request, device)
            signin.finish_step(request, "otp")
            return TemplateResponse(request, "registration/otp_recovery_codes.html",
                                    {"codes": codes, "next": signin.next_url(request)})
    return TemplateResponse(request, "registration/otp_enrol.html", {
        "form": form, "secret": otp.secret_text(device), "uri": device.config_url, "qr": otp.qr_svg(device.config_url),
        "required": otp.otp_required(user)})


class LoginView(auth_views.LoginView):
    """The login page; a sign-in with steps left goes to the first, and the page it was asked for (next) is
    kept for after the last (relief/signin.py next_url)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        if signin.pending_steps(self.request):
            self.request.session[signin.NEXT_KEY] = url
            return signin.next_url(self.request)
        return url


class OwnPasswordChangeForm(PasswordChangeForm):
    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own change: from the top bar, or the sign-in step that asks for one (first sign-in, after a
    reset, expired), which it then ends."""

    template_name = "registration/password_change_form.html"
    form_class = OwnPasswordChangeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if "password" in signin.pending_steps(self.request):
            context["reason"] = (_("您的密码已过期，请设置新密码后继续。") if password_expired(user) and
                                 not user.must_change_password else _("首次登录或密码被重置后，须先设置新密码才能继续使用。"))
        return context

    def form_valid(self, form):
        was_step = "password" in signin.pending_steps(self.request)
        response = super().form_valid(form)
        if not was_step:
            return response
        signin.finish_step(self.request, "password")
        messages.success(self.request, gettext("新密码已生效。"))
        return redirect(signin.next_url(self.request))


password_change_view = never_cache(access_rule()(PasswordChangeView.as_view()))
login_view = public(LoginView.as_view(authentication_form=LoginForm))


@never_cache
@access_rule()
def session_status(request):
    """Seconds left until the idle and the absolute end; asking is not activity (relief/signin.py)."""
    left = signin.seconds_left(request)
    return JsonResponse({**left, "warn": settings.RELIEF_SESSION_WARN_SECONDS})


@never_cache
@access_rule()
def session_keepalive(request):
    """继续 in the timeout warning: the user is there; the idle clock starts again (not the absolute one)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    signin.touch(request)
    left = signin.seconds_left(request)
    return JsonResponse({**left, "warn": settings.RELIEF_SESSION_WARN_SECONDS})
