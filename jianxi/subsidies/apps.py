from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "jianxi.subsidies"
    verbose_name = _("见习补贴")
