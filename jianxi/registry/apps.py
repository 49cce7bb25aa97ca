from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jianxi.registry"
    verbose_name = _("比对数据")

    def ready(self) -> None:
        # youth sits below registry and asks it for the verdicts on a person's page (core/hooks.py).
        from jianxi.registry import verdicts
        from jianxi.youth import selectors

        selectors.fact_verdicts.register(verdicts.person_verdicts)
