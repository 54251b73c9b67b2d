"""Household registry pages: the list, "one household, one page" (一户一页), its print view and forms.

Every view states its access rule; every household is fetched through selectors.household_get, which
answers 404 outside the user's villages. Writes go through services.py.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relief import access, punctuation
from relief.access import Action, access_rule
from relief.models import User
from relief.search_terms import search_data, search_scope, searched_by_post
from relief.reveal import audit_reveal, edit_reveal, mask_phone, reason_label, reveal_for

from . import selectors, services
from .forms import (
    AssistanceEndForm, AssistanceForm, HouseholdFilterForm, HouseholdForm, MemberForm, MemberStatusForm,
    ObservationAddForm, ObservationRemoveForm, ObservationReviewForm, RosterChangeForm, RosterEnterForm, RosterExitForm, attach_errors,
)
from .idcard import mask_id_number
from .presence import prefetch_present
from .models import (
    AssistanceRecord, AssistanceType, Cadence, FocusReason, Household, Member, MemberStatus, ObservationEntry,
    Relation, RosterChange, RosterEntry, TargetKind,
)
from .sections import household_sections

PAGE_SIZES = (20, 50, 100)
RECENT_EVENTS = 50
RECENT_REVIEWS = 20


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


@access_rule(Action.VIEW)
@searched_by_post
def household_list(request):
    """The registry: search, filters, sort and pagination, ID numbers masked."""
    form = HouseholdFilterForm(search_data(request) or None, user=request.user)
    filters = form.filters()
    if filters is None:
        queryset = Household.objects.none()
    else:
        queryset = selectors.with_list_details(selectors.household_list(request.user, **filters))
    paginator = Paginator(queryset, _page_size(request))
    if filters is not None and not selectors.household_list_narrows(filters):
        paginator.count = selectors.household_count(request.user)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    searched = (filters or {}).get("q", "")
    rows = []
    for household in page.object_list:
        head = selectors.head_of(household)
        rows.append({
            "household": household,
            "head": head,
            "masked_id": mask_id_number(head.id_number) if head else "",
            "size": len(household.present_members),
            "categories": [AssistanceType(c).label for c in household.category_codes],
            "roster_kind": TargetKind(household.roster_kind).label if household.roster_kind else "",
            "roster_reasons": punctuation.mark("、").join(str(FocusReason(c).label) for c in household.roster_reason_codes
                                                          if c in FocusReason.values),
            "review_due": household.on_observation and household.observation_review_on <= today,
            "match_note": selectors.list_match_note(household.present_members, head, searched),
        })
    filters_in_use = any(form.data.get(name) for name in form.fields if name != "q") or bool(form.errors)
    context = {"form": form, "page": page, "rows": rows, "page_sizes": PAGE_SIZES, "today": today,
               "filters_in_use": filters_in_use, "search_everywhere": search_scope(request, form),
               "can_create": access.can_anywhere(request.user, Action.EDIT_HOUSEHOLDS)}
    return TemplateResponse(request, "households/list.html", context)


def _describe_roster_change(change: RosterChange, users: dict) -> list[str]:
    """A roster history row in words: 关注原因：独居老人 → 独居老人、残疾."""
    def label(field, value):
        if value in (None, "", []):
            return "—"
        if field == "reasons":
            return punctuation.mark("、").join(str(FocusReason(v).label) for v in value if v in FocusReason.values)
        if field == "target_kind" and value in TargetKind.values:
            return str(TargetKind(value).label)
        if field == "cadence" and value in Cadence.values:
            return str(Cadence(value).label)
        if field == "caseworker":
            user = users.get(value)
            return user.display_name if user else "—"
        return str(value)

    names = {"reasons": _("关注原因"), "target_kind": _("对象类型"), "cadence": _("走访频次"),
             "caseworker": _("责任协理员"), "note": _("说明"), "exited_on": _("退出日期")}
    lines = []
    for field, pair in (change.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if old in (None, "", []):
            lines.append(f"{names.get(field, field)}{punctuation.COLON}{label(field, new)}")
        else:
            lines.append(f"{names.get(field, field)}{punctuation.COLON}{label(field, old)} → {label(field, new)}")
    return lines


def _household_page_context(request, household, *, printing: bool = False, reason: str | None = None,
                            reveal_form=None) -> dict:
    """Everything the household page shows, in a fixed number of queries whatever its size.

    ID and phone numbers are masked unless the user may see them AND gave a reason for this page view
    (`reason`, from the reveal form): masked by default even to those who may see them (PIPL).
    """
    user = request.user
    may_reveal = access.can(user, Action.VIEW_PERSONAL_DATA, household.village_id)
    show_full_id = may_reveal and reason is not None
    # Loaded as prefetches, in pk order, so that the sections (the policy check of plans) use them too.
    prefetch_related_objects([household], Prefetch("members", queryset=Member.objects.order_by("pk")),
                             Prefetch("assistance", queryset=AssistanceRecord.objects.select_related("member")
                                      .order_by("pk")))
    members = list(household.members.all())
    today = timezone.localdate()
    for member in members:
        member.shown_id = member.id_number if show_full_id else member.masked_id_number
        # Age, not birth date, beside a masked number: the birth date is the hidden middle of it.
        member.shown_age = None if show_full_id else member.age_on(today)
    if show_full_id:
        audit_reveal(request, household, reason, page="household_print" if printing else "household_detail",
                     members=[m.pk for m in members])
    household.shown_phone = household.phone if show_full_id else mask_phone(household.phone)
    assistance = sorted(household.assistance.all(), key=lambda a: (a.start_date, a.pk), reverse=True)
    running = [a for a in assistance if a.runs_on(today)]
    household.running_assistance = running
    # Prefetched onto the household, so that the sections (the visits section's due date) read them too.
    prefetch_present(
        household,
        roster_entries=lambda: RosterEntry.objects.select_related("caseworker", "entered_by", "exited_by")
        .prefetch_related("reasons", Prefetch("changes", queryset=RosterChange.objects
                                              .select_related("actor").order_by("at", "pk"))),
        observation_entries=lambda: ObservationEntry.objects.select_related("decided_by", "removed_by", "member"))
    roster_entries = list(household.roster_entries.all())
    user_ids = {pair[1] for e in roster_entries for c in e.changes.all()
                for f, pair in (c.changes or {}).items() if f == "caseworker" and isinstance(pair, list)}
    user_ids |= {pair[0] for e in roster_entries for c in e.changes.all()
                 for f, pair in (c.changes or {}).items() if f == "caseworker" and isinstance(pair, list)}
    user_ids.discard(None)
    # Most names the history needs are the entries' own caseworkers and the changes' actors, loaded already.
    users = {u.pk: u for e in roster_entries for u in (e.caseworker, e.entered_by, e.exited_by,
                                                        *(c.actor for c in e.changes.all())) if u is not None}
    missing = user_ids - users.keys()
    if missing:
        users.update((u.pk, u) for u in User.objects.filter(pk__in=missing))
    roster_history = []
    for entry in roster_entries:
        for change in entry.changes.all():
            change.lines = _describe_roster_change(change, users)
            roster_history.append(change)
    roster_history.sort(key=lambda c: (c.at, c.pk), reverse=True)
    observations = list(household.observation_entries.all())
    # The latest events and the latest observation reviews (older ones too), in one query.
    latest = household.events.values("pk")
    events = list(household.events.filter(Q(pk__in=latest[:RECENT_EVENTS])
                                          | Q(pk__in=latest.filter(field="observation_review")[:RECENT_REVIEWS]))
                  .select_related("actor", "member"))
    observation_reviews = [e for e in events if e.field == "observation_review"][:RECENT_REVIEWS]
    events = events[:RECENT_EVENTS]
    standard = selectors.dibao_standard_for(household, today)
    band = selectors.income_band(household, today, standard=standard)
    present = [m for m in members if m.status == MemberStatus.PRESENT]
    can_edit = access.can(user, Action.EDIT_HOUSEHOLDS, household.village_id)
    sections = [s for s in household_sections(request, household) if s.printable or not printing]
    for section in sections:
        # Rendered here so that each app's section template gets its own context.
        section.html = render_to_string(section.template, {**section.context, "household": household,
                                                           "printing": printing}, request=request)
    return {
        "household": household,
        "members": members,
        "head": next((m for m in present if m.relation == "head"), present[0] if present else None),
        "present_count": len(present),
        "show_full_id": show_full_id,
        "may_reveal": may_reveal and not show_full_id,
        "reveal_form": reveal_form,
        "reveal_reason": reason_label(reason) if reason else "",
        "assistance": assistance,
        "categories": [AssistanceType(code).label for code in selectors.current_categories(household)],
        "open_roster": next((e for e in roster_entries if e.is_open), None),
        "roster_entries": roster_entries,
        "roster_history": roster_history,
        "open_observation": next((o for o in observations if o.is_open), None),
        "observations": observations,
        "observation_reviews": observation_reviews,
        "events": events,
        "band": band,
        "can_edit": can_edit,
        "sections": sections,
        "today": today,
        "printing": printing,
    }


@access_rule(Action.VIEW)
@require_http_methods(["GET", "POST"])
def household_detail(request, pk: int):
    """One household, one page (一户一页); a POST with a reason shows it once with full ID and phone numbers."""
    household = selectors.household_get(request.user, pk)
    reason, form = _reveal(request, household)
    return TemplateResponse(request, "households/detail.html", _household_page_context(
        request, household, reason=reason, reveal_form=form), status=400 if form.errors else 200)


@access_rule(Action.VIEW)
@require_http_methods(["GET", "POST"])
def household_print(request, pk: int):
    household = selectors.household_get(request.user, pk)
    reason, form = _reveal(request, household)
    context = _household_page_context(request, household, printing=True, reason=reason, reveal_form=form)
    context["printed_at"] = timezone.localtime()
    return TemplateResponse(request, "households/print.html", context, status=400 if form.errors else 200)


def _reveal(request, household):
    """The reveal form's reason; a POST from someone who may not see full data is refused, not ignored."""
    return reveal_for(request, may_reveal=access.can(request.user, Action.VIEW_PERSONAL_DATA, household.village_id))


