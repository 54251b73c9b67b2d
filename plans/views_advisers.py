"""Adviser-post pages (救助顾问点): a township's posts, adding and editing one."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.models import Jurisdiction, JurisdictionLevel, Role

from . import services
from .forms_advisers import AdviserPeopleFormSet, AdviserPostForm
from .models_advisers import AdviserPost
from .selectors import visible_townships
from .selectors_advisers import adviser_posts_of
from .views import _apply_errors, _township_from_request


@access_rule(Action.VIEW)
def adviser_list(request):
    township, townships = _township_from_request(request)
    editable = access.keeps_township_people_of(request.user, township)
    return TemplateResponse(request, "plans/adviser_list.html", {
        "township": township, "townships": townships, "editable": editable,
        "posts": list(adviser_posts_of(township, active_only=not editable))})


def _form_page(request, township, post=None):
    if not access.keeps_township_people_of(request.user, township):
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    villages = Jurisdiction.objects.filter(parent=township, level=JurisdictionLevel.VILLAGE).order_by("code")
    initial = {} if post is None else {
        "kind": post.kind, "village": post.village_id, "name": post.name, "place": post.place,
        "opening_hours": post.opening_hours, "phone": post.phone, "is_active": post.is_active,
        "version": services.adviser_post_version(post)}
    people = [] if post is None else [{"name": p.name, "phone": p.phone, "role": p.role} for p in post.people.all()]
    if request.method == "POST":
        form = AdviserPostForm(request.POST, villages=villages)
        formset = AdviserPeopleFormSet(request.POST, prefix="people")
        if form.is_valid() and formset.is_valid():
            data = dict(form.cleaned_data)
            village = data.pop("village")
            version = data.pop("version") if post is not None else None
            try:
                saved = services.adviser_post_save(
                    actor=request.user, post=post, township=township, data=data, village=village, version=version,
                    people=[f.cleaned_data for f in formset.forms if f.cleaned_data])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("%(n)s 已保存。") % {"n": saved.name})
                return redirect(f"{reverse('plans:adviser_list')}?township={township.pk}")
    else:
        form = AdviserPostForm(initial=initial, villages=villages)
        formset = AdviserPeopleFormSet(initial=people, prefix="people")
    return TemplateResponse(request, "plans/adviser_form.html", {
        "form": form, "formset": formset, "township": township, "post": post})


@access_rule(Action.EDIT_HOUSEHOLDS, roles=[Role.TOWNSHIP])
def adviser_create(request):
    township, _townships = _township_from_request(request)
    return _form_page(request, township)


@access_rule(Action.VIEW)  # whose post it is decides (404 for anyone but its township's staff)
def adviser_edit(request, pk):
    post = AdviserPost.objects.filter(pk=pk, township__in=visible_townships(request.user)).select_related(
        "township").first()
    if post is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    return _form_page(request, post.township, post)


def sheet_advisers(request) -> dict:
    """The adviser posts a policy sheet prints: of the township named (the family's, from its plan page), else of
    the viewer's own township; a viewer over several townships picks one (the picker does not print)."""
    townships = list(visible_townships(request.user).order_by("code"))
    wanted = request.GET.get("township")
    township = next((t for t in townships if str(t.pk) == wanted), None) if wanted else None
    if wanted and township is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    if township is None and len(townships) == 1:
        township = townships[0]
    return {"adviser_township": township, "adviser_townships": townships if len(townships) > 1 else [],
            "advisers": list(adviser_posts_of(township)) if township else []}
