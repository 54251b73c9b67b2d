import io
import re

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook


def open_xlsx(response_or_bytes):
    data = response_or_bytes
    if hasattr(response_or_bytes, "streaming_content"):
        data = b"".join(response_or_bytes.streaming_content)
    elif hasattr(response_or_bytes, "content"):
        data = response_or_bytes.content
    return load_workbook(io.BytesIO(data))


def table(ws, header_row=3):
    """Header names and the data rows below them (as value lists), stopping at the first empty row."""
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    headers = list(rows[0])
    data = []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        data.append(list(row))
    return headers, data


LIST_COUNT = re.compile(r'data-testid="(?:household|figure)-count">共 (\d+) [户条]')


def listed_count(client, url) -> int | None:
    """The count a list page states ("共 N 户"), for the household list and the rows of a dashboard figure."""
    found = LIST_COUNT.search(client.get(url.replace("&amp;", "&")).content.decode())
    return int(found[1]) if found else None


def this_month():
    return f"{timezone.localdate():%Y-%m}"


def post_ledger(client, jurisdiction, kind="roster", **extra):
    """Ask for a ledger of this month, as the export form does."""
    data = {"kind": kind, "jurisdiction": jurisdiction.pk, "month_from": this_month(), "month_to": this_month(),
            **extra}
    return client.post(reverse("ledgers:export"), data)
