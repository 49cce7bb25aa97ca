from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "jianxi.oversight"
    verbose_name = _("统计与目标")

    def ready(self) -> None:
        from jianxi.core.hooks import stats_changed_hooks
        from jianxi.oversight.refresh import stats_changed

        stats_changed_hooks.register(stats_changed)
