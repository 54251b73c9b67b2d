"""The yardstick of the import bench: the same roster imported by django-import-export, tuned as its
maintainers advise for large imports of new rows.

The library imports one model per resource, so the roster goes in two passes, as a user of the library
would write it: the households (the head's row of each), then the members, each member's household found
by its head's ID number among the households the first pass created. Tuned:
- bulk mode (`use_bulk`, `batch_size` 1,000): `bulk_create`, no `save()` per row;
- `force_init_instance`: no look-up of an existing row for each new one;
- `skip_diff`: no copy of each instance to show what changed;
- every foreign key and enumeration resolved from a dict, never a query per row;
- the file read once by the library's own xlsx format (tablib over openpyxl).

It checks and records less than the project's import does, which is what makes it the floor to beat:
no check of the jurisdiction, of duplicate ID numbers within the file or against the registry, of the
head's row, no pinyin of names, no audit entries, no kept flags or household events. It runs inside a
transaction that is rolled back, so the project's import of the same file finds the registry unchanged.
"""
from __future__ import annotations

import time

import tablib
from django.db import transaction
from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX

from households import models as hh
from relief.models import Jurisdiction, JurisdictionLevel

from .columns import HOUSEHOLD_COLUMNS

HEADER = {column.key: column.header_text for column in HOUSEHOLD_COLUMNS}


