from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "jianxi.recommend"
    verbose_name = _("岗位推荐")
