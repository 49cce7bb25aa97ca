from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "jianxi.posts"
    verbose_name = _("见习岗位")

    def ready(self) -> None:
        # hosts sits below posts and calls up through its hooks (core/hooks.py).
        from jianxi.hosts import services as hosts
        from jianxi.posts import services

        hosts.host_changed.register(services.host_changed)
