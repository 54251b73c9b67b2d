"""Which class builds each kind of ledger, and which kinds this installation can build."""
from __future__ import annotations

from ..models import LedgerKind
from .assistants import AssistantRoster
from .base import Ledger, LedgerRequest
from .collectors import CollectorRoster
from .monthly import MonthlyLedger
from .roster import RosterLedger
from .summary import SummaryLedger
from .visits import VisitLedger
from .visits_by_household import VisitByHouseholdLedger


LEDGERS: dict[str, type[Ledger]] = {
    LedgerKind.ROSTER: RosterLedger,
    LedgerKind.VISITS: VisitLedger,
    LedgerKind.VISITS_BY_HOUSEHOLD: VisitByHouseholdLedger,
    LedgerKind.MONTHLY: MonthlyLedger,
    LedgerKind.SUMMARY: SummaryLedger,
    LedgerKind.ASSISTANTS: AssistantRoster,
    LedgerKind.COLLECTORS: CollectorRoster,
}


def ledger_for(request: LedgerRequest) -> Ledger:
    return LEDGERS[request.kind](request)


def available_kinds() -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in LedgerKind.choices if kind in LEDGERS and LEDGERS[kind].available()]
