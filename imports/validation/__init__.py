"""Set-based validation of an import: every row checked, nothing written.

Row-by-row import (django-import-export's default path) queries the database for every row. Here the
lookups are loaded once (villages in the importer's jurisdiction by code and name, caseworkers, labels
of enumerations) and existing ID numbers are fetched in one query per chunk of rows, so 50,000 rows
validate in seconds with memory bounded by what the import itself must keep.

`validate(kind, rows, context)` returns an Outcome: counts (new / updated / unchanged / error), the
errors by row and column (capped), the first rows as they will be stored, and — when asked — the plan
that `imports.services` writes in one transaction.

A validation is a pure function of the file, the context (the importer's villages, groups and
caseworkers, today's date) and a handful of set-based database reads, each made through `Reads`.
`Reads` keeps a short digest of every answer, so a confirm can ask the same questions again in a
few queries (`Reads.still_hold`) and, if every answer is the same, reuse the dry run's plan instead
of reading and validating the whole file a second time.

Where it lives
--------------
context.py (`Context`), reads.py (the recorded database reads, `Reads`), outcome.py (`Outcome` and the capped
error list), rows.py (the header and each row's cells), validator.py (the run every kind shares, in chunks),
one module per kind of file with its rules and plan — households.py (家庭及成员), roster.py (重点人群花名册),
feed.py (部门数据比对) — and registry.py (the columns and validator of each kind). Callers import from
`imports.validation`.
"""
from .context import Context
from .feed import FeedPlan, FeedValidator
from .households import (
    FIELD_OF, HOUSEHOLD_DEFAULTS, MEMBER_DEFAULTS, MEMBER_FIELDS, HouseholdPlan, HouseholdValidator,
)
from .outcome import DEFAULT_MAX_ERRORS, Outcome, max_errors
from .reads import HOUSEHOLD_FIELDS, READERS, RECHECK_CHUNK, Reads
from .registry import COLUMNS, VALIDATORS, validate
from .roster import RosterPlan, RosterValidator
from .rows import RAW, HeaderError, RowParser, read_header
from .validator import CHUNK, PREVIEW_ERROR_ROWS, PREVIEW_ROWS, Validator

__all__ = [
    "CHUNK", "COLUMNS", "DEFAULT_MAX_ERRORS", "FIELD_OF", "HOUSEHOLD_DEFAULTS", "HOUSEHOLD_FIELDS", "MEMBER_DEFAULTS",
    "MEMBER_FIELDS", "PREVIEW_ERROR_ROWS", "PREVIEW_ROWS", "RAW", "READERS", "RECHECK_CHUNK", "VALIDATORS",
    "Context", "FeedPlan", "FeedValidator", "HeaderError", "HouseholdPlan", "HouseholdValidator", "Outcome",
    "Reads", "RosterPlan", "RosterValidator", "RowParser", "Validator", "max_errors", "read_header", "validate",
]
