"""Admin for facilitators and their work. Every change to case data is audited (audit.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin, ViewOnlyAdminMixin
from graduasi.admin import ReassessedAdminMixin
from pendamping.models import (
    CommitmentVerification,
    EconomicAssessment,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Module,
    P2k2Session,
    Pendamping,
    Submission,
    Visit,
)


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
class EconomicAssessmentAdmin(ReassessedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
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


@admin.register(Visit)
class VisitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("kpm", "visited_on", "pendamping", "purposes", "created_at")
    list_select_related = ("kpm", "pendamping__user")
    list_filter = ("visited_on",)
    search_fields = ("=kpm__kpm_id",)
    autocomplete_fields = ("kpm", "pendamping")
    readonly_fields = ("created_by", "created_at")
    date_hierarchy = "visited_on"
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CommitmentVerification)
class CommitmentVerificationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "anggota",
        "kpm",
        "month",
        "kind",
        "attendance_pct",
        "checkup_done",
        "compliant",
    )
    list_select_related = ("anggota", "kpm")
    list_filter = ("kind", "compliant", "month")
    search_fields = ("=kpm__kpm_id",)
    raw_id_fields = ("kpm", "anggota", "recorded_by")
    show_full_result_count = False


class P2k2SessionInline(admin.TabularInline):
    model = P2k2Session
    extra = 1


@admin.register(P2k2Module)
class P2k2ModuleAdmin(admin.ModelAdmin):
    """The curriculum catalogue, editable: modules and their sessions."""

    list_display = ("order", "name", "code")
    list_display_links = ("name",)
    inlines = [P2k2SessionInline]


@admin.register(P2k2Session)
class P2k2SessionAdmin(admin.ModelAdmin):
    list_display = ("module", "number", "title")
    list_select_related = ("module",)
    list_filter = ("module",)
    search_fields = ("title",)


@admin.register(P2k2Group)
class P2k2GroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "pendamping", "desa", "is_active")
    list_select_related = ("pendamping__user", "desa")
    list_filter = ("is_active",)
    search_fields = ("name", "pendamping__user__username")
    autocomplete_fields = ("pendamping", "desa", "members")


class P2k2AttendanceInline(admin.TabularInline):
    model = P2k2Attendance
    extra = 0
    autocomplete_fields = ("kpm",)


@admin.register(P2k2Meeting)
class P2k2MeetingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("group", "session", "scheduled_on", "status")
    list_select_related = ("group", "session__module")
    list_filter = ("status", "scheduled_on")
    search_fields = ("group__name",)
    autocomplete_fields = ("group",)
    inlines = [P2k2AttendanceInline]


@admin.register(P2k2Attendance)
class P2k2AttendanceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("meeting", "kpm", "status")
    list_select_related = ("meeting__group", "kpm")
    list_filter = ("status",)
    search_fields = ("=kpm__kpm_id",)
    raw_id_fields = ("meeting", "kpm")
    show_full_result_count = False


@admin.register(Submission)
class SubmissionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Forms accepted under an idempotency key (many sent from a phone's offline queue), to
    answer "did it arrive?". Written only by the services; read only here."""

    list_display = ("created_at", "kind", "kpm", "month", "meeting", "actor", "written", "key")
    list_filter = ("kind",)
    search_fields = ("kpm__kpm_id", "actor__username")
    list_select_related = ("kpm", "meeting__group", "actor")
    date_hierarchy = "created_at"
