from django.core.management.base import BaseCommand

from relief.demo import demo_secret, demo_totp_code


class Command(BaseCommand):
    help = "The current code of the demo accounts' second factor (the demo key only: no real account's)."

    def handle(self, *args, **options):
        self.stdout.write(f"{demo_totp_code()}  （演示密钥 {demo_secret()}，每 30 秒更新）")
