"""Pages of 人户分离: the hukou side of a referral, and the cooperation letters (协查函/转办函) of a township.

Thin: who sees a referral is services.rules; letters are written by services.hukou."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from households.selectors import head_name_of
from relief import access
from relief.access import Action, access_rule
from relief.models import Role

from . import selectors, services
from .forms_hukou import LetterAnswerForm, LetterFilterForm, LetterForm
from .models_hukou import CooperationLetter, LetterState

# The residence side follows the letters: the village's caseworker, its township (which writes them), the district.
LETTER_ROLES = [Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT]


def letters_for(user):
    """Letters of the families of the user's villages (the residence side writes and follows them)."""
    return (access.scope(CooperationLetter.objects.all(), user, Action.VIEW, field="household__village")
            .select_related("household__village", "referral"))


def referral_hukou_context(user, referral) -> dict:
    """What the referral page shows of 人户分离: who handles it, and the letters of a hukou place outside."""
    handover = services.hukou_handover_of(referral)
    residence_side = services.sees_family_of(user, referral)
    household = referral.household
    letters = list(letters_for(user).filter(household=household).order_by("-sent_on", "-pk")) \
        if residence_side and household.hukou_outside_system else []
    return {
        "hukou_handover": handover,
        "residence_side": residence_side,
        "hukou_outside": household.hukou_outside_system,
        "hukou_place": household.hukou_place_label if residence_side or handover else "",
        "letters": letters,
        "may_write_letter": (household.hukou_outside_system and residence_side
                             and access.records_cooperation_letters(user, referral.village_id)),
    }


@access_rule(Action.VIEW, roles=LETTER_ROLES)
def letter_list(request):
    form = LetterFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    letters = letters_for(request.user).state(state).order_by("reply_due", "pk") if state \
        else letters_for(request.user).order_by(F("answered_on").asc(nulls_first=True), "reply_due", "pk")
    page = Paginator(letters.annotate(head_name=head_name_of()), 30).get_page(request.GET.get("page"))
    counts = {s: letters_for(request.user).state(s).count() for s in LetterState.values}
    return TemplateResponse(request, "referrals/letter_list.html", {
        "form": form, "page": page, "state": state, "counts": counts, "states": LetterState.choices})


@access_rule(Action.VIEW, roles=LETTER_ROLES)
def letter_create(request, referral_pk):
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=referral_pk)
    if not access.records_cooperation_letters(request.user, referral.village_id):
        raise PermissionDenied(_("协查函、转办函由家庭居住地的乡镇（街道）民政办登记。"))
    household = referral.household
    form = LetterForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.letter_send(actor=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记%(kind)s，回复期限%(due)s。") % {
                "kind": letter.get_kind_display(), "due": letter.reply_due})
            return redirect("referrals:letter_detail", pk=letter.pk)
    return TemplateResponse(request, "referrals/letter_form.html", {
        "form": form, "referral": referral, "household": household})


@access_rule(Action.VIEW, roles=LETTER_ROLES)
def letter_detail(request, pk):
    letter = get_object_or_404(letters_for(request.user), pk=pk)
    may_answer = not letter.answered_on and access.records_cooperation_letters(
        request.user, letter.household.village_id)
    form = LetterAnswerForm(request.POST or None, initial={"version": letter.version}) if may_answer else None
    if request.method == "POST":
        if not may_answer and letter.answered_on and access.records_cooperation_letters(
                request.user, letter.household.village_id):
            # Answered meanwhile (another tab, a colleague): the recorded answer stays; what was typed is shown back.
            typed = (request.POST.get("answer") or "").strip()
            messages.error(request, _("该函件已于%(d)s登记回复，您的回复未保存，以免覆盖。请核对下面已登记的回复%(typed)s") % {
                "d": letter.answered_on, "typed": _("；您填写的内容：%(t)s") % {"t": typed} if typed else "。"})
            return redirect("referrals:letter_detail", pk=letter.pk)
        if not may_answer:
            raise PermissionDenied(_("您不能登记该函件的回复。"))
        if form.is_valid():
            try:
                services.letter_answer(actor=request.user, letter=letter, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("已登记回复。"))
                return redirect("referrals:letter_detail", pk=letter.pk)
    return TemplateResponse(request, "referrals/letter_detail.html", {
        "letter": letter, "form": form, "today": timezone.localdate(),
        "referral_visible": bool(letter.referral_id) and services.may_see_referral(request.user, letter.referral)})


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
