from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.finance.models import YearlyBudget


@admin.register(YearlyBudget)
class YearlyBudgetAdmin(SimpleHistoryAdmin):
    list_display = ("year", "city", "district", "amount", "source")
    list_filter = ("year", "district")
