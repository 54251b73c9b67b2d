"""`get_FOO_display()` from a table of labels kept per field and language.

Django's own builds `dict(make_hashable(field.flatchoices))` on every call: it hashes every choice's lazy
label, and hashing a lazy label translates it. A list page shows a few choice fields per row (status,
channel, urgency, kind), so thirty rows cost some two hundred such rebuilds and a thousand translations:
about a tenth of the lead list's time. The labels of a field in one language never change while the
process runs, so they are built once. Fields with callable choices (evaluated afresh by design) keep
Django's method.
"""
from __future__ import annotations

from functools import lru_cache, partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@lru_cache(maxsize=None)
def _labels(field, language: str | None) -> dict:
    return {make_hashable(value): force_str(label, strings_only=True) for value, label in field.flatchoices}


def _get_FIELD_display(self, field):  # noqa: N802  (Django's name)
    value = getattr(self, field.attname)
    return _labels(field, get_language()).get(make_hashable(value), force_str(value, strings_only=True))


def install() -> int:
    """Point every model's Django-made `get_FOO_display` at the kept labels; returns how many."""
    installed = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not field.choices or isinstance(field.choices, CallableChoiceIterator):
                continue
            name = f"get_{field.name}_display"
            method = model.__dict__.get(name)
            # Only Django's own (a partialmethod of Model._get_FIELD_display): a model's own method stays.
            if isinstance(method, partialmethod) and method.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(_get_FIELD_display, field=field))
                installed += 1
    return installed
