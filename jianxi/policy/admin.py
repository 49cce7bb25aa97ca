from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.policy import models


class AddonInline(admin.TabularInline):
    model = models.PolicyAddon
    extra = 0


class TierInline(admin.TabularInline):
    model = models.RetentionTier
    extra = 0


@admin.register(models.CityPolicy)
class CityPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "city", "effective_from", "percent_of_min_wage", "proration", "remaining_window_end", "remaining_binding",
        "source",
    )  # fmt: skip
    inlines = [AddonInline, TierInline]


@admin.register(models.MinimumWage)
class MinimumWageAdmin(SimpleHistoryAdmin):
    list_display = ("city", "effective_from", "amount", "source")
    list_filter = ("city",)


@admin.register(models.DistrictTopUp)
class DistrictTopUpAdmin(SimpleHistoryAdmin):
    list_display = ("district", "effective_from", "amount", "source")
    list_filter = ("district",)


@admin.register(models.YearlyTarget)
class YearlyTargetAdmin(SimpleHistoryAdmin):
    list_display = ("city", "year", "posts", "source")


@admin.register(models.CalendarCorrection)
class CalendarCorrectionAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "note", "created_by")
    date_hierarchy = "date"
    readonly_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "note", "confirmed_by")
    readonly_fields = ("confirmed_by",)

    def save_model(self, request, obj, form, change):
        obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "sort_order")


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "directions")


admin.site.register(models.City)
admin.site.register(models.PostCategory)
admin.site.register(models.University)
