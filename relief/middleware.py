"""Middleware of the whole site: the audit log's client address and the headers every response carries."""
from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from relief.http import client_address


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware, with the client address read as for our own audit entries and
    django-axes (its own takes the leftmost X-Forwarded-For, which the client writes)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)

    @staticmethod
    def _get_remote_port(request):
        # X-Forwarded-Port is the client's to forge like X-Forwarded-For; the port says nothing we need.
        return None


# Scripts and styles come from our own static files only, so an injected <script> or on…="" attribute does
# not run. The Django admin and the packages that extend it (import-export, celery beat, guardian,
# auditlog) write inline scripts, handlers and styles in their templates: only their pages allow them.
APP_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
ADMIN_POLICY = {**APP_POLICY, "script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"}


def policy_header(policy: dict) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    """The Content-Security-Policy of every page, and no caching of what a signed-in user is shown.

    Every response to a signed-in user may hold personal data (pages, ledgers, photos, import error
    reports), so none is kept by the browser or a proxy on a shared township computer. Static files
    never get here: whitenoise answers them before this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.app_policy = policy_header(APP_POLICY)
        self.admin_policy = policy_header(ADMIN_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        admin_prefix = reverse("admin:index")
        response.setdefault("Content-Security-Policy",
                            self.admin_policy if request.path.startswith(admin_prefix) else self.app_policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
