"""救助台账: per month and department, leads, decisions, the observation list and what is unfinished; and what
an eligible referral's assistance counts as, which the summary ledger shares."""
from __future__ import annotations

from typing import Iterator

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import ObservationEntry

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import CHUNK, Ledger, _chunked, _head_values, _heads


# What an eligible referral's assistance counts as in the monthly ledger (seed 002 §二(四)).
OUTCOME_COLUMNS = [("tekun", "新增特困"), ("dibao", "新增低保"), ("low_income", "新增低收入"),
                   ("temporary", "临时救助"), ("special", "其他专项救助"), ("referral_org", "转介")]
SPECIAL = {"medical", "education", "housing", "employment", "disaster"}


def outcome_column(referral) -> str:
    if referral.assistance_type in SPECIAL:
        return "special"
    if referral.department == "charity" and not referral.assistance_type:
        return "referral_org"
    return referral.assistance_type or "special"


def hukou_note(referral, today=None) -> str:
    """人户分离 in a ledger cell: the hukou township that handles the case, and the cooperation letters sent for it
    (prefetched as `cooperation_letters`) with how many still await a reply and how many are overdue."""
    parts = []
    handover = getattr(referral, "hukou_handover", None)
    if handover is not None:
        parts.append(_("户籍地%(t)s受理") % {"t": handover.township.name})
    letters = list(referral.cooperation_letters.all())
    if letters:
        today = today or timezone.localdate()
        waiting = [x for x in letters if x.answered_on is None]
        late = [x for x in waiting if x.reply_due < today]
        text = _("函件%(n)d件") % {"n": len(letters)}
        if waiting:
            text += _("（待复%(w)d件，其中逾期%(l)d件）") % {"w": len(waiting), "l": len(late)}
        else:
            text += _("（均已回复）")
        parts.append(text)
    return "；".join(parts)


def lead_source_note(lead) -> str:
    """Where a lead's data came from, beyond its channel: the department list and row of a 部门数据比对 lead, the
    work-order number of a hotline lead."""
    try:
        link = lead.feed_link
    except ObjectDoesNotExist:  # not from a department list
        link = None
    if link is not None:
        batch, record = link.record.batch, link.record
        return _("%(dept)s“%(kind)s”名单（导入记录#%(b)d第%(r)d行）") % {
            "dept": batch.source_department or "", "kind": batch.get_feed_kind_display(), "b": batch.pk,
            "r": record.row_number}
    try:
        order = lead.work_order
    except ObjectDoesNotExist:  # not a hotline lead
        order = None
    return _("工单%(n)s") % {"n": order.number} if order is not None else ""


