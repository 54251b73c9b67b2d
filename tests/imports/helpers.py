"""Building spreadsheets for import tests."""
import csv
import io
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from households.idcard import check_char
from imports.columns import HOUSEHOLD_COLUMNS, ROSTER_COLUMNS, FEED_COLUMNS

HOUSEHOLD_HEADERS = [c.header_text for c in HOUSEHOLD_COLUMNS]
ROSTER_HEADERS = [c.header_text for c in ROSTER_COLUMNS]
FEED_HEADERS = [c.header_text for c in FEED_COLUMNS]


def make_id(n: int, birth: str = "19800101", area: str = "310105", female: bool = False) -> str:
    """A valid 18-digit ID number; n picks the sequence (and so the person)."""
    seq = (n * 2) % 1000 if female else (n * 2 + 1) % 1000
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_char(first17)


def id_for(n: int) -> str:
    """Distinct valid ID numbers for n up to 500 * 365 (birth date varies with n)."""
    import datetime as dt

    born = dt.date(1950, 1, 1) + dt.timedelta(days=n // 500)
    return make_id(n % 500, birth=born.strftime("%Y%m%d"))


def household_row(head: str, member: str | None = None, *, village="华一居委会", name="张三", relation=None,
                  address="华阳路1弄1号", **extra) -> dict:
    member = member or head
    row = {"村/社区": village, "户主身份证号": head, "居住地址": address, "姓名": name,
           "与户主关系": relation or ("户主" if member == head else "子女"), "身份证号": member}
    row.update(extra)
    return row


def xlsx_bytes(headers, rows, *, title_row=None, sheet_rows=None, formulas: dict[str, str] | None = None,
               cached: dict[str, str] | None = None) -> bytes:
    """A workbook as staff fill in the template; `formulas` puts formulas into cells ("B2": "=..."), `cached`
    gives them the results Excel would have stored (see with_cached_values)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    # ID numbers as text, as the template asks.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for ref, formula in (formulas or {}).items():
        sheet[ref] = formula  # a string starting with "=" is stored as a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return with_cached_values(buffer.getvalue(), cached) if cached else buffer.getvalue()


def csv_bytes(headers, rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name="名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def family(head_n, members=2, village="华一居委会", **household):
    """A household of `members` rows: its head first, then the others (village and address left blank)."""
    head = id_for(head_n)
    rows = [household_row(head, village=village, **household)]
    rows += [household_row(head, id_for(head_n + i), name=f"成员{head_n + i}", village="", address="")
             for i in range(1, members)]
    return rows


def with_cached_values(content: bytes, cached: dict[str, str]) -> bytes:
    """openpyxl writes formulas without results; add the (text) values Excel would have stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in cached.items():
                    text, n = re.subn(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?',
                                      rf'<c r="{ref}"\1 t="str"><f>\2</f><v>{value}</v>', text)
                    assert n == 1, ref
                data = text.encode()
            target.writestr(item, data)
    return buffer.getvalue()
