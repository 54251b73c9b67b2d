"""Which columns and which validator each kind of import has."""
from __future__ import annotations

from typing import Iterable

from ..columns import FEED_COLUMNS, HOUSEHOLD_COLUMNS, ROSTER_COLUMNS
from ..models import ImportKind
from .context import Context
from .feed import FeedValidator
from .households import HouseholdValidator
from .outcome import Outcome
from .roster import RosterValidator

COLUMNS = {ImportKind.HOUSEHOLDS: HOUSEHOLD_COLUMNS, ImportKind.ROSTER: ROSTER_COLUMNS,
           ImportKind.FEED: FEED_COLUMNS}


VALIDATORS = {ImportKind.HOUSEHOLDS: HouseholdValidator, ImportKind.ROSTER: RosterValidator,
              ImportKind.FEED: FeedValidator}


def validate(kind: str, rows: Iterable[tuple[int, tuple]], context: Context, keep_plan: bool = False) -> Outcome:
    return VALIDATORS[kind](context, keep_plan).run(rows)
