"""django-import-export resources: the same Chinese columns as the import templates.

`HouseholdMemberResource` (one row per member, with the household's fields) and `RosterEntryResource`
export what the import reads, so a file exported here imports back unchanged (the round trip the
tests prove). They serve the Django admin (`resource_classes = [...]` on an ImportExportModelAdmin)
and the project's pages. Importing is deliberately NOT the library's row-by-row path: `import_data`
runs the set-based validation of `imports.validation` within the user's jurisdiction and, when not a
dry run, the bulk write of `imports.services`, recording an ImportBatch like the import page does.
"""
from __future__ import annotations


from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.results import Error, Result

from households import models as hh
from households.idcard import mask_id_number

from .columns import ENUMS, HOUSEHOLD_COLUMNS, ROSTER_COLUMNS
from .models import ImportKind


class ImportProblem(Exception):
    """A refusal of the validated import, as django-import-export's `Error` wants it (an exception)."""


def _error(message) -> Error:
    return Error(ImportProblem(str(message)))


def _enum_label(key, value) -> str:
    # A blank choice (no disability, not at school) exports blank, as the template asks it to be left.
    return ENUMS[key].label_of.get(value, "") if value else ""


class _ValidatedImportMixin:
    """Import through our validated bulk path (see module docstring)."""

    import_kind: str

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        from . import services

        result = Result()
        result.diff_headers = list(dataset.headers or [])
        user = kwargs.get("user")
        if user is None:
            result.append_base_error(_error(_("导入需要知道操作人及其辖区。")))
            return result
        source = getattr(dataset, "relief_source", None)
        if source is not None:  # the uploaded file itself (imports.admin keeps it): formulas and all
            content, extension = source
            upload = SimpleUploadedFile(kwargs.get("file_name") or f"admin-import.{extension}", content)
        else:
            upload = SimpleUploadedFile(kwargs.get("file_name") or "admin-import.xlsx", dataset.export("xlsx"))
        batch = services.batch_upload(actor=user, kind=self.import_kind, upload=upload)
        if batch.status == "validating":
            batch = services.batch_validate(batch_id=batch.pk)
        if batch.message:
            result.append_base_error(_error(batch.message))
        for row, column, message in batch.errors:
            result.append_base_error(_error(_("第 %(row)s 行 %(column)s：%(message)s") % {
                "row": row, "column": column, "message": message}))
        if batch.status == "ready":
            if dry_run:
                services.batch_cancel(actor=user, batch=batch)
            else:
                services.batch_confirm(actor=user, batch=batch)
                batch = services.batch_import(batch_id=batch.pk)
                if batch.status != "done":
                    result.append_base_error(_error(batch.message))
        elif batch.status == "invalid":
            services.batch_cancel(actor=user, batch=batch)
        result.totals.update({"new": batch.new_count, "update": batch.updated_count,
                              "skip": batch.unchanged_count, "error": batch.error_count})
        return result


def _column(key: str, columns=HOUSEHOLD_COLUMNS) -> str:
    return next(c.header_text for c in columns if c.key == key)


