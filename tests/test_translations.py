"""The message catalogs: compiled from their .po files, the English one complete, and the language switch.

The .mo files are built by `make messages` (part of `make run` and `make test`), never kept in git; these tests
say what is missing, entry by entry, so a translator can fix it:

- every .po under locale/ has a .mo that holds exactly what msgfmt makes of the .po (not stale);
- the English catalog has no untranslated and no fuzzy entry, and no Chinese character in a translation;
- `makemessages` run now finds no msgid the English catalog lacks (a string marked since the last refresh);
- the same for the scripts' catalog (djangojs.po, served by Django's JavaScriptCatalog at /jsi18n/);
- static JavaScript holds Chinese only as the literal argument of gettext()/ngettext() (and in comments).
"""
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
ENGLISH = LOCALE / "en" / "LC_MESSAGES" / "django.po"
ENGLISH_JS = LOCALE / "en" / "LC_MESSAGES" / "djangojs.po"
ENGLISH_CATALOGS = [ENGLISH, ENGLISH_JS]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# What makemessages reads: the source of the apps and templates (as README "Translations" says).
MAKEMESSAGES_IGNORE = [".venv", "tests", "var", "test-results", "node_modules"]
NEEDS_GETTEXT = "gettext's msgfmt is missing: apt-get install gettext (.ci/run installs it)"


def _gettext_tool(name):
    if shutil.which(name) is None:
        pytest.fail(NEEDS_GETTEXT)
    return name


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _po_files():
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_there_is_an_english_catalog():
    assert ENGLISH.exists(), f"{ENGLISH.relative_to(ROOT)} is missing"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


