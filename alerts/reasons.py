"""An alert's reason in the reader's language.

A job that opens an alert writes its reason twice: as text in the site's language (`Alert.reason`, which the
inbox's search matches and which stands whatever becomes of the message), and as the message it was worded from
with its values (`Alert.reason_params`: `{"message": name, **values}`). Pages show `reason_text(alert)`: the
message worded now, in the reader's language; an alert without a registered message (opened by a person, by a
status-change rule an administrator wrote — data, shown as written — or before messages were kept) shows its
text.

The messages belong to the apps that open the alerts; alerts sits below them, so they register theirs from their
`AppConfig.ready`: `register_reason(name, message, **read)`, `message` a gettext_lazy sentence with `%(x)s`
placeholders and `read` how a kept value reads, by placeholder (a choice's code → its label). Values are kept as
JSON: numbers, codes, dates as ISO text (which both languages write alike). A set-based job builds the same pair in
SQL: `reason_sql(name, ...)` for the text and `reason_params_expression(name, ...)` for the values.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils import translation

_REASONS: dict[str, tuple[str, dict[str, Callable]]] = {}


def register_reason(name: str, message, **read: Callable) -> None:
    _REASONS[name] = (message, read)


def register_reasons(messages: dict, read: dict | None = None) -> None:
    """An app's messages at once: `messages` {name: message}, `read` {name: {placeholder: how it reads}}."""
    for name, message in messages.items():
        register_reason(name, message, **(read or {}).get(name, {}))


def choice_reader(choices) -> Callable[[str], str]:
    """How a kept choice code reads: its label now (a code no longer among the choices, as it is)."""
    return lambda code: str(dict(choices.choices).get(code, code))


def _worded(name: str, values: dict) -> str:
    message, read = _REASONS[name]
    return str(message) % {key: read[key](value) if key in read else value for key, value in values.items()}


def reason_fields(name: str, **values) -> dict:
    """The two reason fields of a new alert, for `Alert(...)` or `alert_open(...)`: the text in the site's
    language (whoever's request opens it) and the message's name with its values."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _worded(name, values)
    return {"reason": text, "reason_params": {"message": name, **values}}


def reason_sql(name: str, **values):
    """The reason's text built in SQL (an INSERT … SELECT of alerts_open_from_rows): the registered message in
    the site's language, its placeholders the rows' expressions (relief.sql_text.sql_format)."""
    from relief.sql_text import sql_format

    with translation.override(settings.LANGUAGE_CODE):
        return sql_format(str(_REASONS[name][0]), **values)


def choice_label_sql(field: str, choices):
    """A choice column's label in the site's language, in SQL, for a value of reason_sql."""
    from django.db.models import Case, CharField, F, Value, When

    with translation.override(settings.LANGUAGE_CODE):
        return Case(*[When(**{field: value}, then=Value(str(label))) for value, label in choices.choices],
                    default=F(field), output_field=CharField())


def reason_params_expression(name: str, **values):
    """The kept values of a reason built in SQL (an INSERT … SELECT of alerts_open_from_rows): a JSON object of
    the message's name and the rows' expressions."""
    from django.db.models import Value
    from django.db.models.functions import JSONObject

    return JSONObject(message=Value(name), **values)


def reason_text(alert) -> str:
    """The alert's reason in the reader's language (see the module docstring)."""
    params = alert.reason_params
    if isinstance(params, dict) and isinstance(params.get("message"), str) and params["message"] in _REASONS:
        try:
            return _worded(params["message"], {k: v for k, v in params.items() if k != "message"})
        except (KeyError, TypeError, ValueError):  # values of an older wording of the message: the text stands
            pass
    return rule_reason_in_language(alert.reason) or alert.reason


@cache
def _default_rule_patterns() -> list[tuple[re.Pattern, str]]:
    """Each default rule's reason (alerts/default_rules.py) as a pattern of its text with {old} and {new} filled."""
    from .default_rules import DEFAULT_RULES, FORMER_REASONS

    patterns = []
    for reason in dict.fromkeys([*(rule[5] for rule in DEFAULT_RULES), *FORMER_REASONS]):
        pieces = re.split(r"(\{old\}|\{new\})", reason)
        regex = "".join(f"(?P<{piece[1:-1]}>.*)" if piece in ("{old}", "{new}") else re.escape(piece)
                        for piece in pieces)
        patterns.append((re.compile(f"^{regex}$", re.S), reason))
    return patterns


def rule_reason_in_language(text: str) -> str | None:
    """A status-change alert's reason in the reader's language, when its rule still has the default wording.

    A rule's reason is data an administrator may rewrite, and its alerts keep the text it gave then: only the
    text of a default rule is also a message (alerts/default_rules.py), worded again here with the values
    read back out of the text, each a label translated where it is one (救助终止（低保） → Assistance ended
    (Dibao)). A rewritten rule's text stands as written (None)."""
    if not text or translation.get_language() == settings.LANGUAGE_CODE:
        return None
    for pattern, reason in _default_rule_patterns():
        found = pattern.match(text)
        if found:
            values = {key: translation.gettext(value) if value else value for key, value in found.groupdict().items()}
            try:
                return translation.gettext(reason).format(**values)
            except (KeyError, IndexError, ValueError):  # a translation whose placeholders went wrong
                return None
    return None
