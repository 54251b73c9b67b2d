"""What a validation returns (`Outcome`) and how it collects errors by row and column, capped."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .reads import Reads

DEFAULT_MAX_ERRORS = 2000


def max_errors() -> int:
    return int(getattr(settings, "RELIEF_IMPORT_MAX_ERRORS", DEFAULT_MAX_ERRORS))


@dataclass
class Outcome:
    kind: str
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    matched: int = 0
    unmatched: int = 0
    errors: list = field(default_factory=list)  # [row, column header, message]
    errors_truncated: bool = False
    file_error: str = ""
    preview_headers: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    plan: object = None
    reads: Reads | None = None

    @property
    def ok(self) -> bool:
        return not self.file_error and self.error_rows == 0 and self.total_rows > 0


class _Errors:
    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.limit = max_errors()
        self.rows_with_errors: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        if row not in self.rows_with_errors:
            self.rows_with_errors.add(row)
            self.outcome.error_rows += 1
        if len(self.outcome.errors) < self.limit:
            self.outcome.errors.append([row, str(column), str(message)])
        else:
            self.outcome.errors_truncated = True

    def has(self, row: int) -> bool:
        return row in self.rows_with_errors
