"""Demo import records (appended to RELIEF_DEMO_LOADERS), made through the import services from real .xlsx
files: a household file of 华阳路街道 with errors (a relation that is not an option, a name typed as a
formula, a name entered as an Excel formula), so the preview marks bad rows and the error report has
something to show, and a key-person roster waiting to be confirmed. Created once: running it again adds
nothing. Uploads not confirmed expire after a day (`batches_expire`), as real ones do.
"""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from households.idcard import check_char
from households.models import Member, Relation, RosterEntry
from households.selectors import members_with_id_numbers
from relief.models import User

from . import services
from .columns import HOUSEHOLD_COLUMNS, ROSTER_COLUMNS
from .models import ImportBatch

BAD_FILE = "华阳路街道-新登记家庭.xlsx"
ROSTER_FILE = "华阳路街道-重点人群花名册.xlsx"


def _free_ids(count: int) -> list[str]:
    """Valid ID numbers nobody in the registry has (born 1961, a sequence the generator does not use)."""
    ids = []
    for seq in range(901, 999):
        first17 = f"310105196103{seq % 28 + 1:02d}{seq:03d}"
        number = first17 + check_char(first17)
        if not members_with_id_numbers([number]).exists():
            ids.append(number)
        if len(ids) == count:
            return ids
    return ids


def _xlsx(columns, rows, formulas=None) -> bytes:
    headers = [c.header_text for c in columns]
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # ID numbers as text, as the template asks
    for (row_number, header), formula in (formulas or {}).items():
        sheet.cell(row=row_number, column=headers.index(header) + 1, value=formula)  # a real formula cell
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dry_run(actor, kind, name, content) -> ImportBatch:
    batch = services.batch_upload(actor=actor, kind=kind, upload=SimpleUploadedFile(name, content))
    return services.batch_validate(batch_id=batch.pk)


def load(stdout=None) -> None:
    township = User.objects.filter(username="township1").select_related("jurisdiction").first()
    if township is None or ImportBatch.objects.filter(file_name__in=[BAD_FILE, ROSTER_FILE]).exists():
        return
    villages = list(township.jurisdiction.children.order_by("code")[:2])
    heads = list(Member.objects.filter(relation=Relation.HEAD, household__village__in=villages)
                 .exclude(household__in=RosterEntry.objects.filter(exited_on__isnull=True).values("household"))
                 .order_by("household_id").values_list("id_number", flat=True)[:3])
    ids = _free_ids(5)
    if len(villages) < 2 or len(heads) < 3 or len(ids) < 5:
        return  # the households demo has not run
    village, other = villages
    new_head, second_head = ids[0], ids[3]
    rows = [
        {"村/社区": village.name, "户主身份证号": new_head, "居住地址": "华阳路112弄3号201室", "姓名": "冯桂英",
         "与户主关系": "户主", "身份证号": new_head, "生活自理能力": "部分自理"},
        {"户主身份证号": new_head, "姓名": "冯建军", "与户主关系": "儿子", "身份证号": ids[1], "就业状况": "失业"},
        {"户主身份证号": new_head, "姓名": "=冯小军", "与户主关系": "孙子", "身份证号": ids[2]},
        {"村/社区": other.name, "户主身份证号": second_head, "居住地址": "安化路492弄7号", "姓名": "沈德明",
         "与户主关系": "户主", "身份证号": second_head},
        {"户主身份证号": second_head, "姓名": "", "与户主关系": "邻居", "身份证号": ids[4]},
    ]
    content = _xlsx(HOUSEHOLD_COLUMNS, rows, formulas={(6, "姓名"): '=B2&"妻"'})
    bad = _dry_run(township, "households", BAD_FILE, content)
    roster = [{"户主身份证号": head, "对象类型": kind, "关注原因": reasons, "走访频次": "每月"}
              for head, kind, reasons in zip(heads, ("救助预警", "救助不充分", "救助预警"),
                                             ("独居老人、大重病", "支出型困难", "失业/灵活就业"))]
    ready = _dry_run(township, "roster", ROSTER_FILE, _xlsx(ROSTER_COLUMNS, roster))
    if stdout is not None:
        stdout.write(f"演示导入记录：{bad.get_status_display()} 1 份（{bad.error_count} 行有错误），"
                     f"{ready.get_status_display()} 1 份（{ready.total_rows} 行）")
