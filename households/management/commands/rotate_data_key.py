"""`manage.py rotate_data_key [--batch N] [--check]`: every ID and phone number at rest under the current key.

A rotation: put the new key first in RELIEF_DATA_KEY and keep the old one after it (`2:<new>,1:<old>`),
restart the app, run this command, then drop the old key. Rows are rewritten in batches, each committed
on its own (households/pii_rows.py): the command may be stopped and run again, and finds only the rows still
under an older key. Meanwhile the app reads both: a token names its key, and look-ups hash the term under
every configured key (households.pii.lookup_hashes), so nobody goes missing half-way.
"""
from django.apps import apps
from django.core.management.base import BaseCommand

from households import pii, pii_rows


class Command(BaseCommand):
    help = "用当前密钥（RELIEF_DATA_KEY 的第一个）重新加密身份证号、电话号码并重算散列；可中断后续跑。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=pii_rows.BATCH, help="rows per committed batch")
        parser.add_argument("--check", action="store_true", help="only count the rows not yet under the current key")

    def handle(self, *args, batch, check, **options):
        current = pii.keys()[0].version
        self.stdout.write(f"current key: {current}; configured: {', '.join(k.version for k in pii.keys())}")
        total = 0
        for plan in pii_rows.plans(apps.get_models()):
            if check:
                count = pii_rows.stale_count(plan)
            else:
                count = pii_rows.rewrite_table(
                    plan, encrypted_already=True, batch=batch,
                    each_batch=lambda n, label=plan.label: self.stdout.write(f"  {label}: {n} rows", ending="\n"))
            total += count
            self.stdout.write(f"{plan.label}: {count} {'to rotate' if check else 'rotated'}")
        self.stdout.write(f"total: {total} {'to rotate' if check else 'rotated'}")
