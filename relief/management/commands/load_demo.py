from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from relief.demo import DEMO_PASSWORD, load_demo_district, loader_accounts


class Command(BaseCommand):
    help = "Load the demo district (jurisdictions, staff, and what later apps add). Safe to run twice."

    def handle(self, *args, **options):
        users = load_demo_district()
        for path in getattr(settings, "RELIEF_DEMO_LOADERS", []):
            import_string(path)(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。登录账号（密码均为 %s）：" % DEMO_PASSWORD))
        for user in [*users, *loader_accounts(users)]:
            dept = f" · {user.department_label}" if user.department else ""
            self.stdout.write(f"  {user.username:<14} {user.get_role_display()}{dept} · {user.jurisdiction.full_name}")
