from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HostsConfig(AppConfig):
    name = "jianxi.hosts"
    verbose_name = _("见习单位")
