"""`get_FOO_display()` answers from labels kept per field and language (relief/choice_labels.py), exactly
as Django's own method would, in each language, for every choice field of every model."""
from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from referrals.models import Lead, LeadStatus


def _kept_fields():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            method = model.__dict__.get(f"get_{field.name}_display")
            if isinstance(method, partialmethod) and field.choices:
                yield model, field, method


def test_every_choice_field_answers_as_djangos_own_method_in_each_language():
    fields = list(_kept_fields())
    assert len(fields) > 50
    assert all(method.func is not Model._get_FIELD_display for _m, _f, method in fields)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field, _method in fields:
                instance = model()
                for value, _label in [*field.flatchoices, ("no-such-value", None)]:
                    try:
                        setattr(instance, field.attname, value)
                    except Exception:  # a field that converts on assignment (a time zone) refuses the unknown value
                        continue
                    expected = Model._get_FIELD_display(instance, field)
                    assert getattr(instance, f"get_{field.name}_display")() == expected, (model, field, value)


def test_the_label_follows_the_active_language():
    lead = Lead(status=LeadStatus.NEW)
    with translation.override("zh-hans"):
        chinese = lead.get_status_display()
        assert chinese == str(LeadStatus.NEW.label)
    with translation.override("en"):
        english = lead.get_status_display()
        assert english == str(LeadStatus.NEW.label)
    assert chinese != english
    with translation.override("zh-hans"):
        assert lead.get_status_display() == chinese  # the kept table of one language is not the other's
