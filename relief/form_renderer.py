"""The form renderer (settings.FORM_RENDERER): Django's, with the select widget written out in Python.

Django renders a select through a template per option and an include of the attributes in each: a list page's
filters (a village, categories, reasons, the sort: some forty options) spent a quarter of the page's time
there. `render_select` writes the same HTML as django/forms/widgets/select.html, select_option.html and
attrs.html, character for character (tests/test_form_renderer.py compares them); any other widget, or a select
whose options name another template, is rendered by the templates as before.
"""
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """attrs.html: a True value as a bare name, False left out, anything else as text."""
    return "".join(f" {conditional_escape(name)}" if value is True
                   else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                         f'{_attrs(option["attrs"])}>{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT_TEMPLATE else None
        if widget is not None and all(option.get("template_name") == OPTION_TEMPLATE
                                      for _name, options, _index in widget["optgroups"] for option in options):
            return render_select(widget)
        return super().render(template_name, context, request)