class MonthlyLedger(Ledger):
    """救助台账 (seed 004 §二(四)): per month and department, leads, decisions, observation list, unfinished."""

    kind = LedgerKind.MONTHLY
    title = str(LedgerKind.MONTHLY.label)
    sources = ("referrals.Lead", "referrals.Referral")

    def _leads(self):
        from referrals.models import Lead

        r = self.request
        return Lead.objects.filter(village_id__in=r.village_ids, received_at__date__range=(r.start, r.end))

    def _decided(self):
        from referrals.models import DECIDED_STATUSES, Referral

        r = self.request
        return Referral.objects.filter(village_id__in=r.village_ids, status__in=DECIDED_STATUSES,
                                       decided_at__date__range=(r.start, r.end))

    def _observed(self):
        r = self.request
        return ObservationEntry.objects.filter(household__village_id__in=r.village_ids,
                                               decided_on__range=(r.start, r.end))

    def _unfinished(self):
        """Referrals open at the end of the period (made by then, not decided by then), each with `late`:
        overdue by the period's end, or by today while the period runs (the rule of referrals.models)."""
        from referrals.models import Referral, referral_overdue_q

        r = self.request
        return Referral.objects.filter(village_id__in=r.village_ids).open_on(r.end).annotate(
            late=ExpressionWrapper(referral_overdue_q(r.end), output_field=BooleanField()))

    def _closed(self):
        """Referrals closed in the period (已办结): decided, and the family told — an eligible decision grants
        the assistance; an ineligible one is closed once the family is informed (at the decision or by the
        later 告知家庭 step)."""
        from referrals.models import DECIDED_STATUSES, Referral, ReferralStatus, ReferralStep, StepAction

        r = self.request
        informed = ReferralStep.objects.filter(referral=OuterRef("pk"), action=StepAction.INFORM).order_by("at")
        return (Referral.objects.filter(village_id__in=r.village_ids, status__in=DECIDED_STATUSES)
                .filter(Q(status=ReferralStatus.ELIGIBLE) | Q(family_informed=True))
                .annotate(closed_at=Coalesce(Subquery(informed.values("at")[:1]), "decided_at"))
                .filter(closed_at__date__range=(r.start, r.end)))

    def count(self) -> int:
        return (self._leads().count() + self._decided().count() + self._observed().count()
                + self._unfinished().count())

    def summary_rows(self):
        from referrals.models import Department

        decided = list(self._decided().values("department", "assistance_type", "status"))
        unfinished = list(self._unfinished().values_list("department", flat=True))
        departments = [d for d in Department.values if any(x["department"] == d for x in decided) or d in unfinished]
        if any(not x["department"] for x in decided) or "" in unfinished:
            departments.append("")
        labels = dict(Department.choices)
        headers = ["项目", *[str(labels.get(d, "未交办")) for d in departments], "合计"]

        class Row:  # a referral-like view of a values() dict for outcome_column
            def __init__(self, d):
                self.department, self.assistance_type = d["department"], d["assistance_type"]

        lines = [["受理线索", *[None] * len(departments), self._leads().count()]]
        per = lambda pred: [sum(1 for x in decided if x["department"] == d and pred(x)) for d in departments]
        eligible = lambda x: x["status"] == "eligible"
        lines.append(["转办决定", *per(lambda x: True), len(decided)])
        for key, label in OUTCOME_COLUMNS:
            counts = per(lambda x, key=key: eligible(x) and outcome_column(Row(x)) == key)
            lines.append([label, *counts, sum(counts)])
        counts = per(lambda x: x["status"] == "ineligible")
        lines.append(["不符合条件", *counts, sum(counts)])
        lines.append(["列入观察名单", *[None] * len(departments), self._observed().count()])
        counts = [sum(1 for u in unfinished if u == d) for d in departments]
        lines.append(["未办结", *counts, len(unfinished)])
        lines.extend(self.approval_lines(departments))
        return headers, lines

    def approval_lines(self, departments) -> list[list]:
        """公示后报送审批 (referrals.models_approval): submitted in the period, and answered in it, per department."""
        from referrals.models import ApprovalRequest

        r = self.request
        rows = ApprovalRequest.objects.filter(referral__village_id__in=r.village_ids)
        submitted = list(rows.filter(submitted_at__date__range=(r.start, r.end))
                         .values_list("referral__department", flat=True))
        answered = list(rows.filter(decided_at__date__range=(r.start, r.end))
                        .values_list("referral__department", "state"))
        lines = []
        for label, values in (("报送区县审批", submitted),
                              ("区县审批批准", [d for d, state in answered if state == "approved"]),
                              ("区县不予批准", [d for d, state in answered if state == "refused"])):
            counts = [sum(1 for v in values if v == d) for d in departments]
            lines.append([label, *counts, len(values)])
        return lines

    def sheets(self):
        r = self.request
        headers, lines = self.summary_rows()
        yield Sheet(title="汇总", columns=[Column(h, 14 if i else 16, "text" if not i else "int")
                                         for i, h in enumerate(headers)], rows=iter(lines),
                    heading=_("%(t)s（按部门汇总）") % {"t": self.title})
        yield Sheet(title="受理线索", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("接收时间", 16, "datetime"),
            Column("线索来源", 14), Column("来源数据", 24), Column("困难群众", 10), Column("住址", 24),
            Column("反映情况", 36), Column("紧急程度", 10), Column("状态", 8), Column("关闭原因", 20)],
            rows=self.lead_rows())
        decided = list(self._decided().select_related("village", "household", "hukou_handover__township")
                       .prefetch_related("cooperation_letters").order_by("decided_at", "pk"))
        heads = _heads({x.household_id for x in decided})
        yield Sheet(title="转办决定", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("身份证号", 21),
            Column("承办部门", 12), Column("决定结果", 14), Column("救助方式", 12), Column("救助金额（元/月）", 12, "money"),
            Column("救助开始日期", 11, "date"), Column("转介机构", 14), Column("不符合条件的原因", 30),
            Column("决定层级", 10), Column("决定时间", 16, "datetime"), Column("人户分离（户籍地协办）", 24)],
            rows=([i, x.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   r.id_number(x.village_id, heads[x.household_id].id_number) if heads.get(x.household_id) else "",
                   x.get_department_display(), x.get_status_display(), x.get_assistance_type_display(), x.amount,
                   x.start_date, x.organisation, x.ineligible_reason, x.get_decision_level_display(), x.decided_at,
                   hukou_note(x)]
                  for i, x in enumerate(decided, start=1)))
        observed = list(self._observed().select_related("household__village").order_by("decided_on", "pk"))
        heads = _heads({x.household_id for x in observed})
        yield Sheet(title="救助观察名单", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("身份证号", 21),
            Column("未纳入救助的原因", 30), Column("实际困难", 30), Column("认定日期", 11, "date"),
            Column("下次复核日期", 11, "date")],
            rows=([i, x.household.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   r.id_number(x.household.village_id, heads[x.household_id].id_number)
                   if heads.get(x.household_id) else "", x.reason_not_eligible, x.difficulty, x.decided_on,
                   x.next_review_on] for i, x in enumerate(observed, start=1)))
        unfinished = list(self._unfinished().select_related("village", "hukou_handover__township")
                          .prefetch_related("steps", "cooperation_letters").order_by("deadline", "pk"))
        heads = _heads({x.household_id for x in unfinished})
        yield Sheet(title="未办结事项", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("承办部门", 12),
            Column("当前状态", 14), Column("办结期限", 11, "date"), Column("是否超期", 8), Column("未办结原因", 40),
            Column("人户分离（户籍地协办）", 24)],
            rows=([i, x.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   x.get_department_display(), x.get_status_display(), x.deadline, x.late, self.reason(x),
                   hukou_note(x)]
                  for i, x in enumerate(unfinished, start=1)))
        from .departments import department_items_sheet

        yield department_items_sheet(r)

    def lead_rows(self) -> Iterator[list]:
        """The leads of the period; a lead linked to a household and naming no one of its own shows the
        household's head and residence address."""
        leads = (self._leads().select_related("village", "household", "feed_link__record__batch", "work_order")
                 .order_by("received_at", "pk").iterator(chunk_size=CHUNK))
        number = 0
        for chunk in _chunked(leads):
            heads = _head_values({lead.household_id for lead in chunk if lead.household_id})
            for lead in chunk:
                number += 1
                head = heads.get(lead.household_id)
                name = lead.subject_name or (head[0] if head else "")
                address = lead.subject_address or (lead.household.residence_address if lead.household else "")
                yield [number, lead.village.name, lead.received_at, lead.get_channel_display(), lead_source_note(lead),
                       name, address, lead.description, lead.get_urgency_display(), lead.get_status_display(),
                       lead.close_reason]

    def reason(self, referral) -> str:
        steps = list(referral.steps.all())
        last = steps[-1] if steps else None
        text = str(referral.get_status_display())
        if last and last.comment:
            text += "：" + last.comment
        return text
