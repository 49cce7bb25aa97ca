from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "jianxi.posts"
    verbose_name = _("见习岗位")
