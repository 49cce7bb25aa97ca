from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "jianxi.events"
    verbose_name = _("对接活动")

    def ready(self) -> None:
        # placements sits below events: an application made through an event is tagged here,
        # inside the application's own transaction (core/hooks.py).
        from jianxi.events import services
        from jianxi.placements import services as placements

        placements.application_made.register(services.tag_application)