# ------------------------------------------------------------------------------------------ forms
def _form_page(request, *, form, title, household=None, submit=None, intro="", forms_extra=None, pii=None):
    return TemplateResponse(request, "households/form.html", {
        "form": form, "extra_forms": forms_extra or [], "title": title, "household": household,
        "submit": submit or _("保存"), "intro": intro, "pii": pii,
    }, status=400 if pii and pii["reveal"].form.errors else 200)


def _pii_context(reveal, masked: list[tuple[str, str]], label: str) -> dict:
    """The masked values an edit form leaves alone, and the reveal that lets them be seen and edited."""
    return {"reveal": reveal, "masked": masked, "label": label,
            "reason_label": reason_label(reveal.reason) if reveal.reason else ""}


def _written(request, form, write) -> bool:
    """Run `write()` for a valid posted form; what the service refuses goes back to the form's fields."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write()
    except ValidationError as exc:
        attach_errors(form, exc)
        return False
    return True


def _done(request, household, message):
    messages.success(request, message)
    return redirect("households:detail", pk=household.pk)


@access_rule(Action.EDIT_HOUSEHOLDS)
def household_create(request):
    """Register a household with its head of household."""
    form = HouseholdForm(request.POST or None, user=request.user)
    head_form = MemberForm(request.POST or None, prefix="head")
    head_form.fields.pop("relation")
    if request.method == "POST" and form.is_valid() & head_form.is_valid():
        fields = form.service_fields()
        try:
            household = services.household_create(
                actor=request.user, village=fields.pop("village"), residence_address=fields.pop("residence_address"),
                head=head_form.service_fields(), **fields)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and set(exc.error_dict) & set(head_form.fields):
                attach_errors(head_form, ValidationError(
                    {k: v for k, v in exc.error_dict.items() if k in head_form.fields}))
                rest = {k: v for k, v in exc.error_dict.items() if k not in head_form.fields}
                if rest:
                    attach_errors(form, ValidationError(rest))
            else:
                attach_errors(form, exc)
        else:
            return _done(request, household, _("已登记家庭。"))
    return _form_page(request, form=form, title=_("登记家庭"), forms_extra=[(_("户主信息"), head_form)],
                      submit=_("登记"))


@access_rule(Action.EDIT_HOUSEHOLDS)
def household_edit(request, pk: int):
    """The household's facts; its phone number is masked and left out of the form until revealed with a reason."""
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    reveal = edit_reveal(request, may_reveal=access.can(request.user, Action.VIEW_PERSONAL_DATA,
                                                        household.village_id))
    if reveal.reason:
        audit_reveal(request, household, reveal.reason, page="household_edit", fields=["phone"])
    form = HouseholdForm(None if reveal.revealing else request.POST or None, instance=household,
                         user=request.user, masked=not reveal.full)
    if not reveal.revealing and _written(request, form, lambda: services.household_update(
            actor=request.user, household=household, version=form.cleaned_data.get("version") or 0,
            **form.service_fields())):
        return _done(request, household, _("家庭信息已保存。"))
    pii = _pii_context(reveal, [] if reveal.full else [(_("联系电话"), mask_phone(household.phone) or "—")],
                       _("查看或修改完整联系电话"))
    return _form_page(request, form=form, title=_("修改家庭信息"), household=household, pii=pii)


