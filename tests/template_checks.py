"""Make a template variable that fails to resolve fail the test that renders it.

Django renders such a variable as `string_if_invalid` (an empty string by default), which hides an
attribute looked up on None or a misspelt name. In tests that value is an object that raises instead,
for the project's own templates; Django's and third-party templates (the admin) rely on the silent
behaviour and are left alone.
"""
import inspect
from pathlib import Path

from django.conf import settings


class UnresolvedTemplateVariable(AssertionError):
    pass


def _own_template(origin_name: str) -> bool:
    path = Path(origin_name or "")
    base = Path(settings.BASE_DIR)
    try:
        relative = path.resolve().relative_to(base.resolve())
    except ValueError:
        return False
    return not relative.parts or relative.parts[0] != ".venv"


class RaiseOnInvalid(str):
    """`string_if_invalid`: Django formats it with the variable's name, since it contains '%s'."""

    def __mod__(self, variable):
        frame = inspect.currentframe().f_back
        while frame is not None:
            # The innermost node (or template) being rendered says which file the variable is in.
            origin = getattr(frame.f_locals.get("self"), "origin", None)
            name = getattr(origin, "name", None)
            if name:
                if _own_template(str(name)):
                    raise UnresolvedTemplateVariable(
                        f"template variable {variable!r} did not resolve in {name}")
                return ""
            frame = frame.f_back
        return ""


def install():
    for engine in settings.TEMPLATES:
        if engine["BACKEND"].endswith("DjangoTemplates"):
            engine.setdefault("OPTIONS", {})["string_if_invalid"] = RaiseOnInvalid("%s")
