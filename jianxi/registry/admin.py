from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.registry import models


@admin.register(models.VerificationPolicy)
class VerificationPolicyAdmin(SimpleHistoryAdmin):
    """Policy data (R-EL-7): which facts must be verified before a claim is approved."""

    list_display = (
        "effective_from",
        "source_document",
        "contradictions_block",
        "require_origin",
        "require_hukou",
        "require_graduation",
        "require_not_employed",
        "require_unemployment",
        "require_transfer",
    )
