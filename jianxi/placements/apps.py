from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "jianxi.placements"
    verbose_name = _("见习安置")

    def ready(self) -> None:
        # posts sits below placements and reads its counts through a hook (core/hooks.py).
        from jianxi.placements import selectors
        from jianxi.posts import selectors as posts

        posts.placement_counts.register(selectors.placement_counts)
        # registry judges a person's facts on their internship's start (R-EL-7).
        from jianxi.registry import verdicts

        verdicts.reference_dates.register(selectors.internship_starts)
        posts.applicant_outlook.register(selectors.outlook_of_user)

        # Large exports run as jobs (core/export_jobs.py): the agreements list.
        from jianxi.core import export_jobs
        from jianxi.placements import views

        export_jobs.register("agreements", views.export_agreements, roles=views.EVERYONE)
