"""Department data comparison → leads — 部门数据比对转线索 (seeds 003 §二(二)1, 004 §二(四)).

A row of a department list that matched nobody in the registry (imports.FeedRecord, UNMATCHED, of a confirmed
batch) becomes a lead, one at a time or every row of a batch at once. The lead names its source (the
department, the list, the batch and the row) in its description and `source_ref` (`feed:<batch>:<row>`), and
a FeedLead links it to the row. The leads are written by lead_create / lead_create_many only, with the key
`feed:<row id>`; the rows are locked first, so a double click or two staff at once raise one lead per row.
imports is told through its own service (`feed_records_mark_reviewed`): the row leaves its unreviewed list.

Who: staff who import department data for the batch's jurisdiction (Action.IMPORT_DATA: township staff,
admins); the lead's village must be one they may register leads in (lead_create checks). Outside → 404.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus
from imports.services import feed_records_mark_reviewed
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel
from relief.reveal import mask_phone

from ..models import Lead, LeadChannel, Urgency
from ..models_feed import FeedLead
from .errors import ReferralError
from .leads import LeadDraft, lead_create, lead_create_many


def _not_found() -> Http404:
    return Http404(_("未找到该记录，或它不在您的辖区内。"))


def feed_lead_key(record_id: int) -> str:
    return f"feed:{record_id}"


def feed_lead_description(record: FeedRecord, batch: ImportBatch) -> str:
    """What the lead says of its source: department, list, data date, batch and row, and the department's note."""
    parts = [_("部门数据比对：%(dept)s推送的“%(kind)s”名单") % {
        "dept": batch.source_department or _("部门"), "kind": batch.get_feed_kind_display()}]
    if batch.data_date:
        parts.append(_("（数据日期 %(d)s）") % {"d": batch.data_date.isoformat()})
    parts.append(_("，导入记录 #%(b)d 第 %(r)d 行：%(name)s（身份证号 %(id)s）未在册。") % {
        "b": batch.pk, "r": record.row_number, "name": record.name, "id": record.masked_id_number})
    if record.detail:
        parts.append(_("部门说明：%(d)s。") % {"d": record.detail})
    if record.occurred_on:
        parts.append(_("部门登记日期：%(d)s。") % {"d": record.occurred_on.isoformat()})
    if record.phone:
        # Masked like the ID number: every viewer of the lead reads its description; the full number stays with
        # the department's row, for those who may see it.
        parts.append(_("联系电话：%(p)s。") % {"p": mask_phone(record.phone)})
    parts.append(_("请入户核实是否需要救助。"))
    return "".join(parts)


def _source_ref(record: FeedRecord) -> str:
    return f"feed:{record.batch_id}:{record.row_number}"


def _check_batch(actor, batch: ImportBatch) -> None:
    access.check(actor, Action.IMPORT_DATA, batch.jurisdiction_id)
    if batch.kind != ImportKind.FEED or batch.status != ImportStatus.DONE:
        raise ReferralError(_("这批部门数据尚未确认导入，不能转为线索。"))


def _village_for(record: FeedRecord, batch: ImportBatch, village: Jurisdiction | None) -> Jurisdiction:
    if village is None:
        village = record.village
    if village is None:
        raise ReferralError({"village": _("部门数据未写明村/社区，请选择此人所在的村/社区。")})
    if village.level != JurisdictionLevel.VILLAGE:
        raise ReferralError({"village": _("线索须落到具体的村/社区。")})
    return village


@transaction.atomic
def feed_record_to_lead(*, actor, record: FeedRecord | int, village: Jurisdiction | None = None,
                        urgency: str = Urgency.NORMAL) -> Lead:
    """Turn one unmatched row into a lead (channel 部门数据比对). A row already turned returns its lead
    (`lead.was_created` False) and changes nothing. A row the department gave no village needs `village`."""
    pk = record.pk if isinstance(record, FeedRecord) else int(record)
    record = (FeedRecord.objects.select_for_update(of=("self",)).select_related("batch", "village")
              .filter(pk=pk).first())
    if record is None:
        raise _not_found()
    batch = record.batch
    _check_batch(actor, batch)
    if record.match != FeedMatch.UNMATCHED:
        raise ReferralError(_("此人已在册（比对命中），请在其家庭页面处理，不另登记线索。"))
    link = FeedLead.objects.select_related("lead").filter(record=record).first()
    if link is not None:
        link.lead.was_created = False
        return link.lead
    village = _village_for(record, batch, village)
    if village.pk not in _batch_villages(batch):
        raise ReferralError({"village": _("所选村/社区不在这批数据的导入辖区内。")})
    lead = lead_create(actor=actor, channel=LeadChannel.FEED, village=village, subject_name=record.name,
                       description=feed_lead_description(record, batch), urgency=urgency,
                       dedupe_key=feed_lead_key(record.pk), source_ref=_source_ref(record))
    FeedLead.objects.get_or_create(record=record, defaults={"lead": lead, "created_by": actor})
    feed_records_mark_reviewed(actor=actor, record_ids=[record.pk],
                               note=_("已转为救助线索（线索%(n)d）") % {"n": lead.pk})
    return lead


def _batch_villages(batch: ImportBatch) -> set[int]:
    return set(Jurisdiction.objects.under(batch.jurisdiction_id).filter(level=JurisdictionLevel.VILLAGE)
               .values_list("pk", flat=True))


@dataclass(frozen=True)
class FeedLeadsRaised:
    """What feed_batch_to_leads did: leads created, rows that already had theirs, rows with no village."""

    created: int
    existing: int
    without_village: int


@transaction.atomic
def feed_batch_to_leads(*, actor, batch: ImportBatch | int, urgency: str = Urgency.NORMAL) -> FeedLeadsRaised:
    """Turn every unmatched row of a batch that has no lead yet into a lead, at once (lead_create_many: a fixed
    number of queries). Rows the department gave no village are left for one-by-one (counted in
    `without_village`). Running it again creates nothing."""
    pk = batch.pk if isinstance(batch, ImportBatch) else int(batch)
    batch = ImportBatch.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if batch is None:
        raise _not_found()
    _check_batch(actor, batch)
    rows = list(FeedRecord.objects.select_for_update(of=("self",)).filter(batch=batch, match=FeedMatch.UNMATCHED)
                .exclude(pk__in=FeedLead.objects.filter(record__batch=batch).values("record_id"))
                .order_by("row_number"))
    villages = _batch_villages(batch)
    placed = [r for r in rows if r.village_id is not None and r.village_id in villages]
    without = len(rows) - len(placed)
    if not placed:
        return FeedLeadsRaised(created=0, existing=0, without_village=without)
    leads = lead_create_many(actor=actor, leads=[
        LeadDraft(channel=LeadChannel.FEED, village_id=r.village_id, subject_name=r.name, urgency=urgency,
                  description=feed_lead_description(r, batch), dedupe_key=feed_lead_key(r.pk),
                  source_ref=_source_ref(r)) for r in placed],
        audit_detail={"feed_batch": batch.pk, "feed_kind": batch.feed_kind})
    FeedLead.objects.bulk_create([FeedLead(record=r, lead_id=lead.pk, created_by=actor)
                                  for r, lead in zip(placed, leads)], ignore_conflicts=True)
    feed_records_mark_reviewed(actor=actor, record_ids=[r.pk for r in placed], note=_("已转为救助线索"))
    created = sum(1 for lead in leads if lead.was_created)
    return FeedLeadsRaised(created=created, existing=len(leads) - created, without_village=without)
