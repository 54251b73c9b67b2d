"""Column definitions and cell parsers shared by the templates, the validators and the exports.

A column has one Chinese header (what the template prints and the file must carry), the kind of value
it holds and a line of help for the template's explanation sheet. Cell parsers raise `CellError` with a
Chinese message; they accept what Chinese spreadsheets really contain (dates as 2024-03-05, 2024/3/5,
2024年3月5日 or Excel serial numbers; enumerations by their Chinese label; full-width characters).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.idcard import validate_id_number
from households import models as hh
from relief import punctuation


class CellError(Exception):
    pass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # text, name (a person's name), id, date, datetime, deadline (a datetime; a bare date runs to its end),
    # decimal, enum, multi, bool, village, group, user
    kind: str = "text"
    required: bool = False
    choices: tuple = ()  # (value, label) pairs for enum / multi
    max_length: int = 0
    help: str = ""
    example: str = ""
    # False for household columns that need filling on one row of the household only.
    each_row: bool = True

    @property
    def header_text(self) -> str:
        return str(self.header)


def normalize_header(value) -> str:
    """Headers compare without spaces, required-marks or the difference between (）and （）."""
    text = str(value or "").strip()
    text = text.replace(" ", "").replace("\u3000", "").replace("*", "").replace("＊", "")
    return text.replace("(", "（").replace(")", "）")


_SPACES = re.compile(r"[\s\u3000]+")
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．－／："}


def text_of(value) -> str:
    """A cell as trimmed text; numbers that are whole print without “.0”."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


# ---------------------------------------------------------------- dates
EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = _SPACES.sub("", str(value)).translate(_FULLWIDTH)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial date that arrived as text (CSV from Excel)
        return _from_serial(float(text))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CellError(_("“%(value)s”不是存在的日期。") % {"value": value}) from None
    raise CellError(_("无法识别日期“%(value)s”，请写成 2024-03-05、2024/3/5 或 2024年3月5日。") % {"value": value})


_DATE_TIME = re.compile(r"^(.+?)(?:[\s\u3000]+|T|(?<=日))(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


def parse_datetime(value, *, end_of_day: bool = False) -> dt.datetime:
    """A date with its time of day (受理时间, a deadline), as an aware datetime in the local time zone.

    Accepts what parse_date accepts followed by a time (2024-03-05 14:30, 2024/3/5 14:30:00,
    2024年3月5日14:30) and Excel date-times (serials with a fraction). A date without a time means the start
    of that day, or for a deadline (`end_of_day`) its last second: “反馈期限 2024-03-05” runs to the day's end.
    """
    from django.utils import timezone

    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = _day_moment(value, end_of_day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _serial_moment(float(value), end_of_day)
    else:
        text = str(value).strip().translate(_FULLWIDTH)
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            moment = _serial_moment(float(text), end_of_day)
        else:
            match = _DATE_TIME.match(text)
            if match:
                day = parse_date(match.group(1))
                try:
                    moment = dt.datetime.combine(day, dt.time(int(match.group(2)), int(match.group(3)),
                                                              int(match.group(4) or 0)))
                except ValueError:
                    raise CellError(_("“%(value)s”不是存在的时间。") % {"value": value}) from None
            else:
                try:
                    moment = _day_moment(parse_date(text), end_of_day)
                except CellError:
                    raise CellError(_("无法识别时间“%(value)s”，请写成 2024-03-05 14:30 或 2024/3/5 14:30。")
                                    % {"value": value}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _day_moment(day: dt.date, end_of_day: bool) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59) if end_of_day else dt.time())


def _serial_moment(number: float, end_of_day: bool) -> dt.datetime:
    day = _from_serial(number)
    fraction = number - int(number)
    if not fraction:
        return _day_moment(day, end_of_day)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=round(fraction * 86400))


def _from_serial(number: float) -> dt.date:
    # Excel's 1900 date system (Windows default); serials below 61 fall before Excel's phantom 1900-02-29.
    if not 1 <= number < 2958466:
        raise CellError(_("日期数值 %(value)s 超出范围。") % {"value": number})
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_decimal(value, places: int = 2) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("应填写数字。"))
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = _SPACES.sub("", str(value)).translate(_FULLWIDTH).replace(",", "").replace("，", "")
        text = text.removesuffix("元")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s”不是数字。") % {"value": value}) from None
    if not number.is_finite():
        raise CellError(_("“%(value)s”不是数字。") % {"value": value})
    if number < 0:
        raise CellError(_("不能为负数。"))
    if number >= Decimal(10) ** 9:
        raise CellError(_("数值过大。"))
    return number.quantize(Decimal(1).scaleb(-places))


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "不是", ""}


