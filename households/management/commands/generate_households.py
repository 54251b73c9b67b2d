"""`manage.py generate_households --count N --seed S`: synthetic households for demos and benchmarks."""
from django.core.management.base import BaseCommand, CommandError

from relief.models import Jurisdiction, JurisdictionLevel

from households.generator import generate


class Command(BaseCommand):
    help = "生成模拟家庭数据（批量写入）：真实姓名和地址样式、有效身份证号、救助情况、约30%纳入花名册。"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="number of households")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--villages", default="", help="comma-separated village codes (default: every village)")
        parser.add_argument("--standard", type=int, default=1330, help="低保 standard the incomes are drawn around")

    def handle(self, *args, count, seed, villages, standard, **options):
        if count <= 0:
            raise CommandError("--count must be positive")
        qs = Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE)
        codes = [c.strip() for c in villages.split(",") if c.strip()]
        if codes:
            qs = qs.filter(code__in=codes)
            missing = set(codes) - set(qs.values_list("code", flat=True))
            if missing:
                raise CommandError(f"unknown village codes: {', '.join(sorted(missing))}")
        villages_list = list(qs.order_by("code"))
        if not villages_list:
            raise CommandError("no villages: load the jurisdictions first (manage.py load_demo)")
        stats = generate(villages=villages_list, count=count, seed=seed, standard=standard, stdout=self.stdout)
        self.stdout.write(
            f"households: {stats.households}\nmembers: {stats.members}\nassistance: {stats.assistance}\n"
            f"roster: {stats.roster}\nobservation: {stats.observation}\nevents: {stats.events}\n"
            f"seconds: {stats.seconds:.1f}")
