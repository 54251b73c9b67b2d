"""`manage.py audit_archive`: write audit entries older than RELIEF_AUDIT_RETENTION_DAYS (at least 180) to
signed files in RELIEF_AUDIT_ARCHIVE_DIR and remove them from the table (relief/audit_archive.py). The beat
task relief.audit_archive runs the same every night."""
from django.core.management.base import BaseCommand, CommandError

from relief import audit_archive


class Command(BaseCommand):
    help = "Archive audit entries older than the retention period to signed files, then remove them."

    def handle(self, *args, **options):
        try:
            results = audit_archive.archive_all()
        except audit_archive.ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        if not results:
            self.stdout.write(f"没有超过 {audit_archive.retention_days()} 天的审计记录，无需归档。")
        for result in results:
            self.stdout.write(f"已归档 {result.entries} 条到 {result.path}（第 {result.archive.first_seq}–"
                              f"{result.archive.last_seq} 环）。")
