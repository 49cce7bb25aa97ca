from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "jianxi.placements"
    verbose_name = _("见习安置")