@pytest.mark.parametrize("po", _po_files(), ids=lambda p: str(p.relative_to(LOCALE)))
def test_message_file_is_compiled_and_current(po, tmp_path):
    """The .mo Django reads is what msgfmt makes of the .po now: run `make messages` after editing a .po."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make messages`"
    fresh = tmp_path / "fresh.mo"
    subprocess.run([_gettext_tool("msgfmt"), "--check-format", "-o", fresh, po], check=True, capture_output=True)
    compiled, expected = _catalog(mo), _catalog(fresh)
    stale = sorted({str(k) for k in expected.keys() ^ compiled.keys()}
                   | {str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]})
    assert not stale, (f"{mo.relative_to(ROOT)} is stale ({len(stale)} entries differ from the .po): "
                       f"run `make messages`. First: {stale[:10]}")


def _entries(po: Path, *flags) -> list[str]:
    """The msgids msgattrib selects (e.g. --untranslated, --only-fuzzy), as `file:line msgid` lines."""
    out = subprocess.run([_gettext_tool("msgattrib"), *flags, "--no-wrap", "--no-obsolete", str(po)],
                         check=True, capture_output=True, text=True).stdout
    found = []
    for block in out.split("\n\n"):
        lines = block.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
        if first is None:
            continue
        text = lines[first][len("msgid "):]
        for line in lines[first + 1:]:  # a msgid with newlines is written as msgid "" and its lines
            if not line.startswith('"'):
                break
            text = text[:-1] + line[1:]
        if text == '""':  # the header
            continue
        ref = next((line[3:].split()[0] for line in lines if line.startswith("#: ")), "")
        found.append(f"{ref} {text}")
    return found


_english = pytest.mark.parametrize("po", ENGLISH_CATALOGS, ids=lambda p: p.name)


@_english
def test_english_catalog_has_no_untranslated_entry(po):
    missing = _entries(po, "--untranslated")
    assert not missing, f"{len(missing)} untranslated entries in {po.relative_to(ROOT)}:\n" + "\n".join(missing)


@_english
def test_english_catalog_has_no_fuzzy_entry(po):
    fuzzy = _entries(po, "--only-fuzzy")
    assert not fuzzy, (f"{len(fuzzy)} fuzzy entries (a guess by msgmerge: check the English, then remove "
                       f"the `#, fuzzy` line) in {po.relative_to(ROOT)}:\n" + "\n".join(fuzzy))


@_english
def test_english_translations_hold_no_chinese(po, tmp_path):
    fresh = tmp_path / "en.mo"
    subprocess.run([_gettext_tool("msgfmt"), "-o", fresh, po], check=True, capture_output=True)
    chinese = [f"{msgid!r} → {text!r}" for msgid, text in _catalog(fresh).items()
               if msgid and HAN.search(text)]
    assert not chinese, f"{len(chinese)} English translations hold Chinese characters:\n" + "\n".join(chinese)


# The scripts' domain reads static/js, not the vendored scripts (nor the service worker's template, whose words
# come from Python: visits.views_offline.offline_sw).
MAKEMESSAGES_JS_IGNORE = MAKEMESSAGES_IGNORE + ["static/vendor/*", "templates"]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_makemessages_finds_no_string_the_english_catalog_lacks(domain, tmp_path):
    """A string marked for translation since the last `makemessages` is in no catalog: refresh it (README)."""
    committed = ENGLISH if domain == "django" else ENGLISH_JS
    ignore = MAKEMESSAGES_IGNORE if domain == "django" else MAKEMESSAGES_JS_IGNORE
    _gettext_tool("xgettext")
    # makemessages writes into the `locale` folder beside the sources it reads: read them through links from a
    # folder of their own, so that the committed catalog is left as it is.
    source = tmp_path / "source"
    source.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in MAKEMESSAGES_IGNORE and entry.name != "locale" and not entry.name.startswith("."):
            (source / entry.name).symlink_to(entry)
    here = os.getcwd()
    os.chdir(source)
    try:
        with override_settings(LOCALE_PATHS=[tmp_path / "out"]):
            call_command("makemessages", locale=["en"], domain=domain, ignore_patterns=list(ignore), symlinks=True,
                         verbosity=0)
    finally:
        os.chdir(here)
    fresh = tmp_path / "out" / "en" / "LC_MESSAGES" / f"{domain}.po"
    # msgcmp lists each msgid of the fresh catalog that the committed one does not define.
    result = subprocess.run([_gettext_tool("msgcmp"), "--use-fuzzy", "--use-untranslated", str(committed), str(fresh)],
                            capture_output=True, text=True)
    lacking = [line for line in result.stderr.splitlines() if "this message is used but not defined" in line]
    new_ids = [_msgid_at(fresh, line) for line in lacking]
    assert result.returncode == 0 and not lacking, (
        f"{len(lacking)} msgids marked in the source are not in {committed.relative_to(ROOT)}: run "
        f"`.venv/bin/python manage.py makemessages -d {domain} -l en "
        f"{' '.join(repr('--ignore=' + i) for i in ignore)}` and translate them:\n"
        + "\n".join(new_ids or [result.stderr]))


def _msgid_at(po: Path, msgcmp_line: str) -> str:
    """msgcmp names the fresh file's line (`…/django.po:123: this message…`): show the msgid written there."""
    match = re.search(r":(\d+): this message", msgcmp_line)
    if not match:
        return msgcmp_line
    lines = po.read_text(encoding="utf-8").splitlines()
    number = int(match.group(1)) - 1
    while number > 0 and not lines[number].startswith("msgid "):  # msgcmp may point at the msgstr
        number -= 1
    text = lines[number]
    if text == 'msgid ""' and number + 1 < len(lines):
        text = "msgid " + lines[number + 1]
    refs = next((lines[i] for i in range(number - 1, max(number - 8, 0), -1) if lines[i].startswith("#: ")), "")
    return f"{refs[3:].split()[0] if refs else ''} {text}"


# The names makemessages reads (Django's xgettext keywords, and `_`); a gettext imported under another name
# (`gettext_lazy as L`) marks nothing: its strings never reach a catalog and stay Chinese on English pages.
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "npgettext_lazy"}