class _LabelWidget(widgets.Widget):
    """A choice's Chinese label to its stored value, from a dict."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.value_of = {str(label): value for value, label in choices}

    def clean(self, value, row=None, **kwargs):
        return self.value_of.get(str(value or "").strip(), "")


class _LookupWidget(widgets.Widget):
    """A foreign key from a dict of instances built before the pass (no query per row)."""

    def __init__(self, instances: dict, **kwargs):
        super().__init__(**kwargs)
        self.instances = instances

    def clean(self, value, row=None, **kwargs):
        return self.instances[str(value).strip()]


class _YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip() == "是"


class _Tuned:
    use_bulk = True
    batch_size = 1000
    force_init_instance = True
    skip_diff = True
    skip_unchanged = False


def _field(key: str, attribute: str | None = None, widget=None) -> fields.Field:
    # Text columns: an empty cell is a blank string, as the model's blank=True text fields store it.
    return fields.Field(attribute=attribute or key, column_name=HEADER[key],
                        widget=widget or widgets.CharWidget(allow_blank=True))


def household_resource(villages: dict):
    class HouseholdResource(resources.ModelResource):
        village = _field("village", widget=_LookupWidget(villages))
        residence_address = _field("residence_address")
        hukou_address = _field("hukou_address")
        hukou_type = _field("hukou_type", widget=_LabelWidget(hh.HukouType.choices))
        residence_differs = _field("residence_differs", widget=_YesNoWidget())
        per_capita_income = _field("per_capita_income", widget=widgets.DecimalWidget())
        medical_expense = _field("medical_expense", widget=widgets.DecimalWidget())
        education_expense = _field("education_expense", widget=widgets.DecimalWidget())
        other_expense = _field("other_expense", widget=widgets.DecimalWidget())
        housing = _field("housing", widget=_LabelWidget(hh.HousingSituation.choices))
        phone = _field("phone")

        class Meta(_Tuned):
            model = hh.Household
            fields = ("village", "residence_address", "hukou_address", "hukou_type", "residence_differs",
                      "per_capita_income", "medical_expense", "education_expense", "other_expense",
                      "housing", "phone")

        def __init__(self):
            super().__init__()
            self.by_head: dict[str, hh.Household] = {}

        def save_instance(self, instance, is_create, row, **kwargs):
            super().save_instance(instance, is_create, row, **kwargs)
            # bulk_create gives the instance its primary key when its batch is written
            self.by_head[str(row[HEADER["head_id"]]).strip()] = instance

    return HouseholdResource()


def member_resource(households_by_head: dict):
    class MemberResource(resources.ModelResource):
        household = _field("head_id", attribute="household", widget=_LookupWidget(households_by_head))
        name = _field("name")
        relation = _field("relation", widget=_LabelWidget(hh.Relation.choices))
        id_number = _field("id_number")
        birth_date = _field("birth_date", widget=widgets.DateWidget())
        sex = _field("sex", widget=_LabelWidget(hh.Sex.choices))
        ethnicity = _field("ethnicity")
        marital_status = _field("marital_status", widget=_LabelWidget(hh.MaritalStatus.choices))
        serious_illness = _field("serious_illness")
        chronic_illness = _field("chronic_illness")
        self_care = _field("self_care", widget=_LabelWidget(hh.SelfCare.choices))
        employment = _field("employment", widget=_LabelWidget(hh.Employment.choices))
        status = _field("status", widget=_LabelWidget(hh.MemberStatus.choices))

        class Meta(_Tuned):
            model = hh.Member
            fields = ("household", "name", "relation", "id_number", "birth_date", "sex", "ethnicity",
                      "marital_status", "serious_illness", "chronic_illness", "self_care", "employment",
                      "status")

    return MemberResource()


class BaselineFailed(Exception):
    pass


def _import_pass(content: bytes, by_code: dict, *, dry_run: bool) -> int:
    """One pass of the library's admin over the file: read it, then households, then members; the number of
    members the pass wrote (a dry run writes them too, and the library rolls each resource's writes back)."""
    dataset = XLSX().create_dataset(content)
    head, own = dataset.headers.index(HEADER["head_id"]), dataset.headers.index(HEADER["id_number"])
    head_rows = tablib.Dataset(*(row for row in dataset if row[head] == row[own]), headers=dataset.headers)
    households = household_resource(by_code)
    result = households.import_data(head_rows, dry_run=dry_run, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        raise BaselineFailed(_first_problem(result))
    members = member_resource(households.by_head)
    result = members.import_data(dataset, dry_run=dry_run, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        raise BaselineFailed(_first_problem(result))
    return result.totals["new"]


def import_rows_per_s(content: bytes) -> tuple[float, float, int]:
    """Import the roster file `content` the way the library's admin does, and roll it back: a dry run for the
    preview the user confirms (ImportMixin.import_action, dry_run=True), then the import itself from the file
    read again (process_import, dry_run=False). Returns (rows/s of the import alone, rows/s of both: the
    user's wait from upload to imported, as the project's own end to end), rows."""
    villages = Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE)
    by_code = {village.code: village for village in villages}
    with transaction.atomic():
        before = hh.Member.objects.count()
        started = time.perf_counter()
        previewed = _import_pass(content, by_code, dry_run=True)
        preview = time.perf_counter() - started
        if hh.Member.objects.count() != before:
            raise BaselineFailed("the dry run left members behind")
        started = time.perf_counter()
        _import_pass(content, by_code, dry_run=False)
        imported = time.perf_counter() - started
        created = hh.Member.objects.count() - before
        transaction.set_rollback(True)
    if created != previewed:
        raise BaselineFailed(f"{created} members created, {previewed} in the preview")
    return created / imported, created / (preview + imported), created


def measure_here(path: str) -> None:
    """The child's side of the import section's yardstick (imports.bench.measure): the file at `path`."""
    with open(path, "rb") as handle:
        content = handle.read()
    alone, end_to_end, rows = import_rows_per_s(content)
    print(f"imports_library_rows_per_s: {alone:.0f} rows/s (django-import-export tuned for bulk, the import alone: "
          f"{rows / alone:.1f} s, rolled back)", flush=True)
    print(f"imports_library_end_to_end_rows_per_s: {end_to_end:.0f} rows/s (its admin's preview, a dry run, then "
          f"the import: {rows / end_to_end:.1f} s)", flush=True)


def _first_problem(result) -> str:
    for error in result.base_errors:
        return str(error.error)
    for row in result.invalid_rows[:1]:
        return f"row {row.number}: {row.error_dict}"
    for number, errors in result.row_errors()[:1]:
        return f"row {number}: {errors[0].error}"
    return "unknown"
