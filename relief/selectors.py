from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from auditlog.models import LogEntry

from . import figure_cache
from .access import ACCESS_TOPIC, Action, jurisdictions_for
from .audit import sentence_search_q
from .models import Jurisdiction, User


def audit_entries_for(user: User) -> QuerySet[LogEntry]:
    """Audit entries the user may read: those by or about staff of the jurisdiction where they read the log."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if user.is_superuser:
        return qs
    jurisdictions = jurisdictions_for(user, Action.READ_AUDIT)
    staff_ids = [str(pk) for pk in User.objects.filter(jurisdiction__in=jurisdictions).values_list("pk", flat=True)]
    user_type = ContentType.objects.get_for_model(User)
    return qs.filter(Q(actor__jurisdiction__in=jurisdictions) | Q(content_type=user_type, object_pk__in=staff_ids))


# How a search term finds the records of an app above relief (which may not import them): a function
# term -> Q over LogEntry, registered from the app's AppConfig.ready (households: the members and households a
# name, pinyin or ID number finds, households.selectors.audit_search_q).
AUDIT_SEARCHES: list[Callable[[str], Q]] = []


def register_audit_search(search: Callable[[str], Q]) -> None:
    if search not in AUDIT_SEARCHES:
        AUDIT_SEARCHES.append(search)


def audit_search_q(q: str) -> Q:
    """Entries the audit list's search box finds: what the page shows of them (relief.audit.sentence_search_q:
    the sentence and its words, the event, the actor, the record's kind and own words), or a record an app
    says the term names."""
    match = sentence_search_q(q)
    for search in AUDIT_SEARCHES:
        match |= search(q)
    return match


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
    q = (q or "").strip()
    if q:
        qs = qs.filter(audit_search_q(q))
    if date_from:
        qs = qs.filter(timestamp__date__gte=date_from)
    if date_to:
        qs = qs.filter(timestamp__date__lte=date_to)
    return qs


# ---------------------------------------------------------------- the jurisdictions above a record
_JURISDICTION_FIELDS = ("id", "code", "name", "level", "parent_id")


def _jurisdiction_rows() -> dict[int, tuple]:
    return {row[0]: row for row in Jurisdiction.objects.order_by().values_list(*_JURISDICTION_FIELDS)}


def attach_jurisdictions(objects, *paths: str) -> None:
    """Sets the jurisdictions each path names ("village__parent__parent", "group") on each object, as
    select_related would, from every jurisdiction's row kept in this process: no join.

    A household page read its family with six joins of the jurisdiction table (village, township, district,
    group, hukou township and its district), which PostgreSQL planned anew on every look for more time than
    it took to run. A district's jurisdictions are a few thousand rows that change seldom; a save or delete
    of one replaces the access stamp they are kept under (relief/signals.py), and an id not among them (one
    created since) reads them afresh."""
    rows = figure_cache.kept_in_process(ACCESS_TOPIC, "jurisdiction-rows", _jurisdiction_rows)
    built: dict[int, Jurisdiction] = {}  # fresh instances for each call: a caller may set attributes on its own

    def instance(pk: int) -> Jurisdiction:
        nonlocal rows
        if pk not in built:
            if pk not in rows:
                rows = _jurisdiction_rows()
            built[pk] = Jurisdiction.from_db(Jurisdiction.objects.db, _JURISDICTION_FIELDS, rows[pk])
        return built[pk]

    for obj in objects:
        for path in paths:
            current = obj
            for name in path.split("__"):
                field = current._meta.get_field(name)
                pk = getattr(current, field.attname)
                value = instance(pk) if pk is not None else None
                field.set_cached_value(current, value)
                if value is None:
                    break
                current = value