def test_translation_functions_go_by_the_names_makemessages_reads():
    import ast

    aliased = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in MAKEMESSAGES_IGNORE or "migrations" in relative.parts or relative.parts[0] == "locale":
            continue
        # makemessages, run by a test beside this one, writes each template as a passing templates/….html.py
        if path.name.endswith(".html.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                aliased += [f"{relative}:{node.lineno}: {a.name} as {a.asname}" for a in node.names
                            if a.asname and a.asname not in GETTEXT_NAMES]
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                    and node.value.id in GETTEXT_NAMES - {"_"}:
                aliased += [f"{relative}:{node.lineno}: {t.id} = {node.value.id}" for t in node.targets
                            if isinstance(t, ast.Name) and t.id not in GETTEXT_NAMES]
    assert not aliased, "translation functions under names makemessages does not read:\n" + "\n".join(aliased)


def test_no_string_is_translated_at_import():
    """A module or class body runs once, at import, in the default language: there a message must be lazy
    (gettext_lazy) and not formatted (`gettext_lazy(...) % {...}` is translated on the spot)."""
    import ast

    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in MAKEMESSAGES_IGNORE or "migrations" in relative.parts or path.name.endswith(".html.py"):
            continue  # (…/.html.py: makemessages' passing copy of a template, see above)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        eager = {"gettext", "ngettext", "pgettext", "npgettext"}
        lazy = {"gettext_lazy", "ngettext_lazy", "pgettext_lazy", "npgettext_lazy"}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for a in node.names:
                    if a.asname == "_":
                        (eager if a.name in eager else lazy).add("_")

        def visit(node, in_function):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_function = True
            elif not in_function:
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in eager:
                    found.append(f"{relative}:{node.lineno}: {node.func.id}(...) at import: use gettext_lazy")
                elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Call)
                      and isinstance(node.left.func, ast.Name) and node.left.func.id in lazy):
                    found.append(f"{relative}:{node.lineno}: {node.left.func.id}(...) % ... at import: format it "
                                 f"when it is shown")
            for child in ast.iter_child_nodes(node):
                visit(child, in_function)

        visit(tree, False)
    assert not found, "messages translated once at import, in Chinese for everyone:\n" + "\n".join(found)


