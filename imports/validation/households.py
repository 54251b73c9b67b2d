"""The rules of a household file (家庭及成员): one row per member, the household's fields agreeing across its
rows, ID numbers checked against who is already registered."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from households import models as hh
from households.idcard import ID_NUMBER_TAKEN, birth_date_of, sex_of

from ..columns import HOUSEHOLD_COLUMNS, normalize_header
from ..models import ImportKind
from .validator import _Validator

MEMBER_FIELDS = ("name", "relation", "birth_date", "sex", "ethnicity", "marital_status", "serious_illness",
                 "chronic_illness", "disability_type", "disability_grade", "self_care", "employment",
                 "school_stage", "status")
# What a file leaves blank for a new household. Hukou type, housing and income nobody recorded stay unknown
# (未登记), never a guess that would be compared with the 低保 standard.
HOUSEHOLD_DEFAULTS = {"group_id": None, "hukou_address": "", "hukou_type": "",
                      "residence_differs": False, "per_capita_income": None, "medical_expense": 0,
                      "education_expense": 0, "other_expense": 0, "housing": "", "phone": ""}
MEMBER_DEFAULTS = {"ethnicity": "", "marital_status": "", "serious_illness": "", "chronic_illness": "",
                   "disability_type": "", "disability_grade": "", "self_care": hh.SelfCare.FULL, "employment": "",
                   "school_stage": "", "status": hh.MemberStatus.PRESENT}
# The key of a column → the model field it fills.
FIELD_OF = {"village": "village_id", "group": "group_id"}


@dataclass
class HouseholdPlan:
    new_households: dict = field(default_factory=dict)  # head id → {field: value}
    changed_households: dict = field(default_factory=dict)  # household pk → ({field: new}, {field: old})
    new_members: list = field(default_factory=list)  # (household pk | None, head id, member id, {field: value})
    changed_members: list = field(default_factory=list)  # (member pk, household pk, {field: new}, {field: old})


class HouseholdValidator(_Validator):
    kind = ImportKind.HOUSEHOLDS
    columns = HOUSEHOLD_COLUMNS

    def __init__(self, context, keep_plan):
        super().__init__(context, keep_plan)
        self.seen_ids: dict[str, int] = {}  # member id → first row
        self.groups: dict[str, dict] = {}  # head id → {"row", "fields", "rows": {field: row}, "head_row"}
        self.existing_heads: dict[str, tuple | None] = {}  # head id → (household pk, village pk) or None
        self.plan = HouseholdPlan()
        self.household_values: dict[int, dict] = {}  # household pk → current field values
        self.unchanged_rows: dict[str, list[int]] = {}  # head id → rows whose member is unchanged

    def check_row(self, number, row):
        member_id, head_id = row.get("id_number"), row.get("head_id")
        if member_id:
            first = self.seen_ids.get(member_id)
            if first is not None:
                self.errors.add(number, self.header("id_number"),
                                _("身份证号与第 %(row)d 行重复。") % {"row": first})
            else:
                self.seen_ids[member_id] = number
            born = birth_date_of(member_id)
            if row.get("birth_date") and row["birth_date"] != born:
                self.errors.add(number, self.header("birth_date"), _("与身份证号中的出生日期 %(d)s 不一致。") % {"d": born})
            if row.get("sex") and row["sex"] != sex_of(member_id):
                self.errors.add(number, self.header("sex"), _("与身份证号显示的性别不一致。"))
        relation = row.get("relation")
        if member_id and head_id and relation:
            if member_id == head_id and relation != hh.Relation.HEAD:
                self.errors.add(number, self.header("relation"),
                                _("身份证号与户主身份证号相同，与户主关系应为“户主”。"))
            elif member_id != head_id and relation == hh.Relation.HEAD:
                self.errors.add(number, self.header("relation"),
                                _("与户主关系为“户主”，但身份证号与户主身份证号不同。"))
        if not head_id:
            return
        group = self.groups.get(head_id)
        if group is None:
            group = self.groups[head_id] = {"row": number, "fields": {}, "from": {}, "head_row": None}
        if member_id == head_id:
            group["head_row"] = number
        village = row.get("village")
        group_name = row.get("group")
        values = {}
        for key in ("village", "residence_address", "hukou_address", "hukou_type", "residence_differs",
                    "per_capita_income", "medical_expense", "education_expense", "other_expense", "housing", "phone"):
            if key in self.present and row.get(key) not in (None, ""):
                values[FIELD_OF.get(key, key)] = row[key]
        if group_name:
            village_pk = village or group["fields"].get("village_id")
            pk = self.context.groups().get((village_pk, group_name)) or self.context.groups().get(
                (village_pk, normalize_header(group_name)))
            if pk is None:
                self.errors.add(number, self.header("group"), _("“%(v)s”不是该村/社区下的村民小组。") % {"v": group_name})
            else:
                values["group_id"] = pk
        for key, value in values.items():
            known = group["fields"].get(key)
            if known is None:
                group["fields"][key] = value
                group["from"][key] = number
            elif known != value:
                header = {"village_id": self.header("village"), "group_id": self.header("group") if "group" in self.present else ""}.get(
                    key) or self.header(key)
                self.errors.add(number, header, _("同一户（户主身份证号相同）在第 %(row)d 行填写的不一致。") % {
                    "row": group["from"][key]})

    def check_chunk(self, chunk):
        ids = {row["id_number"] for _n, row in chunk if row.get("id_number")}
        heads = {row["head_id"] for _n, row in chunk if row.get("head_id")} - set(self.existing_heads)
        member_fields = tuple(sorted(set(f for f in MEMBER_FIELDS if f in self.present) | {"relation", "birth_date", "sex"}))
        existing = self.reads.fetch("members", (member_fields,), sorted(ids | heads))
        for head_id in heads:
            found = existing.get(head_id)
            self.existing_heads[head_id] = None if found is None else (
                found["household_id"], found["household__village_id"], found["relation"])
        self._load_households({v[0] for h in heads if (v := self.existing_heads.get(h))})
        for number, row in chunk:
            self._check_against_database(number, row, existing)

    def _load_households(self, pks):
        missing = pks - set(self.household_values)
        if missing:
            self.household_values.update(self.reads.fetch("households", (), sorted(missing)))

    def _check_against_database(self, number, row, existing):
        member_id, head_id = row.get("id_number"), row.get("head_id")
        if not member_id or not head_id:
            return
        head = self.existing_heads.get(head_id)
        if head is not None:
            household_pk, village_pk, head_relation = head
            if village_pk not in self.context.village_ids:
                self.errors.add(number, self.header("head_id"),
                                _("该户主已在其他辖区登记，不能在本辖区导入；如确已迁入，请联系原辖区办理迁移。"))
                return
            if head_relation != hh.Relation.HEAD:
                self.errors.add(number, self.header("head_id"), _("该身份证号在系统中不是户主，请核对户主身份证号。"))
                return
        found = existing.get(member_id)
        if found is not None and (head is None or found["household_id"] != head[0]):
            within = found["household__village_id"] in self.context.village_ids
            self.errors.add(number, self.header("id_number"),
                            _("该身份证号已登记在另一个家庭中，同一人不能登记两次。") if within else str(ID_NUMBER_TAKEN))
            return
        member = {key: row[key] for key in MEMBER_FIELDS if key in self.present and row.get(key) is not None}
        # Blank optional cells clear the field; birth date and sex always follow the ID number.
        for key, default in MEMBER_DEFAULTS.items():
            if key in self.present and key not in member:
                member[key] = default
        member["birth_date"] = birth_date_of(member_id)
        member["sex"] = sex_of(member_id)
        if found is None:
            self.classify(number, "new")
            if self.keep_plan and not self.errors.has(number):
                self.plan.new_members.append((head[0] if head else None, head_id, member_id,
                                              {**MEMBER_DEFAULTS, **member}))
            return
        changes = {k: v for k, v in member.items() if found.get(k) != v}
        if changes:
            self.classify(number, "updated")
            if self.keep_plan and not self.errors.has(number):
                self.plan.changed_members.append(
                    (found["pk"], found["household_id"], changes, {k: found.get(k) for k in changes}))
        else:
            self.classify(number, "unchanged")
            self.unchanged_rows.setdefault(head_id, []).append(number)

    def finish(self):
        for head_id, group in self.groups.items():
            head = self.existing_heads.get(head_id)
            fields = group["fields"]
            if head is None:
                if group["head_row"] is None:
                    self.errors.add(group["row"], self.header("head_id"),
                                    _("新登记的家庭须包含户主本人一行（身份证号与户主身份证号相同）。"))
                for key, column in (("village_id", "village"), ("residence_address", "residence_address")):
                    if not fields.get(key):
                        self.errors.add(group["row"], self.header(column), _("新登记的家庭必须填写此项。"))
                if self.keep_plan:
                    self.plan.new_households[head_id] = {**HOUSEHOLD_DEFAULTS, **fields}
                continue
            household_pk, village_pk, _relation = head
            if village_pk not in self.context.village_ids:
                continue
            current = self.household_values.get(household_pk, {})
            changes = {k: v for k, v in fields.items() if current.get(k) != v}
            if changes:
                # A row whose member is unchanged still changes its household: it counts as updated.
                for number in self.unchanged_rows.get(head_id, ()):
                    self.classify(number, "updated")
                if self.keep_plan:
                    self.plan.changed_households[household_pk] = (changes, {k: current.get(k) for k in changes})
        if self.keep_plan:
            self.outcome.plan = self.plan
