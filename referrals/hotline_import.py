"""The hotline work-order import — 热线工单导入: a hotline system's export (.xlsx, or CSV in UTF-8/GBK) becomes one
hotline lead with its work order per row.

Why it lives here and not in `imports/`: imports sits beside households and may import only relief and
households (tests/test_layering.py), so it cannot write leads. This module sits in referrals, above imports,
and reuses what imports has below it: the guarded reader (`imports.reader`: size, zip-bomb, row, column and
cell limits), the header and cell parsing and the chunked run (`imports.validation`), the cell parsers
(`imports.columns`). The rules are the other kinds' rules: errors by row and column in Chinese, one bad row
imports nothing, a preview before anything is written; the write is `referrals.services.work_orders_import`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterator

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.columns import Column, normalize_header
from imports.reader import FileRejected, SheetReader, sniff
from imports.validation import Context, Outcome, Validator
from relief import access
from relief.access import Action
from relief.xlsx import safe_text

from .models import HotlineSource, Urgency
from .services.hotline import check_times, default_deadlines, feedback_days, numbers_taken, response_hours

KIND = "hotline_work_orders"
PLAN_SALT = "referrals.hotline_import.plan"

# Headers are the file's format, Chinese in every language (imports/columns.py); help texts are translated.
HOTLINE_COLUMNS = [
    Column("number", "工单编号", "text", True, max_length=50, help=gettext_lazy("热线系统的工单编号；同一编号只能导入一次"),
           example="2026120100123"),
    Column("received_at", "受理时间", "datetime", True, help=gettext_lazy("如 2026-12-01 09:30"),
           example="2026-12-01 09:30"),
    Column("source", "来源热线", "text", help=gettext_lazy("12345 或 乡镇热线；不填为12345"), example="12345"),
    Column("reporter_name", "来电人", "name", max_length=50, help=gettext_lazy("直接填写文字，不能用公式"), example="李四"),
    Column("reporter_contact", "联系电话", "text", max_length=50, help=gettext_lazy("可不填"), example="13800000000"),
    Column("subject_name", "困难群众姓名", "name", max_length=50, help=gettext_lazy("不填时取来电人"), example=""),
    Column("description", "诉求内容", "text", True, max_length=1000, help=gettext_lazy("来电反映的困难和诉求"),
           example="独居老人，近期住院，生活无人照料，咨询能否申请救助"),
    Column("village", "所属村/社区", "village", True, help=gettext_lazy("村/社区名称或12位区划代码，须在您的辖区内"),
           example="华一居委会"),
    Column("subject_address", "地址", "text", max_length=200, help=gettext_lazy("困难群众住址；未填来电人时必填"),
           example="华阳路1弄1号101室"),
    Column("urgency", "紧急程度", "text", help=gettext_lazy("一般、紧急 或 急难；不填为一般"), example="一般"),
    Column("response_due", "首次响应期限", "deadline",
           help=gettext_lazy("不填为受理后24小时；只填日期时为当天24时前"), example="2026-12-02 09:30"),
    Column("feedback_due", "反馈期限", "deadline", help=gettext_lazy("不填为受理后5天；只填日期时为当天24时前"),
           example="2026-12-06"),
]

SOURCE_WORDS = {
    HotlineSource.CITY_12345: ["12345", "12345热线", "12345政务服务热线", "12345政务服务便民热线", "市民热线", "政务热线"],
    HotlineSource.TOWNSHIP: ["乡镇热线", "街道热线", "乡镇", "街道", "社会救助热线", "救助热线",
                             "乡镇（街道）社会救助热线", "乡镇社会救助热线", "街道社会救助热线"],
}
URGENCY_WORDS = {Urgency.NORMAL: ["一般", "普通"], Urgency.URGENT: ["紧急", "加急"],
                 Urgency.EMERGENCY: ["急难", "急难（需先行救助）", "特急"]}


def _word_map(mapping) -> dict[str, str]:
    return {normalize_header(word): value for value, words in mapping.items() for word in words}


def sync_max_rows() -> int:
    """Hotline exports are a township's calls of days or weeks: checked and imported in the request."""
    return int(getattr(settings, "RELIEF_IMPORT_SYNC_MAX_ROWS", 1000))


@dataclass
class HotlinePlan:
    rows: list = field(default_factory=list)


