"""The house reads bottom-up: relief → households → alerts → visits → referrals → plans → ledgers, with
imports beside households. An app imports only apps below it (and imports only relief and households), so
each layer can be read, tested and changed without the ones above. Every import statement of every module of
every app counts, including those inside functions (a lazy import is still a dependency)."""
import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ORDER = ["relief", "households", "alerts", "visits", "referrals", "plans", "ledgers"]
# imports sits beside households: it reads and writes the registry through households, and the apps above
# households may use it, but households never imports it.
BESIDE = {"imports": "households"}
APPS = ORDER + list(BESIDE)

# (module, imported module): why it stays for now. Each entry must still be needed (see the last test).
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def _rank(app: str) -> float:
    if app in BESIDE:
        return ORDER.index(BESIDE[app]) + 0.5
    return ORDER.index(app)


def may_import(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if importer in BESIDE:
        # Beside households: what households may import, and households itself.
        return imported == BESIDE[importer] or may_import(BESIDE[importer], imported)
    return _rank(imported) < _rank(importer) and not (imported in BESIDE and _rank(importer) < _rank(imported))


def imported_modules(path: Path):
    """(line, dotted module) of every absolute import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def upward_imports() -> list[tuple[str, int, str]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            for line, name in imported_modules(path):
                target = name.split(".")[0]
                if target in APPS and not may_import(app, target):
                    found.append((module, line, name))
    return found


def test_every_app_is_in_the_order():
    local = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]
    assert sorted(local) == sorted(APPS)
    # INSTALLED_APPS lists them bottom-up too, so each app's ready() runs after those it builds on.
    ranked = [app for app in local if app not in BESIDE]
    assert ranked == ORDER


def test_the_rule_itself():
    assert may_import("visits", "alerts") and may_import("alerts", "households") and may_import("ledgers", "relief")
    assert not may_import("alerts", "visits") and not may_import("households", "alerts")
    assert not may_import("relief", "ledgers") and not may_import("referrals", "plans")
    assert may_import("imports", "households") and not may_import("imports", "alerts")
    assert not may_import("households", "imports") and may_import("ledgers", "imports")


def test_no_app_imports_one_above_it():
    offending = [f"{module}:{line} imports {name}" for module, line, name in upward_imports()
                 if (module, name) not in ALLOWED_UPWARD]
    assert not offending, "upward imports:\n" + "\n".join(offending)


def test_every_allowed_exception_is_still_needed():
    found = {(module, name) for module, _line, name in upward_imports()}
    assert set(ALLOWED_UPWARD) <= found, f"no longer needed: {set(ALLOWED_UPWARD) - found}"
