"""What the app takes from a request's headers: the client's address and where to send it next.

Both come from the client, so both are checked here once: the address is read only from the
hops our own proxies added, a redirect target only if it stays on this site.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from ipware import get_client_ip


def client_address(request) -> str | None:
    """The client's address, for django-axes (AXES_CLIENT_IP_CALLABLE) and the audit log alike.

    With PROXY_COUNT = 0 the app faces clients directly and X-Forwarded-For is ignored. Behind N
    proxies, each appends the address it saw to X-Forwarded-For, so the client is the N-th entry
    from the right; whatever stands further left was sent by the client and may be forged.
    """
    if request is None:
        return None
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxies = settings.RELIEF_PROXY_COUNT
    if not proxies:
        return remote_addr
    # ipware counts the proxies listed in the header ("client, proxy1, ..."); the proxy next to us is
    # not listed there (it is REMOTE_ADDR), hence proxies - 1. Not strict: a longer chain is a client
    # that sent its own header, whose left part we skip. Only X-Forwarded-For: ipware would otherwise
    # prefer any header that yields a public address, and every other header is the client's to forge.
    address, _routable = get_client_ip(
        request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False)
    # A request that did not pass through all our proxies (a health check on the host itself) has a
    # shorter chain: the address that reached us is then the only one we know.
    return address or remote_addr


def safe_redirect_target(request, target: str | None, fallback: str) -> str:
    """`target` (a `next` parameter or the Referer) if it leads back into this site, else `fallback`."""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback
