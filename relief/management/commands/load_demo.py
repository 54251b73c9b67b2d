from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from relief.demo import (DEMO_MUST_CHANGE, DEMO_PASSWORD, DEMO_RECOVERY_CODES, DEMO_UNENROLLED, demo_secret,
                         load_demo_district, loader_accounts)
from relief.otp import otp_required


class Command(BaseCommand):
    help = "Load the demo district (jurisdictions, staff, and what later apps add). Safe to run twice."

    def handle(self, *args, **options):
        users = load_demo_district()
        for path in getattr(settings, "RELIEF_DEMO_LOADERS", []):
            import_string(path)(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。登录账号（密码均为 %s）：" % DEMO_PASSWORD))
        for user in [*users, *loader_accounts(users)]:
            dept = f" · {user.department_label}" if user.department else ""
            note = ""
            if user.username in DEMO_UNENROLLED and otp_required(user):
                note = " · 首次登录绑定手机验证器"
            elif otp_required(user):
                note = " · 需动态验证码"
            if user.username in DEMO_MUST_CHANGE:
                note += " · 首次登录须改密码"
            self.stdout.write(f"  {user.username:<14} {user.get_role_display()}{dept} · {user.jurisdiction.full_name}{note}")
        self.stdout.write(self.style.SUCCESS("双因素认证（演示）：在手机身份验证器中手动添加基于时间的密钥 %s；"
                                             "或运行 manage.py demo_otp_code 查看当前验证码。演示恢复码：%s（每个只能用一次）。"
                                             % (demo_secret(), "、".join(DEMO_RECOVERY_CODES))))
