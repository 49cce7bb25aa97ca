from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HostsConfig(AppConfig):
    name = "jianxi.hosts"
    verbose_name = _("见习单位")

    def ready(self) -> None:
        # Large exports run as jobs (core/export_jobs.py): the officers' host list.
        from jianxi.core import export_jobs
        from jianxi.hosts import views

        export_jobs.register("hosts", views.export_hosts, roles=views.OFFICERS)