# A string literal in JavaScript ("…" or '…'), a comment, or a call of gettext/ngettext whose arguments are
# literals: what is left once those calls and the comments are taken out must hold no Chinese.
_JS_STRING = r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
_JS_TRANSLATED = re.compile(r"\b(?:gettext|ngettext)\(\s*(?:%s)(?:\s*,\s*(?:%s))?" % (_JS_STRING, _JS_STRING))
_JS_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def _untranslated_chinese(source: str) -> list[int]:
    """The line numbers where Chinese shows outside a gettext("…")/ngettext("…", "…") and outside comments."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # keep the line numbers
    # Strings first (a "//" inside one is no comment), then the comments outside them.
    pattern = re.compile(r"%s|%s|%s" % (_JS_TRANSLATED.pattern, _JS_STRING, _JS_COMMENT.pattern), re.S)
    kept = pattern.sub(lambda m: blank(m) if _JS_TRANSLATED.fullmatch(m.group(0)) or _JS_COMMENT.fullmatch(m.group(0))
                       else m.group(0), source)
    return [n for n, line in enumerate(kept.splitlines(), 1) if HAN.search(line)]


def test_the_chinese_check_of_scripts_sees_what_it_should():
    assert _untranslated_chinese('a = gettext("待上传");\n/* 离线走访 */ b = 1; // 注释\n') == []
    assert _untranslated_chinese("a = ngettext('一条', '多条', n);") == []
    assert _untranslated_chinese('a = interpolate(gettext("待上传 %(n)s 条"), {n: n}, true);') == []
    assert _untranslated_chinese('a = "待上传 " + n + " 条";') == [1]
    assert _untranslated_chinese('x = 1;\na = gettext(prefix + "条");') == [2]
    assert _untranslated_chinese('a = "// 不是注释";') == [1]


def test_static_javascript_holds_chinese_only_in_gettext_calls():
    """A script's words go through gettext() (Django's JavaScript catalog, /jsi18n/), so that they are translated:
    Chinese anywhere else in a script stays Chinese on an English page."""
    found = []
    for path in sorted((ROOT / "static").rglob("*.js")):
        if "vendor" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        found += [f"{path.relative_to(ROOT)}:{n}: {lines[n - 1].strip()[:120]}"
                  for n in _untranslated_chinese(path.read_text(encoding="utf-8"))]
    assert not found, ("Chinese text outside gettext(\"…\") in static JavaScript (wrap it; with values, "
                       "interpolate(gettext(\"… %(n)s …\"), {n: n}, true)):\n" + "\n".join(found))


@pytest.mark.django_db
def test_the_script_catalog_speaks_the_language_asked(client):
    url = reverse("javascript_catalog")
    english = client.get(url + "?lang=en")
    assert english.status_code == 200 and english["Content-Type"].startswith("text/javascript")
    body = english.content.decode()
    assert '"Offline visit tasks"' in body and "Offline (no network)" in body
    # Without ?lang, the user's language (the header switch's cookie); Chinese has no entries of its own.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Offline visit tasks" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "Offline visit tasks" not in client.get(url).content.decode()
    assert "Offline visit tasks" not in client.get(url + "?lang=zh-hans").content.decode()


@pytest.mark.django_db
def test_pages_and_the_offline_page_load_the_catalog_before_the_scripts(client, demo):
    client.force_login(demo.caseworker_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    catalog = f'<script src="{reverse("javascript_catalog")}?lang=en" defer></script>'
    for url in (reverse("home"), reverse("visits:offline_shell")):
        page = client.get(url).content.decode()
        assert catalog in page, url
        assert page.index(catalog) < page.index("js/offline.js"), url
    # The service worker keeps the catalog of each language, for the offline page without network.
    from django.utils.html import escapejs

    worker = client.get(reverse("visits:offline_sw")).content.decode()
    for language in ("en", "zh-hans"):
        assert f'"{escapejs(reverse("javascript_catalog") + "?lang=" + language)}"' in worker


# The switch itself.

@pytest.mark.django_db
def test_a_browser_without_preference_gets_chinese_and_an_english_browser_english(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in page
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="zh-hans">' in page
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


@pytest.mark.django_db
def test_the_header_switch_changes_the_language_and_keeps_the_page(client, demo):
    client.force_login(demo.township1)
    page = client.get("/households/?q=1").content.decode()
    # One button: the other language, named in itself; a POST form with its CSRF token, back to this page.
    assert 'lang="en" data-testid="language-en">English</button>' in page
    assert 'name="next" value="/households/?q=1"' in page
    response = client.post(reverse("set_language"), {"language": "en", "next": "/households/?q=1"})
    assert response.status_code == 302 and response["Location"] == "/households/?q=1"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]
    page = client.get("/households/?q=1").content.decode()
    assert '<html lang="en">' in page and 'data-testid="language-zh-hans">简体中文</button>' in page
    # The cookie wins over the browser's Accept-Language, both ways.
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_the_switch_refuses_a_post_without_csrf_and_a_foreign_next(demo):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.township1)
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 403
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_dates_follow_the_language():
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    template = Template('{{ d|date:"DATE_FORMAT" }}|{{ d|date:"YEAR_MONTH_FORMAT" }}|{{ d|date:"Y-m-d" }}')
    day = datetime.date(2026, 3, 5)
    with translation.override("zh-hans"):
        assert template.render(Context({"d": day})) == "2026年3月5日|2026年3月|2026-03-05"
    with translation.override("en"):
        assert template.render(Context({"d": day})) == "5 Mar 2026|March 2026|2026-03-05"
    # A date field renders its value as an <input type="date"> takes it, in both languages.
    from django import forms

    class F(forms.Form):
        d = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert 'value="2026-03-05"' in str(F(initial={"d": day})["d"])
            assert F(data={"d": "2026-03-05"}).is_valid()
