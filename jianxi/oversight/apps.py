from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "jianxi.oversight"
    verbose_name = _("统计与目标")
