from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "jianxi.outreach"
    verbose_name = _("高校推送")
