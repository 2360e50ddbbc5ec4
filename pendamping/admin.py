"""Admin for facilitators and economic assessments. Every change is audited (audit.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from pendamping.models import EconomicAssessment, Pendamping


@admin.register(Pendamping)
class PendampingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "user", "kabupaten", "is_active", "created_at")
    list_select_related = ("user", "kabupaten")
    list_filter = ("is_active", ("kabupaten", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "^kabupaten__code")
    # 83,763 desa: a searching widget, never a list of every option.
    autocomplete_fields = ("user", "kabupaten", "desa_served")
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pendamping]:
        # __str__ reads the user's name: join it for lists and autocomplete answers alike.
        return super().get_queryset(request).select_related("user", "kabupaten")


@admin.register(EconomicAssessment)
class EconomicAssessmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "kpm",
        "assessed_on",
        "household_income",
        "member_count",
        "income_per_member_display",
        "stable_income",
        "source",
    )
    list_select_related = ("kpm",)
    list_filter = ("source", "stable_income", "business_status", "assessed_on")
    search_fields = ("=kpm__kpm_id",)
    autocomplete_fields = ("kpm",)
    readonly_fields = ("created_by", "created_at")
    date_hierarchy = "assessed_on"
    show_full_result_count = False

    @admin.display(description=_("pendapatan per anggota"))
    def income_per_member_display(self, assessment: EconomicAssessment) -> int:
        return assessment.income_per_member

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
