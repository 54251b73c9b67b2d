"""Follow every link a signed-in user is shown, GET only, as a user clicking through the app would."""
import html.parser
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.urls import Resolver404, resolve

# Links that change state or end the session; everything else shown to a user is followed.
SKIPPED_PREFIXES = ("/accounts/logout/", "/admin/logout/", "/static/", "/media/")
# Many rows lead to the same page with another id; a handful of each kind shows whether it works.
PER_KIND = 6
# ...and one page with its filters and sort orders combined twenty ways shows it as well as a hundred.
PER_VIEW = 20
# A select in a GET filter form is tried with this many of its options.
OPTIONS_PER_SELECT = 4


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "hx-get"):
            if a.get(name) and tag != "link":
                self.links.append(a[name])
        if tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {"action": a.get("action") or "", "fields": [], "selects": []}
            self.forms.append(self._form)
        elif tag == "form":
            self._form = None
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "options": []}
            self._form["selects"].append(self._select)
        elif self._select is not None and tag == "option":
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def _form_urls(form: dict, page_url: str) -> list[str]:
    action = urljoin(page_url, form["action"]) if form["action"] else page_url
    base = urlsplit(action).path
    fields = list(form["fields"])
    urls = [f"{base}?{urlencode(fields)}" if fields else base]
    for select in form["selects"]:
        for value in [v for v in select["options"] if v][:OPTIONS_PER_SELECT]:
            urls.append(f"{base}?{urlencode(fields + [(select['name'], value)])}")
    return urls


def _normal(url: str, page_url: str) -> str | None:
    url = url.strip()
    if not url or url.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + page_url, url))
    if parts.netloc != "testserver" or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def _kind(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = parts.path
    return name, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


@dataclass
class CrawlResult:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    seconds: dict[str, float] = field(default_factory=dict)  # url -> time to answer, to find slow pages
    failures: list[str] = field(default_factory=list)


def crawl(client, start="/", limit=300, *, per_kind_limit=PER_KIND, per_view_limit=PER_VIEW,
          on_page=None) -> CrawlResult:
    """`on_page(url, response)` is called for every HTML page that opened (the English crawl reads them)."""
    result = CrawlResult()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    queued = {start}
    per_kind: Counter = Counter()
    per_view: Counter = Counter()
    while queue and len(result.visited) < limit:
        url, found_on = queue.popleft()
        started = time.perf_counter()
        try:
            response = client.get(url, follow=True)
        except Exception as error:  # the page raised: the user would see a 500
            result.failures.append(f"{url} (linked from {found_on}) raised {type(error).__name__}: {error}")
            result.visited[url] = 500
            continue
        result.visited[url] = response.status_code
        result.seconds[url] = time.perf_counter() - started
        if response.status_code >= 400:
            result.failures.append(f"{url} (linked from {found_on}) answered {response.status_code}")
            continue
        # Pages and downloads a signed-in user is shown hold personal data: no browser or proxy may keep them.
        if "no-store" not in response.get("Cache-Control", ""):
            result.failures.append(f"{url} (linked from {found_on}) may be cached: "
                                   f"Cache-Control {response.get('Cache-Control')!r}")
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        if on_page is not None:
            on_page(url, response)
        final_url = response.request["PATH_INFO"]
        parser = _Links()
        parser.feed(response.content.decode())
        candidates = [_normal(link, final_url) for link in parser.links]
        for form in parser.forms:
            candidates += [_normal(u, final_url) for u in _form_urls(form, final_url)]
        for link in candidates:
            if link is None or link in queued:
                continue
            kind = _kind(link)
            if per_kind[kind] >= per_kind_limit or per_view[kind[0]] >= per_view_limit:
                continue
            per_kind[kind] += 1
            per_view[kind[0]] += 1
            queued.add(link)
            queue.append((link, url))
    return result
