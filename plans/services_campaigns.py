"""Writes of the focused screening campaigns (集中排查): re-exported by plans.services, callers import from there."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import FocusReason
from imports.models import FeedKind
from relief import access, punctuation
from relief.access import Action
from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel

from .models_campaigns import Campaign, CampaignState, CampaignTarget, CampaignTargetKind
from .selectors_campaigns import target_households, township_villages

# A campaign is a focused effort (seed 001 §三: during an emergency), not a standing watch: at most a year long.
MAX_DAYS = 366
# A campaign may be recorded a few days after it began (the township met first, then entered it), not later.
MAX_DAYS_BACK = 31
FIELDS = ("name", "purpose", "starts_on", "ends_on", "target_kind", "focus_reason", "feed_kind", "event_since",
          "event_keyword")


def _error(errors):
    from .services import PlanError

    return PlanError(errors)


def _period_errors(starts_on, ends_on, today: dt.date) -> dict:
    errors = {}
    if not starts_on:
        errors["starts_on"] = _("请填写开始日期。")
    if not ends_on:
        errors["ends_on"] = _("请填写结束日期。")
    if errors:
        return errors
    if ends_on < starts_on:
        errors["ends_on"] = _("结束日期（%(e)s）早于开始日期（%(s)s），请改正。") % {
            "e": ends_on.isoformat(), "s": starts_on.isoformat()}
    elif ends_on < today:
        errors["ends_on"] = _("结束日期 %(e)s 已过，不能发起已结束的排查。") % {"e": ends_on.isoformat()}
    elif (ends_on - starts_on).days + 1 > MAX_DAYS:
        errors["ends_on"] = _("集中排查的期限不能超过一年（现为 %(n)d 天），请缩短。") % {
            "n": (ends_on - starts_on).days + 1}
    if starts_on < today - dt.timedelta(days=MAX_DAYS_BACK):
        errors["starts_on"] = _("开始日期最多可追溯 %(n)d 天（不早于 %(d)s）。") % {
            "n": MAX_DAYS_BACK, "d": (today - dt.timedelta(days=MAX_DAYS_BACK)).isoformat()}
    return errors


@transaction.atomic
def campaign_start(*, actor, township: Jurisdiction, data: dict, villages=(), today: dt.date | None = None) -> Campaign:
    """Start a township's focused screening campaign (发起集中排查) and freeze its families.

    Only the township's own staff start one (access.runs_campaigns_of); another township answers 404.
    `villages`: villages of the township to screen (none: the whole township). The families the target group
    names today are stored as CampaignTarget rows with their village, so the coverage counts the same families
    to the end. A period ending before it starts, already over, longer than a year or starting more than a
    month back is refused in Chinese, as is a target group with no family; nothing is stored then.
    `today` is the day the campaign is recorded (the demo replays a past campaign); by default today.
    """
    today = today or timezone.localdate()
    if township is None or township.level != JurisdictionLevel.TOWNSHIP:
        raise _error({"township": _("请选择乡镇/街道。")})
    access.check(actor, Action.VIEW, township)
    if not access.runs_campaigns_of(actor, township):
        raise _error(_("集中排查由乡镇（街道）民政工作人员发起。"))
    values = {name: data.get(name) for name in FIELDS}
    for name in ("name", "purpose", "event_keyword", "focus_reason", "feed_kind", "target_kind"):
        values[name] = (values[name] or "").strip()
    errors = {}
    if not values["name"]:
        errors["name"] = _("请填写排查名称。")
    errors.update(_period_errors(values["starts_on"], values["ends_on"], today))
    kind = values["target_kind"]
    if kind not in CampaignTargetKind.values:
        errors["target_kind"] = _("请选择排查对象。")
    if kind == CampaignTargetKind.FOCUS_REASON:
        if values["focus_reason"] not in FocusReason.values:
            errors["focus_reason"] = _("按关注原因排查时，请选择关注原因。")
    else:
        values["focus_reason"] = ""
    if kind == CampaignTargetKind.FEED:
        if values["feed_kind"] not in FeedKind.values:
            errors["feed_kind"] = _("按部门数据排查时，请选择部门数据类型。")
    else:
        values["feed_kind"] = ""
    if kind in (CampaignTargetKind.DISASTER, CampaignTargetKind.FEED):
        if not values["event_since"]:
            errors["event_since"] = _("请填写从哪天起的受灾登记或比对命中算作排查对象。")
        elif values["event_since"] > today:
            errors["event_since"] = _("起始日期不能晚于今天。")
    else:
        values["event_since"], values["event_keyword"] = None, ""
    if kind != CampaignTargetKind.DISASTER:
        values["event_keyword"] = ""
    chosen = list(villages or ())
    wrong = [v.name for v in chosen if v.level != JurisdictionLevel.VILLAGE or v.parent_id != township.pk]
    if wrong:
        errors["villages"] = _("%(v)s 不属于%(t)s。") % {"v": punctuation.mark("、").join(wrong), "t": township.name}
    if errors:
        raise _error(errors)
    village_ids = [v.pk for v in chosen] or list(township_villages(township).values_list("pk", flat=True))
    rows = list(target_households(township=township, data=values, village_ids=village_ids)
                .order_by("village_id", "pk").values_list("pk", "village_id"))
    if not rows:
        raise _error({"target_kind": _("所选村/社区目前没有符合“%(k)s”的家庭，未发起排查。") % {
            "k": CampaignTargetKind(kind).label}})
    # Recorded today; a campaign replayed for an earlier day (the demo) is dated that day.
    recorded = timezone.now() if today == timezone.localdate() else timezone.make_aware(
        dt.datetime.combine(today, dt.time(9, 0)))
    campaign = Campaign(township=township, created_by=actor, target_count=len(rows), created_at=recorded, **values)
    campaign.full_clean(exclude=["township", "created_by"])
    campaign.save()
    campaign.villages.set(chosen)
    CampaignTarget.objects.bulk_create(
        [CampaignTarget(campaign=campaign, household_id=h, village_id=v) for h, v in rows], batch_size=1000)
    # The targets are written in bulk (django-auditlog records the campaign only): one entry names them.
    audit_record(event=AuditEvent.BULK_WRITE, actor=actor, obj=campaign,
                 detail={"what": "campaign_targets", "campaign": campaign.pk, "households": len(rows)})
    return campaign


@transaction.atomic
def campaign_end_early(*, actor, campaign: Campaign | int, reason: str, now: dt.datetime | None = None) -> Campaign:
    """End a running campaign before its planned end (提前结束), with the reason (排查任务已完成, 险情已解除 …).

    Its period then ends today: the coverage counts the visits and leads up to today and no later, caseworkers'
    worklists drop it at once, and the planned end is kept (`planned_ends_on`). Only the township's own staff end
    one; a campaign not yet begun or already over is refused in Chinese, and a second click (or a colleague's,
    in another tab) says when it was ended and by whom instead of ending it again.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    pk = campaign.pk if isinstance(campaign, Campaign) else int(campaign)
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("township").filter(pk=pk).first()
    if campaign is None:
        from django.http import Http404

        raise Http404(_("未找到该集中排查，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, campaign.township)
    if not access.runs_campaigns_of(actor, campaign.township):
        raise _error(_("集中排查由乡镇（街道）民政工作人员结束。"))
    if campaign.ended_early_at is not None:
        raise _error(_("这次排查已于 %(t)s 由%(u)s提前结束，无需再次操作。") % {
            "t": timezone.localtime(campaign.ended_early_at).strftime("%Y-%m-%d %H:%M"),
            "u": _user_label(campaign.ended_early_by)})
    state = campaign.state_on(today)
    if state == CampaignState.UPCOMING:
        raise _error(_("这次排查 %(d)s 才开始，尚未开始的排查不能提前结束。") % {"d": campaign.starts_on.isoformat()})
    if state == CampaignState.FINISHED:
        raise _error(_("这次排查已于 %(d)s 结束。") % {"d": campaign.ends_on.isoformat()})
    reason = (reason or "").strip()
    if not reason:
        raise _error({"end_reason": _("请填写提前结束的原因，如“排查对象已全部走访”或“险情已解除”。")})
    campaign.planned_ends_on = campaign.ends_on
    campaign.ends_on = today
    campaign.ended_early_at, campaign.ended_early_by, campaign.end_reason = now, actor, reason[:1000]
    campaign.save(update_fields=["planned_ends_on", "ends_on", "ended_early_at", "ended_early_by", "end_reason"])
    return campaign


def _user_label(user) -> str:
    if user is None:
        return _("（已删除的用户）")
    return user.get_full_name() or user.get_username()
