"""Reads for department data rows turned into leads (部门数据比对转线索): the rows a user may see, pending or done."""
from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus
from relief import access
from relief.access import Action
from relief.models import JurisdictionLevel


def feed_rows_for(user) -> QuerySet:
    """Unmatched rows of confirmed department lists imported in the user's jurisdiction, with their lead if any."""
    return (FeedRecord.objects.filter(
        match=FeedMatch.UNMATCHED, batch__status=ImportStatus.DONE,
        batch__jurisdiction_id__in=access.jurisdiction_ids_for(user, Action.VIEW))
        .select_related("batch", "village", "lead_link__lead")
        .order_by("-batch__created_at", "-batch_id", "row_number"))


def feed_rows_pending(user) -> QuerySet:
    """Rows not yet turned into a lead: the home card counts these, the list shows them by default."""
    return feed_rows_for(user).filter(lead_link__isnull=True)


def _village_within_batch(village: str) -> Q:
    """A row whose village lies in its batch's jurisdiction: only those become leads at once
    (feed_batch_to_leads leaves the rest for one-by-one), so only those are counted on its button."""
    return Q(**{f"{village}__level": JurisdictionLevel.VILLAGE}) & (
        Q(**{village: F("jurisdiction")}) | Q(**{f"{village}__parent": F("jurisdiction")})
        | Q(**{f"{village}__parent__parent": F("jurisdiction")}))


def feed_batches_for(user) -> QuerySet:
    """Confirmed department batches with unmatched rows, each with how many rows still wait for a lead."""
    return (ImportBatch.objects.filter(
        kind=ImportKind.FEED, status=ImportStatus.DONE, unmatched_count__gt=0,
        jurisdiction_id__in=access.jurisdiction_ids_for(user, Action.VIEW))
        .annotate(pending=Count("feed_records", filter=Q(feed_records__match=FeedMatch.UNMATCHED,
                                                         feed_records__lead_link__isnull=True)),
                  placed=Count("feed_records", filter=Q(feed_records__match=FeedMatch.UNMATCHED,
                                                        feed_records__lead_link__isnull=True)
                               & _village_within_batch("feed_records__village")))
        .order_by("-created_at", "-pk"))
