from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "jianxi.subsidies"
    verbose_name = _("见习补贴")

    def ready(self) -> None:
        # placements sits below subsidies and asks it through a hook (core/hooks.py).
        from jianxi.placements import attendance
        from jianxi.subsidies import services

        attendance.reopen_checks.register(services.attendance_settled_check)
