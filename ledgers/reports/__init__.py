"""The ledgers themselves: what rows each holds, read straight from the database within the user's jurisdiction.

A ledger is built from a `LedgerRequest` (who asks, for which jurisdiction, period and category) and
yields `Sheet`s whose rows come from `queryset.iterator()` with per-chunk prefetching, so a ledger of
100,000 rows costs a fixed number of queries per 2,000 rows and constant memory.

Where it lives
--------------
base.py (the request, the base class, chunking and the head-of-household and village lookups), one module per
ledger: roster.py (重点人群花名册), visits.py (巡查记录台账), visits_by_household.py (一户一页), monthly.py
(救助台账, with what an eligible referral counts as), summary.py (归类汇总表), assistants.py (协理员花名册),
collectors.py (信息采集组花名册); registry.py (which class builds each kind). Callers import from
`ledgers.reports`.
"""
from .assistants import AssistantRoster
from .base import CHUNK, TARGET_KIND_CHOICES, Ledger, LedgerRequest, age_on, head_of, labels, period_label
from .collectors import CollectorRoster
from .monthly import OUTCOME_COLUMNS, SPECIAL, MonthlyLedger, outcome_column
from .registry import LEDGERS, available_kinds, ledger_for
from .roster import RosterLedger
from .summary import SummaryLedger
from .visits import VisitLedger
from .visits_by_household import VisitByHouseholdLedger

__all__ = [
    "CHUNK", "LEDGERS", "OUTCOME_COLUMNS", "SPECIAL", "TARGET_KIND_CHOICES", "AssistantRoster", "CollectorRoster",
    "Ledger", "LedgerRequest", "MonthlyLedger", "RosterLedger", "SummaryLedger", "VisitByHouseholdLedger",
    "VisitLedger", "age_on", "available_kinds", "head_of", "labels", "ledger_for", "outcome_column", "period_label",
]
