"""The select widget written out in Python (relief/form_renderer.py) is Django's template output, character for
character, for every select the application's forms draw; other widgets go through the templates."""
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from relief.form_renderer import FormRenderer

pytestmark = pytest.mark.django_db

TEMPLATES = DjangoTemplates()
OURS = FormRenderer()


def _same(widget, name, value, attrs=None):
    expected = widget.render(name, value, attrs=attrs, renderer=TEMPLATES)
    assert widget.render(name, value, attrs=attrs, renderer=OURS) == expected
    return expected


def test_a_select_with_groups_flags_and_markup_in_labels_is_drawn_as_the_templates_draw_it():
    widget = forms.Select(
        choices=[("", "全部"), ("a", '<b>甲 & "乙"</b>'), ("分组", [("x", "X"), (3, "三")])],
        attrs={"data-autosubmit": "", "data-autosubmit-clear": "village", "required": True, "disabled": False})
    html = _same(widget, "f", "x", attrs={"id": "id_f"})
    assert "&lt;b&gt;甲 &amp; &quot;乙&quot;&lt;/b&gt;" in html and '<option value="x" selected>' in html
    assert "disabled" not in html
    _same(widget, "f", None)
    _same(forms.SelectMultiple(choices=[(1, "一"), (2, "二"), (3, "三")]), "m", [1, 3], attrs={"id": "id_m"})
    _same(forms.NullBooleanSelect(), "n", True)


def test_every_select_of_the_applications_filter_forms_is_drawn_as_the_templates_draw_it(demo):
    from alerts.forms import AlertFilterForm
    from households.forms import HouseholdFilterForm
    from referrals.forms import LeadFilterForm, ReferralFilterForm
    from referrals.views import _townships
    from relief import access
    from relief.access import Action

    user = demo.district_official
    villages = access.villages_for(user, Action.VIEW)
    forms_drawn = [HouseholdFilterForm({"category": "dibao", "sort": ""}, user=user),
                   AlertFilterForm({"status": "all"}, user=user),
                   LeadFilterForm(None, villages=villages, townships=_townships(user)),
                   ReferralFilterForm(None, villages=villages, townships=_townships(user))]
    selects = 0
    for form in forms_drawn:
        for field in form:
            if isinstance(field.field.widget, forms.Select):
                selects += 1
                widget = field.field.widget
                _same(widget, field.html_name, field.value(), attrs={"id": field.auto_id})
    assert selects >= 8


def test_the_project_draws_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
