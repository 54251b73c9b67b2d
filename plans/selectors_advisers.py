"""Reads of the adviser posts (救助顾问点) shared by the list page and the policy sheets."""
from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from relief.models import Jurisdiction

from .models_advisers import AdviserPost, AdviserPostKind, AdviserPostPerson


def adviser_posts_of(township: Jurisdiction | int, *, active_only: bool = True) -> QuerySet[AdviserPost]:
    """The township's posts with their advisers: the service centre first, then the workstation, then villages."""
    qs = AdviserPost.objects.filter(township=township)
    if active_only:
        qs = qs.filter(is_active=True)
    order = Case(When(kind=AdviserPostKind.CENTRE, then=Value(0)), When(kind=AdviserPostKind.STATION, then=Value(1)),
                 default=Value(2), output_field=IntegerField())
    return (qs.select_related("village")
            .prefetch_related(Prefetch("people", queryset=AdviserPostPerson.objects.order_by("pk")))
            .annotate(kind_order=order).order_by("kind_order", "village__code", "name", "pk"))
