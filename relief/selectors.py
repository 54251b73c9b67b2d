from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from auditlog.models import LogEntry

from .access import Action, jurisdictions_for
from .models import User


def audit_entries_for(user: User) -> QuerySet[LogEntry]:
    """Audit entries the user may read: those by or about staff of the jurisdiction where they read the log."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if user.is_superuser:
        return qs
    jurisdictions = jurisdictions_for(user, Action.READ_AUDIT)
    staff_ids = [str(pk) for pk in User.objects.filter(jurisdiction__in=jurisdictions).values_list("pk", flat=True)]
    user_type = ContentType.objects.get_for_model(User)
    return qs.filter(Q(actor__jurisdiction__in=jurisdictions) | Q(content_type=user_type, object_pk__in=staff_ids))


ACTION_FILTERS = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE, "delete": LogEntry.Action.DELETE}


def audit_entries_filtered(user: User, *, event: str = "", actor: str = "", q: str = "",
                           date_from=None, date_to=None) -> QuerySet[LogEntry]:
    qs = audit_entries_for(user)
    if event in ACTION_FILTERS:
        qs = qs.filter(action=ACTION_FILTERS[event])
    elif event:
        qs = qs.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)
    if actor:
        qs = qs.filter(Q(actor__username__icontains=actor) | Q(actor__full_name__icontains=actor))
    if q:
        qs = qs.filter(object_repr__icontains=q)
    if date_from:
        qs = qs.filter(timestamp__date__gte=date_from)
    if date_to:
        qs = qs.filter(timestamp__date__lte=date_to)
    return qs
