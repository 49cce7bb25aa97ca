from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YouthConfig(AppConfig):
    name = "jianxi.youth"
    verbose_name = _("见习人员")
