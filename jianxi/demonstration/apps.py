from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemonstrationConfig(AppConfig):
    name = "jianxi.demonstration"
    verbose_name = _("见习示范单位评选")
