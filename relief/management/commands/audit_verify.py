"""`manage.py audit_verify`: walk the audit log's hash chain and name its first broken link; with
`--archive FILE…`, verify archive files (signature, chain, header, recorded in the database).

Exit status 0 when everything verifies, 1 otherwise (for a monitoring job)."""
import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from relief import audit_archive, audit_chain
from relief.audit_triggers import triggers_missing
from relief.models import AuditArchive

# Entries are sealed as their transaction commits; one still unsealed after this long lost its seal.
UNSEALED_GRACE = dt.timedelta(minutes=15)


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (and archive files) and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--archive", nargs="*", default=None, metavar="FILE",
                            help="verify these archive files (no FILE: every file in RELIEF_AUDIT_ARCHIVE_DIR)")

    def handle(self, *args, **options):
        failed = False
        if options["archive"] is not None:
            failed = self._archives(options["archive"])
        else:
            failed = self._chain()
        if failed:
            sys.exit(1)

    def _chain(self) -> bool:
        failed = False
        missing = triggers_missing()
        if missing:
            failed = True
            self.stdout.write(f"防篡改触发器缺失：{', '.join(missing)}")
        report = audit_chain.verify()
        if report.broken is not None:
            failed = True
            self.stdout.write(f"审计链断开：{report.broken}")
            self.stdout.write(f"（此前已校验 {report.checked} 环无误）")
        else:
            span = f"第 {report.first_seq}–{report.last_seq} 环" if report.checked else "尚无记录"
            self.stdout.write(f"审计链完整：{report.checked} 环（{span}）。")
        # Each archive the database records must be in the archive folder, signed and whole: a row written to
        # pass off removed entries as archived names no file that verifies.
        for archive in AuditArchive.objects.order_by("first_seq"):
            path = audit_archive.archive_dir() / archive.file_name
            result = audit_archive.verify_file(path) if path.exists() else None
            if result is None or not result.ok or not result.recorded:
                failed = True
                problem = "文件不在归档目录" if result is None else (result.problem or "签名与数据库记录不符")
                self.stdout.write(f"归档 {archive.file_name}（第 {archive.first_seq}–{archive.last_seq} 环）：{problem}")
        if report.unsealed:
            pk, moment = report.oldest_unsealed
            late = timezone.now() - moment > UNSEALED_GRACE
            failed = failed or late
            self.stdout.write(f"{'未入链' if late else '待入链'}的记录 {report.unsealed} 条（最早：审计记录 #{pk}，"
                              f"{timezone.localtime(moment):%Y-%m-%d %H:%M}）。")
        return failed

    def _archives(self, names) -> bool:
        paths = [Path(name) for name in names] or sorted(audit_archive.archive_dir().glob("audit-*.jsonl"))
        if not paths:
            self.stdout.write("没有归档文件。")
            return False
        failed = False
        for path in paths:
            report = audit_archive.verify_file(path)
            if not report.ok:
                failed = True
                self.stdout.write(f"{path.name}：校验失败：{report.problem}")
            elif not report.recorded:
                failed = True
                self.stdout.write(f"{path.name}：签名和链完整（{report.entries} 条），但数据库中没有这份归档的记录")
            else:
                header = report.header
                self.stdout.write(f"{path.name}：完整，{report.entries} 条，第 {header['first_seq']}–"
                                  f"{header['last_seq']} 环，早于 {header['cutoff'][:10]}。")
        return failed
