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

        # Large exports run as jobs (core/export_jobs.py): the claims list and the ledger.
        from jianxi.accounts.duties import DUTIES, Duty
        from jianxi.core import export_jobs
        from jianxi.subsidies import views, views_audit

        export_jobs.register("claims", views.export_claims, roles=views.MONEY_ROLES)
        export_jobs.register("ledger", views_audit.export_ledger, roles=DUTIES[Duty.MONEY_AUDIT])
