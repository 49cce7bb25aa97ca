from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YouthConfig(AppConfig):
    name = "jianxi.youth"
    verbose_name = _("见习人员")

    def ready(self) -> None:
        # Large exports run as jobs (core/export_jobs.py): the registry list's builder.
        from jianxi.accounts.models import OFFICER_ROLES
        from jianxi.core import export_jobs
        from jianxi.youth import views

        export_jobs.register("youth", views.export_persons, roles=OFFICER_ROLES)
