"""A translated sentence with values from the database, built in SQL: for set-based writes (alerts opened by one
INSERT … SELECT) whose text names each row's own figures.

`sql_format(_("转办%(r)s：%(dept)s承办的事项已超期。"), r=F("referral_id"), dept=...)` splits the sentence — already
translated, whole, so a translator sees one message — at its placeholders and joins the pieces and the
expressions with Concat. Each expression is cast to text.
"""
from __future__ import annotations

import re

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sql_format(template: str, **values):
    parts = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append(Value(template[position:match.start()]))
        parts.append(Cast(values[match.group(1)], CharField()))
        position = match.end()
    if position < len(template):
        parts.append(Value(template[position:]))
    if len(parts) == 1:
        return parts[0]
    return Concat(*parts, output_field=CharField())
