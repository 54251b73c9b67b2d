"""Import records in the Django admin — read-only, and only those of the admin's own jurisdiction.

Who may look is decided by `relief.access` (admins and district officials with a staff account),
not by model permissions; nobody adds, edits or deletes an import record here: they are the
trail of what came into the registry. The error report (the uploaded file with an error column)
is the imports page's own download, which checks the jurisdiction and writes the audit log.
"""
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from relief import access
from relief.access import Action
from relief.admin import ChineseExportForm, ScopedAdminMixin
from relief.audit import AuditEvent, audit_record
from relief.models import Role
from relief.watermark import watermark_text

from households.admin import HouseholdAdmin
from households.models import Household

from .models import ImportBatch
from .resources import HouseholdMemberResource

RECORD_ROLES = (Role.ADMIN, Role.DISTRICT)
ERRORS_SHOWN = 200


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "jurisdiction"
    list_display = ["pk", "created_at", "kind", "file_name", "status", "jurisdiction", "created_by", "total_rows",
                    "new_count", "updated_count", "unchanged_count", "error_count"]
    list_display_links = ["pk", "file_name"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["file_name", "=sha256", "created_by__username", "created_by__full_name"]
    list_select_related = ["jurisdiction", "created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fieldsets = (
        (_("文件"), {"fields": ["kind", "status", "jurisdiction", "file_name", "file_size", "file_format", "sha256",
                               "duplicate_of", "message"]}),
        (_("经办"), {"fields": ["created_by", "created_at", "confirmed_by", "confirmed_at", "finished_at"]}),
        (_("数量"), {"fields": ["total_rows", "new_count", "updated_count", "unchanged_count", "error_count",
                               "matched_count", "unmatched_count"]}),
        (_("部门数据比对"), {"fields": ["feed_kind", "source_department", "data_date"], "classes": ["collapse"]}),
        (_("错误报告"), {"fields": ["error_list", "error_report"]}),
    )
    readonly_fields = [f for fs in fieldsets for f in fs[1]["fields"]]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("jurisdiction", "created_by", "confirmed_by")
        match = getattr(request, "resolver_match", None)
        if match and match.url_name and match.url_name.endswith("_changelist"):
            qs = qs.defer("errors", "preview")  # up to thousands of errors a row: not for the list
        return qs

    # Read-only for everyone; visible to the roles that keep the records.
    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        return user.role in RECORD_ROLES and access.can_anywhere(user, Action.VIEW)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("错误清单"))
    def error_list(self, obj):
        if not obj.errors:
            return "—"
        shown = obj.errors[:ERRORS_SHOWN]
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", ((r, c, m) for r, c, m in shown))
        more = ""
        if len(obj.errors) > len(shown) or obj.errors_truncated:
            more = format_html("<p>{}</p>", _("共 %(n)d 行有错误，此处只列出前 %(m)d 条。") % {
                "n": obj.error_count, "m": len(shown)})
        return format_html('<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>{}',
                           _("行号"), _("列名"), _("错误说明"), rows, more)

    @admin.display(description=_("错误报告文件"))
    def error_report(self, obj):
        if not obj.file or not (obj.errors or obj.message):
            return _("无（没有错误，或上传的文件已按规定删除）")
        return format_html('<a href="{}">{}</a>', reverse("imports:error_report", kwargs={"pk": obj.pk}),
                           _("下载带错误说明的文件（记入审计日志）"))


class _KeepsTheFile:
    """An import format that keeps the uploaded file on the dataset it reads (`dataset.relief_source`).

    django-import-export reads an .xlsx with openpyxl's `data_only=True`, which turns a formula into
    its stored result or into nothing; the resources then import the file itself through
    `imports.reader`, which sees the formula, so the admin refuses what the import page refuses.
    """

    def create_dataset(self, in_stream, **kwargs):
        from .reader import check_readable

        content = in_stream.encode("utf-8") if isinstance(in_stream, str) else bytes(in_stream)
        # tablib inflates and holds the whole sheet: the file passes the imports page's limits first.
        check_readable(content, f"admin-import.{self.get_extension()}")
        dataset = super().create_dataset(in_stream, **kwargs)
        dataset.relief_source = (content, self.get_extension())
        return dataset


class KeptXLSX(_KeepsTheFile, base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        # tablib would write a value such as "=HYPERLINK(...)" (an address, a note) as a live formula.
        from .spreadsheets import table_workbook

        return table_workbook(dataset.headers or [], dataset, dataset.title or "",
                              watermark=getattr(dataset, "relief_watermark", ""))


class KeptCSV(_KeepsTheFile, base_formats.CSV):
    pass


class RegistryImportExportAdmin(ImportExportModelAdmin):
    """Import/export of households with their members for the registry's admin pages (households.admin).

    Importing goes through `HouseholdMemberResource.import_data`, i.e. the validated bulk path of the
    imports page, recorded as an ImportBatch in the importer's jurisdiction. Exporting writes the rows
    of the admin's (already scoped) changelist, ID numbers masked unless the user's role may see them,
    and goes to the audit log like every export.
    """

    export_form_class = ChineseExportForm

    def __init__(self, *args, **kwargs):
        from .resources import HouseholdMemberResource

        if not getattr(self, "resource_classes", None):
            self.resource_classes = [HouseholdMemberResource]
        super().__init__(*args, **kwargs)

    # The formats the imports page reads; the file itself goes to its reader (see _KeepsTheFile).
    import_formats = [KeptXLSX, KeptCSV]
    # Exports as .xlsx only, every string a text cell: a CSV opened in Excel runs = + - @ as formulas.
    export_formats = [KeptXLSX]

    def add_data_read_fail_error_to_form(self, form, e):
        from .reader import FileRejected

        if isinstance(e, FileRejected):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def has_import_permission(self, request):
        return request.user.is_superuser or access.can_anywhere(request.user, Action.IMPORT_DATA)

    def has_export_permission(self, request):
        return request.user.is_superuser or access.can_anywhere(request.user, Action.EXPORT_LEDGERS)

    def _masked(self, request) -> bool:
        return not (request.user.is_superuser or access.can_anywhere(request.user, Action.VIEW_PERSONAL_DATA))

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "mask": self._masked(request)}

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit_record(event=AuditEvent.EXPORT, actor=request.user, model=queryset.model, request=request,
                     description=str(_("管理后台导出家庭及成员")),
                     detail={"rows": len(data), "masked": self._masked(request), "source": "admin"})
        # The file format writes the workbook without the request: who exports, and when, travels with the data.
        data.relief_watermark = watermark_text(request.user)
        return data


# The registry's household admin gains import/export here rather than in households/admin.py, so households
# (below imports) imports nothing of it. Admin modules load in INSTALLED_APPS order: households' is loaded.
class HouseholdImportExportAdmin(HouseholdAdmin, RegistryImportExportAdmin):
    resource_classes = [HouseholdMemberResource]


admin.site.unregister(Household)
admin.site.register(Household, HouseholdImportExportAdmin)
