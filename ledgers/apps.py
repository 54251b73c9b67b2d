from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("台账、月结、统计与督导")
