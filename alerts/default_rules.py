"""The default alert rules (seed 000 §三(一)2: a warning when circumstances change). Admins edit them.

Put in place by visits/migrations/0002_default_alert_rules.py (where the rules lived then); the tests put
them back with `add_rules` after a flush empties the table. Each reason is also a message (gettext_noop): an
alert of a rule kept as it came is read in the reader's language (alerts.reasons.rule_reason_in_language).
"""
from django.utils.translation import gettext_noop

DEFAULT_RULES = [
    # name, event kind, field, condition, values, reason, quarterly check
    ("收入降至低保标准以下", "income_changed", "", "income_below_dibao", [],
     gettext_noop("家庭月人均收入由 {old} 元降至 {new} 元，低于当地低保标准，请核实是否符合低保条件"), False),
    ("收入落入低收入区间", "income_changed", "", "income_low_income_band", [],
     gettext_noop("家庭月人均收入变为 {new} 元，落入低收入家庭区间，请核实"), False),
    ("新增残疾", "disability_changed", "disability_type", "newly_set", [],
     gettext_noop("家庭成员新增残疾（{new}），请走访了解照护和两项补贴情况"), False),
    ("新患大重病", "health_changed", "serious_illness", "newly_set", [],
     gettext_noop("家庭成员新患大重病（{new}），请走访了解医疗支出和救助需求"), False),
    ("失业", "employment_changed", "", "new_value_in", ["unemployed", "失业"],
     gettext_noop("家庭成员失业，请走访了解基本生活和就业救助需求"), False),
    ("受灾", "disaster", "", "any", [],
     gettext_noop("家庭受灾（{new}），请尽快走访，必要时先行救助"), False),
    # "At least once a quarter": a family not on the roster is entered with a quarterly cadence; one already on it
    # keeps its monthly visits (households.models.roster_cadences_allowed), which are more, not fewer.
    ("救助终止", "assistance_ended", "", "any", [],
     gettext_noop("救助终止（{old}），请至少每季度回访一次"), True),
    ("家庭成员死亡", "member_deceased", "", "any", [],
     gettext_noop("家庭成员死亡，请走访了解家庭状况变化"), False),
    ("家庭成员迁出", "member_moved_away", "", "any", [],
     gettext_noop("家庭成员迁出，请核实家庭人口和收入变化"), False),
    ("部门数据比对命中", "feed_match", "", "any", [],
     gettext_noop("部门数据比对命中：{new}，请核实"), False),
    # Rigid expenses (刚性支出, seed 001 §二: 重点关注家庭刚性支出变化情况): a recorded rise, or a 医疗自付过高 list
    # naming a member (imports.models.RIGID_EXPENSE_FEED_KINDS).
    ("刚性支出增加", "expense_changed", "", "increased", [],
     gettext_noop("家庭刚性支出由 {old} 元增至 {new} 元，请走访了解支出型困难和救助需求"), False),
    ("医疗自付过高", "feed_match", "feed_kind", "feed_kind_in", ["medical_self_pay"],
     gettext_noop("部门数据比对：家庭成员医疗自付费用过高（{new}），刚性支出增加，请走访了解医疗救助和临时救助需求"), False),
]


# Wordings a default rule had before: alerts keep the text they were opened with, and still read in English.
FORMER_REASONS = [
    # Said "moved to quarterly visits" to a family on the roster, whose visits stay monthly (migration 0018).
    gettext_noop("救助终止（{old}），转入每季度回访"),
]


def create_rules(alert_rule_model) -> None:
    """The default rules that are missing, by name and event kind (an edited rule is left as it is)."""
    for name, kind, field, condition, values, reason, quarterly in DEFAULT_RULES:
        alert_rule_model.objects.get_or_create(
            name=name, event_kind=kind,
            defaults={"field": field, "condition": condition, "values": values, "reason": reason,
                      "quarterly_check": quarterly},
        )


def add_rules(apps, schema_editor=None) -> None:
    create_rules(apps.get_model("alerts", "AlertRule"))
