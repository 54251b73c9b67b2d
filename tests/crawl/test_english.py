"""Every page of the every-page crawl, in English: no Chinese left in the app's own words.

The crawl of test_every_page runs again with `Accept-Language: en` (an English browser) as a user of each
kind of account, and reads every HTML page it opens: its text and the attributes a reader sees (title,
placeholder, aria-label, alt, data-label, a button's value). A run of Chinese characters there is either data
(a name, an address, a village, a note someone typed: text the demo database holds) or a string of the app
that is not translated: not marked for translation, missing from locale/en, or built from Chinese pieces in
code (f"{n}户"). Each of those fails the test, with the page and the words around it.

Data is recognised by the database itself: every text value (CharField, TextField, JSON strings) of every
model after the demo district is loaded. A run on the page is data when it is one of the runs those values
hold, a concatenation of such runs (a township's name written beside its village's), or, for a run of two
characters or more or one touching a mask or an ellipsis (王*, 华阳路…), a piece of one (masked and
truncated names). Text an element marks as Chinese on purpose (`lang="zh-hans"`, the language switch's
"简体中文") is not read.

Chinese punctuation (full-width ：，（）；。) is the app's too unless it is data: a run of Chinese characters and
such punctuation holding one is judged as a Han run is, against the runs of the same kind the data holds, so
"Status：" or "Visits（3）" fails while a note typed as "陈某（自述）" passes.

Run it alone: RELIEF_TEST_DB_NAME=var/test_<you>.sqlite3 .venv/bin/python -m pytest tests/crawl/test_english.py
(after `make messages`: the English it checks is the compiled catalog).
"""
import html.parser
import re
from collections import defaultdict

import pytest
from django.apps import apps
from django.db import models

from .crawler import crawl

pytestmark = pytest.mark.django_db

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN_RUN = re.compile(f"[{HAN}]+")
# Full-width punctuation an English page must not show in its own words.
PUNCTUATION = "：，（）；。"
PUNCTUATED_RUN = re.compile(f"[{HAN}{PUNCTUATION}]*[{PUNCTUATION}][{HAN}{PUNCTUATION}]*")
# Attributes whose words a reader sees or hears.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-label", "label")
MASKS = "*＊…."
# One account of each kind reaches every page its kind is shown; two of a kind show the same pages with
# other data. Fewer pages of each kind than the every-page crawl, so more kinds within the limit.
ROLES = ["township1", "caseworker1", "district", "admin", "shebao1"]
PER_KIND, PER_VIEW, LIMIT = 3, 8, 250
# Where a second, short crawl starts for an account: pages the first one reaches only past its limits (the
# roster forms of a household on the roster: the every-page crawl reaches them).
EXTRA_STARTS = {"township1": ["/households/?on_roster=1"]}
EXTRA_LIMIT = 25
# Pages a signed-out visitor sees.
SIGNED_OUT = ["/accounts/login/", "/no/such/page/"]


class _Reader(html.parser.HTMLParser):
    """Text and read attributes of a page, with where they are; script, style and lang="zh…" parts skipped."""

    SKIPPED = {"script", "style"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip: list[str] = []  # tag names whose content is being skipped, innermost last

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.append(tag)
            return
        if tag in self.SKIPPED or (a.get("lang") or "").lower().startswith("zh") and tag != "html":
            if tag not in self.VOID:
                self._skip.append(tag)
            return
        for name in READ_ATTRIBUTES:
            if a.get(name):
                self.texts.append(a[name])
        if tag == "input" and (a.get("type") or "").lower() in ("submit", "button", "reset") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def _data_runs(pattern: re.Pattern = HAN_RUN) -> set[str]:
    """Every run of Chinese characters (or of the pattern's) in a text value of the database."""
    runs: set[str] = set()

    def add(value):
        if isinstance(value, str):
            runs.update(pattern.findall(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                add(key)
                add(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                add(item)

    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if not names or model._meta.proxy:
            continue
        for row in model._default_manager.values_list(*names).iterator(chunk_size=5000):
            for value in row:
                add(value)
    return runs


class _DataJudge:
    def __init__(self, runs: set[str]):
        self.runs = runs
        self.blob = "\n".join(sorted(runs))
        self.longest = max((len(r) for r in runs), default=0)
        self._known: dict[tuple, bool] = {}

    def is_data(self, run: str, before: str, after: str) -> bool:
        masked = before in MASKS or after in MASKS
        key = (run, masked)
        if key not in self._known:
            self._known[key] = self._judge(run, masked)
        return self._known[key]

    def _judge(self, run: str, masked: bool) -> bool:
        if run in self.runs:
            return True
        if (len(run) >= 2 or masked) and run in self.blob:
            return True
        # Data written next to data: split the run into pieces each of which is a run of the database.
        reach = [False] * (len(run) + 1)
        reach[0] = True
        for end in range(1, len(run) + 1):
            for start in range(max(0, end - self.longest), end):
                if reach[start] and run[start:end] in self.runs:
                    reach[end] = True
                    break
        return reach[-1]


def _chinese_left(page: str, judge: _DataJudge, pattern: re.Pattern = HAN_RUN) -> list[tuple[str, str]]:
    reader = _Reader()
    reader.feed(page)
    found = []
    for text in reader.texts:
        for match in pattern.finditer(text):
            before = text[match.start() - 1] if match.start() else ""
            after = text[match.end()] if match.end() < len(text) else ""
            if not judge.is_data(match.group(), before, after):
                context = " ".join(text[max(0, match.start() - 30):match.end() + 30].split())
                found.append((match.group(), context))
    return found


def test_every_page_in_english_has_no_chinese_but_data(client, full_demo):
    judge = _DataJudge(_data_runs())
    punctuation_judge = _DataJudge(_data_runs(PUNCTUATED_RUN))
    left: dict[str, dict] = defaultdict(lambda: {"pages": set(), "context": ""})
    visited = 0

    def read(url, response):
        nonlocal visited
        visited += 1
        page = response.content.decode()
        for run, context in (_chinese_left(page, judge)
                             + _chinese_left(page, punctuation_judge, PUNCTUATED_RUN)):
            entry = left[run]
            entry["pages"].add(url)
            entry["context"] = entry["context"] or context

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for url in SIGNED_OUT:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert '<html lang="en">' in response.content.decode(), f"{url} is not in English"
        read(url, response)
    failures = []
    for username in ROLES:
        client.force_login(full_demo.users[username])
        first = client.get("/")
        assert '<html lang="en">' in first.content.decode(), f"the home page of {username} is not in English"
        result = crawl(client, limit=LIMIT, per_kind_limit=PER_KIND, per_view_limit=PER_VIEW, on_page=read)
        failures += result.failures
        for start in EXTRA_STARTS.get(username, []):
            failures += crawl(client, start=start, limit=EXTRA_LIMIT, per_kind_limit=PER_KIND,
                              per_view_limit=PER_VIEW, on_page=read).failures
        client.logout()
    print(visited, "pages read in English,", len(judge.runs), "runs of Chinese in the data")
    assert not failures, "pages that failed in English:\n" + "\n".join(failures)
    report = [f"{run!r} on {len(e['pages'])} page(s), e.g. {sorted(e['pages'])[0]}: …{e['context']}…"
              for run, e in sorted(left.items(), key=lambda item: (-len(item[1]["pages"]), item[0]))]
    assert not report, (f"{len(report)} runs of Chinese or of Chinese punctuation on English pages are not data "
                        f"(untranslated or not marked for translation):\n" + "\n".join(report))
