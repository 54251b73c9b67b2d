"""Every routed URL: anonymous users are sent to log in; objects outside a user's jurisdiction are 404."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.url_samples import NOT_JURISDICTIONAL, OUTSIDE_OBJECT_KWARGS

pytestmark = pytest.mark.django_db

# Django's own admin has its own login and permission rules (is_staff + model permissions).
ADMIN_PREFIX = "admin:"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else None, prefix + str(entry.pattern), entry


def routed():
    return [(name, route, entry) for name, route, entry in _walk(get_resolver().url_patterns) if name]


def own_urls():
    return [(n, r, e) for n, r, e in routed() if not n.startswith(ADMIN_PREFIX)]


def _dummy_kwargs(entry: URLPattern) -> dict:
    converters = getattr(entry.pattern, "converters", {})
    kwargs = {}
    for key, converter in converters.items():
        kind = type(converter).__name__
        kwargs[key] = {"IntConverter": 1, "UUIDConverter": "00000000-0000-0000-0000-000000000001"}.get(kind, "x")
    # Regex routes (the admin's app index) take an app label.
    for key in getattr(getattr(entry.pattern, "regex", None), "groupindex", {}):
        kwargs.setdefault(key, "relief")
    return kwargs


PUBLIC = {"login", "set_language", "javascript_catalog"}  # the language switch and the scripts' words are on the login page too


@pytest.mark.parametrize("name", [n for n, _, _ in routed()])
def test_anonymous_is_sent_to_login(client, name):
    """An anonymous request to any routed URL is redirected to a login page (only the login page is open)."""
    entry = {n: e for n, _, e in routed()}[name]
    if name in PUBLIC or name == "admin:login":
        return
    url = reverse(name, kwargs=_dummy_kwargs(entry))
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, f"{name} answered {response.status_code} to an anonymous {method}"
        assert "/login/" in response["Location"], f"{name} redirected to {response['Location']}"


def test_every_view_states_its_access_rule():
    """A view without an access rule (relief.access.access_rule or public) fails this test."""
    missing = [n for n, _, e in own_urls() if not hasattr(e.callback, "access_rule")]
    assert not missing, f"views without an access rule: {missing}"


def test_every_url_with_arguments_has_an_outside_object():
    missing = [n for n, _, e in own_urls() if _dummy_kwargs(e) and n not in OUTSIDE_OBJECT_KWARGS
               and n not in NOT_JURISDICTIONAL]
    assert not missing, f"add these to tests/url_samples.py: {missing}"


@pytest.mark.parametrize("name", sorted(OUTSIDE_OBJECT_KWARGS))
@pytest.mark.parametrize("who", ["caseworker_a", "township1"])
def test_object_outside_jurisdiction_is_404(client, demo, name, who):
    """A user whose jurisdiction does not cover the object gets 404, not 403 and not the data."""
    kwargs = OUTSIDE_OBJECT_KWARGS[name](demo)
    client.force_login(getattr(demo, who))
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    assert response.status_code == 404, f"{name} as {who}: {response.status_code}"
    assert "页面不存在" in response.content.decode()


def test_unknown_url_gets_the_chinese_404_page(client, demo):
    client.force_login(demo.caseworker_a)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("username", ["caseworker1", "township1", "district", "admin"])
def test_may_open_agrees_with_the_page_for_every_role(client, demo, username):
    """Links are shown by access.may_open; it must answer as the page itself does (403 or not)."""
    from relief import access

    user = demo.users[username]
    client.force_login(user)
    disagreements = []
    for name, route, entry in own_urls():
        if entry.pattern.converters or getattr(entry.callback, "access_rule", {}).get("public"):
            continue
        if name in ("logout",):
            continue
        response = client.get(reverse(name))
        if access.may_open(user, name) != (response.status_code != 403):
            disagreements.append(f"{name}: may_open={access.may_open(user, name)}, GET={response.status_code}")
    assert not disagreements, disagreements
