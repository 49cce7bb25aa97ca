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

        # Large exports run as jobs (core/export_jobs.py): the managers' post list.
        from jianxi.core import export_jobs
        from jianxi.posts import views

        export_jobs.register("posts", views.export_managed, roles=views.MANAGERS)

        # Any saved or deleted post may enter or leave the public search: cached first pages go
        # stale (search.changed()). Bulk writes call search.changed() themselves (services.py).
        from django.db.models.signals import post_delete, post_save

        from jianxi.posts.models import Post
        from jianxi.posts.search import changed

        def _post_changed(**kwargs: object) -> None:
            changed()

        post_save.connect(_post_changed, sender=Post, dispatch_uid="posts.search.changed.save", weak=False)
        post_delete.connect(_post_changed, sender=Post, dispatch_uid="posts.search.changed.delete", weak=False)
        # Cached cards and filter lists show these names (a renamed district or host): they go too.
        from jianxi.hosts.models import Host
        from jianxi.policy.models import Department, District, PostCategory

        for model in (Host, District, PostCategory, Department):
            uid = f"posts.search.changed.{model._meta.label_lower}"
            post_save.connect(_post_changed, sender=model, dispatch_uid=uid, weak=False)
