"""A search term stays out of addresses: the lists' search forms post (method="post" beside {% csrf_token %}),
the term is kept in the user's session under a short token and the list is shown again at its own GET
address with ?qt=<token> (Post/Redirect/Get). A whole or partial ID number, a name or a phone number then
never reaches the address bar, the browser's history, the server's access log or a Referer header, and
paging, sorting and reloading still keep the search.

A plain ?q= still works (a link a test or an old bookmark makes); it is only the forms that stopped
putting the term there. A token is worth nothing outside the session that made it: another user, or the
same one after signing in again, sees the list unsearched and is told why."""

import secrets
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect, QueryDict
from django.utils.translation import gettext as _

TERM_FIELD = "q"
TOKEN_FIELD = "qt"
SESSION_KEY = "search_terms"
# Enough for a morning's searches across the lists; the oldest token is forgotten first.
KEPT_TERMS = 30
# Fields a posted search form carries that say nothing about the search.
NOT_FILTERS = ("csrfmiddlewaretoken", TOKEN_FIELD, "page")


def keep_term(session, term: str) -> str:
    """The token under which the session keeps the term: the same token again for a term already kept."""
    kept = dict(session.get(SESSION_KEY) or {})
    for token, kept_term in kept.items():
        if kept_term == term:
            return token
    token = secrets.token_urlsafe(6)
    kept[token] = term
    while len(kept) > KEPT_TERMS:
        kept.pop(next(iter(kept)))
    session[SESSION_KEY] = kept
    return token


def list_address(request) -> str:
    """The list's GET address for a posted search form: its filters as they were, the term as a token."""
    query = QueryDict(mutable=True)
    for name, values in request.POST.lists():
        if name not in NOT_FILTERS and name != TERM_FIELD:
            query.setlist(name, values)
    term = request.POST.get(TERM_FIELD, "").strip()
    if term:
        query[TOKEN_FIELD] = keep_term(request.session, term)
    return request.path + (f"?{query.urlencode()}" if query else "")


def search_data(request) -> QueryDict:
    """The list's filters as its form reads them: the GET parameters, the token swapped for its term."""
    token = request.GET.get(TOKEN_FIELD)
    if not token:
        return request.GET
    data = request.GET.copy()
    del data[TOKEN_FIELD]
    term = (request.session.get(SESSION_KEY) or {}).get(token)
    if term is None:
        messages.warning(request, _("这个搜索只在发起它的登录中有效，已失效；请重新输入搜索内容。"))
    else:
        data[TERM_FIELD] = term
    return data


def searched_by_post(view):
    """A list view whose search form posts: a POST is answered with a redirect (303) to the list's address
    (list_address); the view itself only ever serves GET and reads its filters through search_data."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            return HttpResponseRedirect(list_address(request), status=303)
        return view(request, *args, **kwargs)
    return wrapper


def last_list_address(request, view_name: str) -> str:
    """The list as the user left it for this page (its search token, filters and page), else the list itself.

    Read from the Referer of the page's request: the site sends it within itself only (Referrer-Policy
    same-origin, Django's default) and, since searches post, it names a token, never a term. Only an
    address of that very list on this host: a back link never leads anywhere else."""
    from urllib.parse import urlsplit

    from django.urls import reverse

    base = reverse(view_name)
    came_from = urlsplit(request.META.get("HTTP_REFERER", ""))
    if came_from.netloc == request.get_host() and came_from.path == base and came_from.query:
        return f"{base}?{came_from.query}"
    return base


def search_everywhere_address(request, form, everything: dict | None = None) -> str:
    """With a term in the search box and another filter narrowing the list (a status the list opens on, say):
    the list's address searching the term under no filter, for the link that says the search was narrowed
    (templates/partials/search_everywhere.html); else "". `everything` gives a filter's value that means
    all, where leaving it empty means the list's default."""
    everything = everything or {}
    term = (form.data.get(TERM_FIELD) or "").strip() if form.is_bound else ""
    if not term:
        return ""
    if not any(form.data.get(name) not in (None, "", everything.get(name))
               for name in form.fields if name != TERM_FIELD):
        return ""
    query = QueryDict(mutable=True)
    query.update(everything)
    query[TOKEN_FIELD] = keep_term(request.session, term)
    return f"{request.path}?{query.urlencode()}"


def narrowing_filters(form, everything: dict | None = None) -> list[str]:
    """The filters besides the search box that narrow the list, as the form shows them ("状态：已报乡镇"), for the
    hint beside a narrowed search: the user is told what hid the rows, not only that something did."""
    from . import punctuation

    everything = everything or {}
    if not form.is_bound:
        return []
    shown = []
    for name, field in form.fields.items():
        value = form.data.get(name)
        if name == TERM_FIELD or value in (None, "", everything.get(name)):
            continue
        if isinstance(field.widget, forms.CheckboxInput):
            shown.append(str(field.label))
            continue
        choices = dict((str(k), v) for k, v in getattr(field, "choices", []) if not isinstance(v, (list, tuple)))
        shown.append(f"{field.label}{punctuation.COLON}{choices.get(str(value), value)}")
    return shown


def search_scope(request, form, everything: dict | None = None) -> dict:
    """What templates/partials/search_everywhere.html shows: the address searching everything, and the filters
    that narrowed this search (both empty when nothing narrowed it)."""
    address = search_everywhere_address(request, form, everything)
    return {"address": address, "filters": narrowing_filters(form, everything) if address else []}