class HouseholdMemberResource(_ValidatedImportMixin, resources.ModelResource):
    """家庭及成员: one row per member, household columns repeated on each row."""

    import_kind = ImportKind.HOUSEHOLDS
    village = fields.Field(attribute="household__village__name", column_name=_column("village"))
    group = fields.Field(attribute="household__group__name", column_name=_column("group"))
    head_id = fields.Field(column_name=_column("head_id"))
    residence_address = fields.Field(attribute="household__residence_address", column_name=_column("residence_address"))
    hukou_address = fields.Field(attribute="household__hukou_address", column_name=_column("hukou_address"))
    hukou_type = fields.Field(column_name=_column("hukou_type"))
    residence_differs = fields.Field(column_name=_column("residence_differs"))
    per_capita_income = fields.Field(attribute="household__per_capita_income", column_name=_column("per_capita_income"))
    medical_expense = fields.Field(attribute="household__medical_expense", column_name=_column("medical_expense"))
    education_expense = fields.Field(attribute="household__education_expense", column_name=_column("education_expense"))
    other_expense = fields.Field(attribute="household__other_expense", column_name=_column("other_expense"))
    housing = fields.Field(column_name=_column("housing"))
    phone = fields.Field(attribute="household__phone", column_name=_column("phone"))
    name = fields.Field(attribute="name", column_name=_column("name"))
    relation = fields.Field(column_name=_column("relation"))
    id_number = fields.Field(attribute="id_number", column_name=_column("id_number"))
    birth_date = fields.Field(column_name=_column("birth_date"))
    sex = fields.Field(column_name=_column("sex"))
    ethnicity = fields.Field(attribute="ethnicity", column_name=_column("ethnicity"))
    marital_status = fields.Field(column_name=_column("marital_status"))
    serious_illness = fields.Field(attribute="serious_illness", column_name=_column("serious_illness"))
    chronic_illness = fields.Field(attribute="chronic_illness", column_name=_column("chronic_illness"))
    disability_type = fields.Field(column_name=_column("disability_type"))
    disability_grade = fields.Field(column_name=_column("disability_grade"))
    self_care = fields.Field(column_name=_column("self_care"))
    employment = fields.Field(column_name=_column("employment"))
    school_stage = fields.Field(column_name=_column("school_stage"))
    status = fields.Field(column_name=_column("status"))

    class Meta:
        model = hh.Member
        fields = [c.key for c in HOUSEHOLD_COLUMNS]
        export_order = [c.key for c in HOUSEHOLD_COLUMNS]

    def __init__(self, *, mask: bool = False, heads: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        # Masking is for roles that must not see full ID numbers; exporters of full data audit the export.
        self.mask = mask
        self.heads = heads
        if mask:
            # Beside a masked number the birth date would give back its hidden middle: age instead.
            self.fields["birth_date"].column_name = str(_("年龄"))

    def get_export_queryset(self, request=None, **kwargs):
        return super().get_export_queryset(request, **kwargs).select_related("household__village", "household__group")

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else self.get_queryset()
        if queryset.model is hh.Household:  # the household admin exports its (scoped) changelist's members
            queryset = hh.Member.objects.filter(household__in=queryset.values("pk")).order_by("household_id", "pk")
        queryset = queryset.select_related("household__village", "household__group")
        if self.heads is None:
            # One query for every head's ID number instead of one per row.
            household_ids = set(queryset.values_list("household_id", flat=True))
            self.heads = dict(hh.Member.objects.filter(household_id__in=household_ids, relation=hh.Relation.HEAD)
                              .values_list("household_id", "id_number"))
        return super().export(queryset, **kwargs)

    def _id(self, value: str) -> str:
        return mask_id_number(value) if self.mask else value

    def dehydrate_head_id(self, member):
        return self._id((self.heads or {}).get(member.household_id, ""))

    def dehydrate_id_number(self, member):
        return self._id(member.id_number)

    def dehydrate_hukou_type(self, member):
        return _enum_label("hukou_type", member.household.hukou_type)

    def dehydrate_residence_differs(self, member):
        return _("是") if member.household.residence_differs else _("否")

    def dehydrate_housing(self, member):
        return _enum_label("housing", member.household.housing)

    def dehydrate_birth_date(self, member):
        if self.mask:
            return member.age_on(timezone.localdate())
        return member.birth_date.isoformat()

    def dehydrate_relation(self, member):
        return _enum_label("relation", member.relation)

    def dehydrate_sex(self, member):
        return _enum_label("sex", member.sex)

    def dehydrate_marital_status(self, member):
        return _enum_label("marital_status", member.marital_status)

    def dehydrate_disability_type(self, member):
        return _enum_label("disability_type", member.disability_type)

    def dehydrate_disability_grade(self, member):
        return _enum_label("disability_grade", member.disability_grade)

    def dehydrate_self_care(self, member):
        return _enum_label("self_care", member.self_care)

    def dehydrate_employment(self, member):
        return _enum_label("employment", member.employment)

    def dehydrate_school_stage(self, member):
        return _enum_label("school_stage", member.school_stage)

    def dehydrate_status(self, member):
        return _enum_label("status", member.status)


class RosterEntryResource(_ValidatedImportMixin, resources.ModelResource):
    """重点人群花名册: one row per open entry, keyed by the head's ID number."""

    import_kind = ImportKind.ROSTER
    head_id = fields.Field(column_name=_column("head_id", ROSTER_COLUMNS))
    target_kind = fields.Field(column_name=_column("target_kind", ROSTER_COLUMNS))
    reasons = fields.Field(column_name=_column("reasons", ROSTER_COLUMNS))
    cadence = fields.Field(column_name=_column("cadence", ROSTER_COLUMNS))
    entered_on = fields.Field(column_name=_column("entered_on", ROSTER_COLUMNS))
    caseworker = fields.Field(column_name=_column("caseworker", ROSTER_COLUMNS))
    note = fields.Field(attribute="note", column_name=_column("note", ROSTER_COLUMNS))

    class Meta:
        model = hh.RosterEntry
        fields = [c.key for c in ROSTER_COLUMNS]
        export_order = [c.key for c in ROSTER_COLUMNS]

    def export(self, queryset=None, **kwargs):
        queryset = (queryset if queryset is not None else self.get_queryset()).select_related(
            "caseworker").prefetch_related("reasons")
        household_ids = set(queryset.values_list("household_id", flat=True))
        self.heads = dict(hh.Member.objects.filter(household_id__in=household_ids, relation=hh.Relation.HEAD)
                          .values_list("household_id", "id_number"))
        return super().export(queryset, **kwargs)

    def dehydrate_head_id(self, entry):
        return self.heads.get(entry.household_id, "")

    def dehydrate_target_kind(self, entry):
        return _enum_label("target_kind", entry.target_kind)

    def dehydrate_reasons(self, entry):
        return "、".join(_enum_label("reasons", tag.code) for tag in entry.reasons.all())

    def dehydrate_cadence(self, entry):
        return _enum_label("cadence", entry.cadence)

    def dehydrate_entered_on(self, entry):
        return entry.entered_on.isoformat()

    def dehydrate_caseworker(self, entry):
        return entry.caseworker.username if entry.caseworker else ""


def dataset_rows(dataset):
    """(row number, values) of a tablib Dataset, header first, as the validators read files."""
    yield 1, tuple(dataset.headers)
    for number, row in enumerate(dataset, start=2):
        yield number, tuple(row)


__all__ = ["HouseholdMemberResource", "RosterEntryResource", "dataset_rows"]