def parse_bool(value) -> bool:
    text = text_of(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("请填写“是”或“否”。"))


def parse_id(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # 18 digits do not fit in a spreadsheet number (15 significant digits): the tail is already lost.
        raise CellError(_("身份证号被存成了数字，末几位可能已经丢失。请把该列设为“文本”格式后重新填写。"))
    from django.core.exceptions import ValidationError

    try:
        return validate_id_number(str(value))
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


class Enumeration:
    """Chinese label (and a few everyday synonyms) → stored value."""

    def __init__(self, choices, synonyms: dict[str, str] | None = None):
        self.choices = tuple((value, str(label)) for value, label in choices)
        self.lookup: dict[str, str] = {}
        for value, label in self.choices:
            self.lookup[_key(label)] = value
        for word, value in (synonyms or {}).items():
            self.lookup.setdefault(_key(word), value)
        self.labels = [label for _value, label in self.choices]
        self.label_of = {value: label for value, label in self.choices}

    def parse(self, value) -> str:
        key = _key(text_of(value))
        if key in self.lookup:
            return self.lookup[key]
        raise CellError(_("“%(value)s”不是可选项，应为：%(options)s。") % {
            "value": text_of(value), "options": punctuation.mark("、").join(label for label in self.labels if label)})


def _key(text: str) -> str:
    return _SPACES.sub("", str(text)).replace("(", "（").replace(")", "）").lower()


def _synonyms(mapping: dict[str, list[str]]) -> dict[str, str]:
    return {word: value for value, words in mapping.items() for word in words}


ENUMS = {
    "hukou_type": Enumeration(hh.HukouType.choices, _synonyms({"urban": ["城市", "非农", "非农业"],
                                                               "rural": ["农业", "乡村"]})),
    "housing": Enumeration(hh.HousingSituation.choices, _synonyms({
        "owned": ["自有", "自建", "自建房", "商品房"], "rented": ["租房", "租住房"],
        "public_rental": ["公租房", "廉租房"], "borrowed": ["借住", "寄居"], "none": ["无房"],
        "institution": ["集中供养", "养老机构"]})),
    "relation": Enumeration(hh.Relation.choices, _synonyms({
        "head": ["本人", "户主本人"], "spouse": ["妻", "妻子", "夫", "丈夫", "配偶"],
        "child": ["子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女", "三子", "三女", "养子", "养女"],
        "child_in_law": ["儿媳", "女婿"], "parent": ["父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母"],
        "grandchild": ["孙子", "孙女", "外孙", "外孙女", "孙子女", "外孙子女"],
        "grandparent": ["祖父", "祖母", "外祖父", "外祖母", "祖父母"],
        "sibling": ["兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"]})),
    "sex": Enumeration(hh.Sex.choices, _synonyms({"M": ["男性"], "F": ["女性"]})),
    "marital_status": Enumeration([("", "")] + list(hh.MaritalStatus.choices),
                                  _synonyms({"divorced": ["离异"], "married": ["有配偶", "初婚", "再婚"]})),
    "disability_type": Enumeration(hh.DisabilityType.choices, _synonyms({
        "": ["", "否", "无残疾"], "visual": ["视力"], "hearing": ["听力"], "speech": ["言语"], "physical": ["肢体"],
        "intellectual": ["智力"], "mental": ["精神"], "multiple": ["多重"]})),
    "disability_grade": Enumeration(hh.DisabilityGrade.choices, _synonyms({
        "": ["", "否"], "1": ["1", "1级", "一"], "2": ["2", "2级", "二"], "3": ["3", "3级", "三"],
        "4": ["4", "4级", "四"]})),
    "self_care": Enumeration(hh.SelfCare.choices, _synonyms({
        "full": ["自理", "能自理"], "partial": ["半自理", "半失能"], "none": ["不能自理", "完全失能", "失能"]})),
    "employment": Enumeration([("", "")] + list(hh.Employment.choices), _synonyms({
        "employed": ["在职", "在职人员"], "unemployed": ["登记失业", "未登记失业", "无业"],
        "student": ["学生", "在校生"], "retired": ["单位退休"], "preschool": ["学龄前儿童"],
        "unable": ["丧失劳动能力"]})),
    "school_stage": Enumeration(hh.SchoolStage.choices, _synonyms({
        "": ["", "无", "不在学"], "preschool": ["幼儿园"], "university": ["本科", "研究生"]})),
    "status": Enumeration(hh.MemberStatus.choices, _synonyms({"present": ["正常", "健在"],
                                                             "deceased": ["已故", "去世"]})),
    "target_kind": Enumeration(hh.TargetKind.choices),
    "cadence": Enumeration(hh.Cadence.choices, _synonyms({"monthly": ["每月一次", "月"],
                                                         "quarterly": ["每季", "季度"],
                                                         "half_yearly": ["半年"]})),
    "reasons": Enumeration(hh.FocusReason.choices, _synonyms({
        "dibao_edge": ["低保边缘户", "低保边缘家庭"], "relapse_risk": ["返贫风险", "脱贫不稳定"],
        "unemployed": ["失业"], "disaster": ["受灾"], "serious_illness": ["重病"]})),
}

MULTI_SEPARATORS = re.compile(r"[、，,；;\s]+")


def parse_multi(enum: Enumeration, value) -> list[str]:
    """Several labels in one cell. A slash separates them too, except inside a label that has one
    (失业/灵活就业, 脱贫不稳定/返贫风险): a part is read whole first, then split at its slashes."""
    values = []
    for part in MULTI_SEPARATORS.split(text_of(value)):
        if not part:
            continue
        try:
            parsed = [enum.parse(part)]
        except CellError:
            if "/" not in part:
                raise
            parsed = [enum.parse(piece) for piece in part.split("/") if piece]
        for each in parsed:
            if each not in values:
                values.append(each)
    return values


# A column's header is the file's own format: the same Chinese words in every language of the pages, since
# uploads are matched by them (and a template made in English must read as the one made in Chinese). Its help
# is for the reader of the page and the template's explanation sheet, and is translated.
HOUSEHOLD_COLUMNS = [
    Column("village", "村/社区", "village", True, help=gettext_lazy("填写村/社区名称或12位区划代码，须在您的辖区内；同一户只需在户主一行填写"),
           example="华一居委会", each_row=False),
    Column("group", "村民小组", "group", help=gettext_lazy("可不填；填写小组名称或15位代码"), example=""),
    Column("head_id", "户主身份证号", "id", True,
           help=gettext_lazy("同一户的每一行都填写户主的身份证号，系统据此把成员归为一户；户主本人一行与“身份证号”相同"),
           example="310105198001010013"),
    Column("residence_address", "居住地址", "text", True, max_length=200,
           help=gettext_lazy("新家庭必填；同一户只需在户主一行填写"), example="华阳路1弄1号101室", each_row=False),
    Column("hukou_address", "户籍地址", max_length=200, help=gettext_lazy("可不填"), example="华阳路1弄1号"),
    Column("hukou_type", "户籍性质", "enum", choices=tuple(hh.HukouType.choices), help=gettext_lazy("城镇 或 农村；不填为未登记"),
           example="城镇"),
    Column("residence_differs", "人户分离", "bool", help=gettext_lazy("是 或 否"), example="否"),
    Column("per_capita_income", "家庭月人均收入（元）", "decimal", help=gettext_lazy("数字；不填为未登记（不与低保标准比较）"), example="1200"),
    Column("medical_expense", "医疗刚性支出（元/年）", "decimal", help=gettext_lazy("数字，不填为0"), example="0"),
    Column("education_expense", "教育刚性支出（元/年）", "decimal", help=gettext_lazy("数字，不填为0"), example="0"),
    Column("other_expense", "其他刚性支出（元/年）", "decimal", help=gettext_lazy("数字，不填为0"), example="0"),
    Column("housing", "住房情况", "enum", choices=tuple(hh.HousingSituation.choices), help=gettext_lazy("从下拉列表选择"),
           example="自有住房"),
    Column("phone", "联系电话", max_length=30, help=gettext_lazy("可不填"), example="13800000000"),
    Column("name", "姓名", "name", True, max_length=50, help=gettext_lazy("成员姓名；直接填写文字，不能用公式"), example="张三"),
    Column("relation", "与户主关系", "enum", True, choices=tuple(hh.Relation.choices),
           help=gettext_lazy("户主本人填“户主”"), example="户主"),
    Column("id_number", "身份证号", "id", True, help=gettext_lazy("18位，单元格设为文本格式，最后一位可为X"),
           example="310105198001010013"),
    Column("birth_date", "出生日期", "date", help=gettext_lazy("可不填（取自身份证号）；填写时须与身份证号一致"),
           example="1980-01-01"),
    Column("sex", "性别", "enum", choices=tuple(hh.Sex.choices), help=gettext_lazy("可不填（取自身份证号）"), example="男"),
    Column("ethnicity", "民族", max_length=20, help=gettext_lazy("如 汉族"), example="汉族"),
    Column("marital_status", "婚姻状况", "enum", choices=tuple(hh.MaritalStatus.choices), help=gettext_lazy("可不填"),
           example="已婚"),
    Column("serious_illness", "大重病", max_length=100, help=gettext_lazy("病种；无则不填"), example=""),
    Column("chronic_illness", "慢性病", max_length=100, help=gettext_lazy("病种；无则不填"), example="高血压"),
    Column("disability_type", "残疾类别", "enum", choices=tuple(hh.DisabilityType.choices), help=gettext_lazy("无残疾不填"),
           example=""),
    Column("disability_grade", "残疾等级", "enum", choices=tuple(hh.DisabilityGrade.choices),
           help=gettext_lazy("一级至四级；无残疾不填"), example=""),
    Column("self_care", "生活自理能力", "enum", choices=tuple(hh.SelfCare.choices), help=gettext_lazy("不填为完全自理"),
           example="完全自理"),
    Column("employment", "就业状况", "enum", choices=tuple(hh.Employment.choices), help=gettext_lazy("可不填"),
           example="灵活就业"),
    Column("school_stage", "就学阶段", "enum", choices=tuple(hh.SchoolStage.choices), help=gettext_lazy("不在学不填"),
           example=""),
    Column("status", "状态", "enum", choices=tuple(hh.MemberStatus.choices), help=gettext_lazy("不填为在户"), example="在户"),
]

ROSTER_COLUMNS = [
    Column("head_id", "户主身份证号", "id", True, help=gettext_lazy("家庭须已登记且在您的辖区内"), example="310105198001010013"),
    Column("target_kind", "对象类型", "enum", True, choices=tuple(hh.TargetKind.choices),
           help=gettext_lazy("救助缺失、救助不充分 或 救助预警"), example="救助预警"),
    Column("reasons", "关注原因", "multi", True, choices=tuple(hh.FocusReason.choices),
           help=gettext_lazy("可填多项，用顿号“、”分隔"), example="独居老人、大重病"),
    Column("cadence", "走访频次", "enum", choices=tuple(hh.Cadence.choices), help=gettext_lazy("不填为每月"), example="每月"),
    Column("entered_on", "纳入日期", "date", help=gettext_lazy("不填为导入当天"), example="2024-03-05"),
    Column("caseworker", "责任协理员", "user", help=gettext_lazy("协理员的姓名或登录名；可不填"), example=""),
    Column("note", "说明", max_length=300, help=gettext_lazy("可不填"), example=""),
]

FEED_COLUMNS = [
    Column("name", "姓名", "name", True, max_length=50, help=gettext_lazy("直接填写文字，不能用公式"), example="王五"),
    Column("id_number", "身份证号", "id", True, help=gettext_lazy("18位，单元格设为文本格式"), example="310105198001010013"),
    Column("village", "村/社区", "village", help=gettext_lazy("可不填；填写时须在您的辖区内"), example="华一居委会"),
    Column("phone", "联系电话", max_length=30, help=gettext_lazy("可不填"), example=""),
    Column("detail", "情况说明", max_length=300, help=gettext_lazy("部门提供的情况，如 残疾类别、病种、受灾情况"), example=""),
    Column("occurred_on", "登记日期", "date", help=gettext_lazy("部门登记该情况的日期；可不填"), example="2024-03-05"),
]
