from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.oversight import models


@admin.register(models.StatDefinition)
class StatDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ("city", "from_year", "target_measure", "completion_counts_hired", "retention_base", "source")


@admin.register(models.DistrictTarget)
class DistrictTargetAdmin(SimpleHistoryAdmin):
    list_display = ("year", "district", "posts", "placements", "source")
    list_filter = ("year", "district")


@admin.register(models.DepartmentTarget)
class DepartmentTargetAdmin(SimpleHistoryAdmin):
    list_display = ("year", "department", "posts", "placements", "source")
    list_filter = ("year", "department")