def _member_of(household, member_pk):
    return get_object_or_404(household.members.all(), pk=member_pk)


@access_rule(Action.EDIT_HOUSEHOLDS)
def member_add(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    # The first person of a household with nobody registered yet (one made from a lead) is its head.
    has_head = household.members.filter(relation=Relation.HEAD, status=MemberStatus.PRESENT).exists()
    form = MemberForm(request.POST or None, initial={"relation": Relation.CHILD if has_head else Relation.HEAD})
    if _written(request, form, lambda: services.member_add(
            actor=request.user, household=household, **form.service_fields())):
        return _done(request, household, _("已添加成员“%(name)s”。") % {"name": form.cleaned_data["name"]})
    return _form_page(request, form=form, title=_("添加家庭成员"), household=household, submit=_("添加"))


@access_rule(Action.EDIT_HOUSEHOLDS)
def member_edit(request, pk: int, member_pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    member = _member_of(household, member_pk)
    # The ID number (and the birth date and sex read from it) is masked and left out of the form until revealed
    # with a reason; the rest of the form is edited either way.
    reveal = edit_reveal(request, may_reveal=access.can(request.user, Action.VIEW_PERSONAL_DATA,
                                                        household.village_id))
    if reveal.reason:
        audit_reveal(request, member, reveal.reason, page="member_edit",
                     description=f"{member.name}（{member.masked_id_number}）")
    form = MemberForm(None if reveal.revealing else request.POST or None, instance=member, masked=not reveal.full)
    if not reveal.revealing and _written(request, form, lambda: services.member_update(
            actor=request.user, member=member, **form.service_fields())):
        return _done(request, household, _("成员信息已保存。"))
    masked = [] if reveal.full else [
        (_("身份证号"), _("%(id)s（%(age)s岁）") % {"id": member.masked_id_number,
                                                 "age": member.age_on(timezone.localdate())})]
    return _form_page(request, form=form, title=_("修改成员信息：%(name)s") % {"name": member.name},
                      household=household, pii=_pii_context(reveal, masked, _("查看或修改完整身份证号")))


@access_rule(Action.EDIT_HOUSEHOLDS)
def member_status(request, pk: int, member_pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    member = _member_of(household, member_pk)
    form = MemberStatusForm(request.POST or None)
    if _written(request, form, lambda: services.member_status_change(
            actor=request.user, member=member, **form.cleaned_data)):
        return _done(request, household, _("已登记成员变动。"))
    return _form_page(request, form=form, title=_("成员变动：%(name)s") % {"name": member.name}, household=household,
                      intro=_("成员死亡或迁出后，其个人享受的救助同日终止；该记录保留在家庭动态中。"))


@access_rule(Action.EDIT_HOUSEHOLDS)
def assistance_add(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    form = AssistanceForm(request.POST or None, household=household)
    if _written(request, form, lambda: services.assistance_add(
            actor=request.user, household=household, **form.cleaned_data)):
        return _done(request, household, _("已登记享受救助情况。"))
    return _form_page(request, form=form, title=_("登记享受救助情况"), household=household)


@access_rule(Action.EDIT_HOUSEHOLDS)
def assistance_end(request, pk: int, record_pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    record = get_object_or_404(household.assistance.all(), pk=record_pk)
    form = AssistanceEndForm(request.POST or None)
    if _written(request, form, lambda: services.assistance_end(
            actor=request.user, record=record, **form.cleaned_data)):
        return _done(request, household, _("救助已终止。"))
    return _form_page(request, form=form, household=household,
                      title=_("终止救助：%(t)s（%(d)s 起）") % {"t": record.get_type_display(), "d": record.start_date})


@access_rule(Action.EDIT_HOUSEHOLDS)
def roster_enter(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    form = RosterEnterForm(request.POST or None, household=household)
    if _written(request, form, lambda: services.roster_enter(
            actor=request.user, household=household, **form.cleaned_data)):
        return _done(request, household, _("已纳入重点人群花名册。"))
    return _form_page(request, form=form, title=_("纳入重点人群花名册"), household=household, submit=_("纳入"))


def _open_roster(household):
    return get_object_or_404(household.roster_entries.select_related("household"), exited_on__isnull=True)


@access_rule(Action.EDIT_HOUSEHOLDS)
def roster_change(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    entry = _open_roster(household)
    form = RosterChangeForm(request.POST or None, entry=entry)
    if _written(request, form, lambda: services.roster_change(actor=request.user, entry=entry, **form.cleaned_data)):
        return _done(request, household, _("花名册已调整，原内容保留在调整记录中。"))
    return _form_page(request, form=form, title=_("调整花名册"), household=household)


@access_rule(Action.EDIT_HOUSEHOLDS)
def roster_exit(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    entry = _open_roster(household)
    form = RosterExitForm(request.POST or None)
    if _written(request, form, lambda: services.roster_exit(
            actor=request.user, entry=entry, **form.cleaned_data)):
        return _done(request, household, _("该家庭已退出花名册。"))
    return _form_page(request, form=form, title=_("退出花名册"), household=household, submit=_("确认退出"))


@access_rule(Action.EDIT_HOUSEHOLDS)
def observation_add(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    form = ObservationAddForm(request.POST or None, household=household)
    if _written(request, form, lambda: services.observation_add(
            actor=request.user, household=household, **form.cleaned_data)):
        return _done(request, household, _("已列入救助观察名单。"))
    return _form_page(request, form=form, title=_("列入救助观察名单"), household=household, submit=_("列入"),
                      intro=_("经认定暂不符合救助条件、但确有实际困难的，列入观察名单持续跟踪。"))


@access_rule(Action.EDIT_HOUSEHOLDS)
def observation_review(request, pk: int):
    """Record a review (复核) of the household's observation-list entry and set the next review date."""
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    entry = get_object_or_404(household.observation_entries.select_related("household"), removed_on__isnull=True)
    form = ObservationReviewForm(request.POST or None, entry=entry)
    if _written(request, form, lambda: services.observation_review(
            actor=request.user, entry=entry, **form.cleaned_data)):
        return _done(request, household, _("已记录复核，下次复核日期为 %(d)s。") % {"d": entry.next_review_on})
    return _form_page(
        request, form=form, title=_("观察名单复核"), household=household, submit=_("保存复核"),
        intro=_("列入观察名单：%(d)s；未纳入原因：%(r)s；原定复核日期：%(n)s。仍有困难的继续观察；"
                "困难情形已消除或已纳入救助的，请使用“移出观察名单”。") % {
            "d": entry.decided_on, "r": entry.reason_not_eligible, "n": entry.next_review_on})


@access_rule(Action.EDIT_HOUSEHOLDS)
def observation_remove(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    entry = get_object_or_404(household.observation_entries.select_related("household"), removed_on__isnull=True)
    form = ObservationRemoveForm(request.POST or None)
    if _written(request, form, lambda: services.observation_remove(
            actor=request.user, entry=entry, **form.cleaned_data)):
        return _done(request, household, _("已移出救助观察名单。"))
    return _form_page(request, form=form, title=_("移出救助观察名单"), household=household, submit=_("确认移出"))