class HotlineValidator(Validator):
    kind = KIND
    columns = HOTLINE_COLUMNS

    def __init__(self, context, keep_plan):
        super().__init__(context, keep_plan)
        self.seen: dict[str, int] = {}
        self.sources = _word_map(SOURCE_WORDS)
        self.urgencies = _word_map(URGENCY_WORDS)
        self.plan = HotlinePlan()
        self.now = timezone.now()

    def check_row(self, number, row):
        work_order = row.get("number")
        if work_order:
            if work_order in self.seen:
                self.errors.add(number, self.header("number"),
                                _("工单编号与第 %(row)d 行重复。") % {"row": self.seen[work_order]})
            else:
                self.seen[work_order] = number
        source = row.get("source")
        row["source"] = HotlineSource.CITY_12345
        if source:
            row["source"] = self.sources.get(normalize_header(source))
            if row["source"] is None:
                # The values are the file's own (Chinese, as the hotline system exports them), whatever the language.
                self.errors.add(number, self.header("source"), _("“%(v)s”不是可识别的热线，请填写：%(values)s。") % {
                    "v": source, "values": "12345、乡镇热线"})
        urgency = row.get("urgency")
        row["urgency"] = Urgency.NORMAL
        if urgency:
            row["urgency"] = self.urgencies.get(normalize_header(urgency))
            if row["urgency"] is None:
                self.errors.add(number, self.header("urgency"), _("请填写：%(values)s。") % {"values": "一般、紧急、急难"})
        if not (row.get("subject_name") or row.get("reporter_name") or row.get("subject_address")):
            self.errors.add(number, self.header("subject_address"), _("未填写来电人或困难群众姓名时，请填写地址。"))
        received = row.get("received_at")
        if received is not None:
            default_response, default_feedback = default_deadlines(received)
            row["response_due"] = row.get("response_due") or default_response
            row["feedback_due"] = row.get("feedback_due") or max(default_feedback, row["response_due"])
            for key, message in check_times(received_at=received, response_due=row["response_due"],
                                            feedback_due=row["feedback_due"], now=self.now).items():
                self.errors.add(number, self.header(key), message)

    def check_chunk(self, chunk):
        taken = numbers_taken(row["number"] for _n, row in chunk if row.get("number"))
        for number, row in chunk:
            if row.get("number") in taken:
                self.errors.add(number, self.header("number"), _("工单编号 %(n)s 已登记（线索%(lead)s），不能重复导入。") % {
                    "n": row["number"], "lead": taken[row["number"]]})
            if self.errors.has(number):
                continue
            self.classify(number, "new")
            if self.keep_plan:
                self.plan.rows.append({
                    "row_number": number, "number": row["number"], "source": row["source"],
                    "received_at": row["received_at"].isoformat(), "response_due": row["response_due"].isoformat(),
                    "feedback_due": row["feedback_due"].isoformat(), "village_id": row["village"],
                    "description": row["description"], "reporter_name": row.get("reporter_name") or "",
                    "reporter_contact": row.get("reporter_contact") or "",
                    "subject_name": row.get("subject_name") or row.get("reporter_name") or "",
                    "subject_address": row.get("subject_address") or "", "urgency": row["urgency"]})

    def finish(self):
        if self.keep_plan:
            self.outcome.plan = self.plan


def _bounded(rows: Iterator[tuple[int, tuple]], limit: int):
    """Stop reading a file with more data rows than the request may check (a few header rows allowed)."""
    for count, row in enumerate(rows, start=1):
        if count > limit + 5:
            raise FileRejected(_("文件超过 %(n)d 行。热线工单请按周或按月分成几个文件导入。") % {"n": limit})
        yield row


@dataclass
class Checked:
    """A checked upload: the outcome, the file's facts, and the signed plan the confirm writes."""

    outcome: Outcome
    file_name: str
    file_size: int
    sha256: str
    token: str = ""


def check_upload(*, actor, upload) -> Checked:
    """Read and check an uploaded hotline export through the imports reader's guards; nothing is written."""
    name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
    size = upload.size
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    checked = Checked(outcome=Outcome(kind=KIND), file_name=name, file_size=size, sha256=digest.hexdigest())
    context = Context(actor=actor, village_ids=frozenset(
        v for v in access.village_ids_for(actor, Action.IMPORT_DATA) if access.handles_work_orders(actor, v)))
    handle = upload.open("rb")
    try:
        sniffed = sniff(handle, name, size)
        reader = SheetReader(handle, sniffed)
        try:
            checked.outcome = HotlineValidator(context, keep_plan=True).run(_bounded(reader.rows(), sync_max_rows()))
        finally:
            reader.close()
    except FileRejected as exc:
        checked.outcome = Outcome(kind=KIND, file_error=str(exc))
    if checked.outcome.ok:
        checked.token = signing.dumps({"rows": checked.outcome.plan.rows, "file": [name, size, checked.sha256],
                                       "user": actor.pk}, salt=PLAN_SALT, compress=True)
    return checked


def load_plan(token: str, actor) -> tuple[list[dict], dict]:
    """The rows a preview showed, as the confirm writes them; refused when forged, another user's or stale."""
    try:
        data = signing.loads(token, salt=PLAN_SALT, max_age=int(getattr(settings, "RELIEF_IMPORT_UPLOAD_TTL_HOURS", 24))
                             * 3600)
    except signing.BadSignature:
        raise FileRejected(_("预览已过期或无效，请重新上传文件。")) from None
    if data.get("user") != actor.pk:
        raise FileRejected(_("预览已过期或无效，请重新上传文件。"))
    rows = []
    for row in data["rows"]:
        rows.append({**row, **{k: parse_datetime(row[k]) for k in ("received_at", "response_due", "feedback_due")}})
    name, size, sha256 = data["file"]
    return rows, {"file_name": name, "file_size": size, "sha256": sha256}


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The template's header and one example row (columns in the order a 12345 export lists them)."""
    return [c.header_text + ("*" if c.required else "") for c in HOTLINE_COLUMNS], \
        [[safe_text(str(c.example)) for c in HOTLINE_COLUMNS]]


def explanation() -> list[list[str]]:
    return [[c.header_text, _("必填") if c.required else _("选填"), str(c.help)] for c in HOTLINE_COLUMNS] + [
        [_("期限"), "", _("热线未给期限时，首次响应为受理后 %(h)d 小时，反馈为受理后 %(d)d 天。") % {
            "h": response_hours(), "d": feedback_days()}]]
