"""The run every kind of import shares: header, rows parsed and checked in chunks, the preview, the counts."""
from __future__ import annotations

from typing import Iterable

from django.utils.translation import gettext as _

from ..columns import Column
from .context import Context
from .outcome import Outcome, _Errors
from .reads import Reads
from .rows import RAW, HeaderError, RowParser, _label, read_header

CHUNK = 2000
PREVIEW_ROWS = 20
# Rows with errors past the first PREVIEW_ROWS are added to the preview too, up to this many, so the
# importer sees the bad row itself and not only its number.
PREVIEW_ERROR_ROWS = 20


class _Validator:
    """The shared run; a kind of file subclasses it with its columns, `check_row`, `check_chunk` and `finish`.
    Apps above imports (the hotline work-order import in referrals) subclass it as `imports.validation.Validator`."""

    kind: str
    columns: list[Column]

    def __init__(self, context: Context, keep_plan: bool):
        self.context = context
        self.keep_plan = keep_plan
        self.outcome = Outcome(kind=self.kind)
        self.errors = _Errors(self.outcome)
        self.reads = self.outcome.reads = Reads()
        # Each data row's bucket (new / updated / unchanged, or matched / unmatched for a feed). The counts
        # are taken from it at the end, leaving out rows with errors, since an error can be found after the
        # row was classified (a household is checked as a whole once all its rows are read).
        self.buckets: dict[int, str] = {}

    def classify(self, number: int, bucket: str) -> None:
        self.buckets[number] = bucket

    def run(self, rows: Iterable[tuple[int, tuple]]) -> Outcome:
        try:
            iterator, index = read_header(rows, self.columns)
        except HeaderError as exc:
            self.outcome.file_error = str(exc)
            return self.outcome
        self.index = index
        self.present = set(index)
        self.parser = RowParser(self.columns, index, self.context, self.errors)
        self.outcome.preview_headers = [c.header_text for c in self.columns if c.key in index]
        chunk: list[tuple[int, dict]] = []
        self.previewed: set[int] = set()
        for number, values in iterator:
            row = self.parser.parse(number, values)
            if row is None:
                continue
            self.outcome.total_rows += 1
            if len(self.outcome.preview) < PREVIEW_ROWS:
                self._preview(number, row)
            self.check_row(number, row)
            chunk.append((number, row))
            if len(chunk) >= CHUNK:
                self._check(chunk)
                chunk = []
                if self.context.on_progress:
                    self.context.on_progress(self.outcome.total_rows)
        if chunk:
            self._check(chunk)
        self.finish()
        self._count()
        if self.outcome.total_rows == 0 and not self.outcome.file_error:
            self.outcome.file_error = _("文件中只有表头，没有数据行。")
        self.outcome.preview.sort(key=lambda r: r[0])
        self.outcome.errors.sort(key=lambda e: e[0])
        return self.outcome

    def _check(self, chunk) -> None:
        self.check_chunk(chunk)
        added = len(self.previewed) - min(len(self.previewed), PREVIEW_ROWS)
        for number, row in chunk:
            if added >= PREVIEW_ERROR_ROWS:
                break
            if number not in self.previewed and self.errors.has(number):
                self._preview(number, row)
                added += 1

    def _preview(self, number: int, row: dict) -> None:
        raw = row.get(RAW, {})
        self.previewed.add(number)
        self.outcome.preview.append([number] + [
            raw[c.key] if c.key in raw else self.label(c, row.get(c.key)) for c in self.columns if c.key in self.index])

    def _count(self) -> None:
        """Every data row in exactly one bucket: an error row counts only as an error."""
        with_errors = self.errors.rows_with_errors
        counts = {"new": 0, "updated": 0, "unchanged": 0, "matched": 0, "unmatched": 0}
        for number, bucket in self.buckets.items():
            if number not in with_errors:
                counts[bucket] += 1
        outcome = self.outcome
        outcome.error_rows = len(with_errors)
        outcome.matched, outcome.unmatched = counts["matched"], counts["unmatched"]
        outcome.new = counts["new"] + counts["matched"] + counts["unmatched"]
        outcome.updated, outcome.unchanged = counts["updated"], counts["unchanged"]

    def label(self, column: Column, value) -> str:
        if value is not None and column.kind == "village":
            return self.context.village_names().get(value, "")
        if value is not None and column.kind == "user":
            return self.context.caseworker_names().get(value, "")
        return _label(column, value)

    def check_row(self, number: int, row: dict) -> None:
        raise NotImplementedError

    def check_chunk(self, chunk: list[tuple[int, dict]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def header(self, key: str) -> str:
        return self.parser.headers[key]


Validator = _Validator
