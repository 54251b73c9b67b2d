"""Middleware of the whole site: the audit log's client address and the headers every response carries."""
from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware

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
