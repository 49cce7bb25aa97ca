from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "jianxi.policy"
    verbose_name = _("政策与基础数据")

    def ready(self) -> None:
        from jianxi.policy.selectors import connect_invalidation

        connect_invalidation()  # the memo of policy and calendars forgets every edit
