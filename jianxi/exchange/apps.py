from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "jianxi.exchange"
    verbose_name = _("部级见习专区对接")

    def ready(self) -> None:
        # posts sits below exchange and calls up through its hook (posts/events.py): each change
        # of a post becomes an outbox message in the same transaction.
        from jianxi.exchange import outbox
        from jianxi.posts.events import post_changed_hooks

        post_changed_hooks.register(outbox.on_posts_changed)
