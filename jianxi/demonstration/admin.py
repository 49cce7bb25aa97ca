from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from jianxi.demonstration import models


@admin.register(models.RankingPolicy)
class RankingPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("city", "effective_year", "min_interns", "nomination_quota", "attendance_due_day", "source")
    list_filter = ("city",)
    fieldsets = (
        (None, {"fields": ("city", "effective_year", "source")}),
        (_("参评条件与推荐名额"), {"fields": ("min_interns", "attendance_due_day", "nomination_quota")}),
        (_("权重（合计 100）"), {"fields": tuple(models.WEIGHT_FIELDS.values())}),
    )
