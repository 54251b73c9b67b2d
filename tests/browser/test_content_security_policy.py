"""Each role walks the app's main pages in Chromium and the Content-Security-Policy refuses nothing.

The policy allows scripts and styles from the app's static files only, so a page that still wrote an inline
script, an on…="" handler or a style attribute would lose it in the browser; Chromium reports each such
refusal as a `securitypolicyviolation` event, collected here on every page.
"""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.demo_district import load_full_demo

pytestmark = [pytest.mark.browser]

ROLES = ["caseworker1", "township1", "district", "admin"]
PAGES_PER_ROLE = 40
# Links not followed: they end the session or start a download instead of opening a page.
SKIPPED = ("/accounts/logout/", "/admin/logout/", "/static/", "download", "error-report", "template")
# Django admin pages the admin role also opens (its own policy allows the admin packages' inline code).
ADMIN_PAGES = ["/admin/", "/admin/relief/user/", "/admin/households/household/",
               "/admin/households/household/import/", "/admin/households/household/export/"]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
                              e.sourceFile + ":" + e.lineNumber);
});
"""


def _links(page, base_url) -> list[str]:
    hrefs = page.eval_on_selector_all("header a[href], main a[href]", 
                                   "els => els.map(e => new URL(e.getAttribute('href'), location.href).href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base_url or any(s in parts.path for s in SKIPPED):
            continue
        paths.append(parts.path)
    return paths


def _kind(path: str) -> str:
    """One page of each kind (/households/N/) is walked, without its filters: the templates are the point."""
    return re.sub(r"\d+", "N", path)


def _open(page, url, found: list[str]) -> bool:
    try:
        page.goto(url)
    except PlaywrightError as error:  # a download the skip list did not foresee
        if "Download is starting" in str(error):
            return False
        raise
    page.wait_for_load_state("load")
    found += [f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []")]
    return True


def test_main_pages_of_every_role_break_no_policy_rule(transactional_db, browser_login, live_server):
    load_full_demo()
    page = browser_login("caseworker1")
    page.add_init_script(COLLECT_VIOLATIONS)
    base = live_server.url
    # The collector sees a refusal when there is one: an inline script added to a page is refused.
    page.goto(f"{base}/")
    refused = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener("securitypolicyviolation", e => resolve(e.violatedDirective), {once: true});
        const script = document.createElement("script");
        script.textContent = "window.ran = 1";
        document.body.appendChild(script);
    })""")
    assert refused.startswith("script-src") and page.evaluate("window.ran") is None
    assert page.evaluate("window.__cspViolations.length") == 1

    violations: list[str] = []
    walked = {}
    for username in ROLES:
        page.context.clear_cookies()
        browser_login(username)
        queue = ["/"] + (ADMIN_PAGES if username == "admin" else [])
        seen = {_kind(url) for url in queue}
        opened = 0
        while queue and opened < PAGES_PER_ROLE:
            url = queue.pop(0)
            if not _open(page, base + url, violations):
                continue
            opened += 1
            for link in _links(page, base):
                if _kind(link) not in seen:
                    seen.add(_kind(link))
                    queue.append(link)
        walked[username] = opened
    assert not violations, "\n".join(violations)
    assert all(count >= 10 for count in walked.values()), walked
