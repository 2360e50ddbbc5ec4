"""Admin for the dated programme policy. Every change is audited (audit.admin)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin, ViewOnlyAdminMixin
from graduasi.models import (
    GraduationFeed,
    KpmAssessment,
    PipelineBatch,
    PipelineRun,
    PolicyVersion,
    Proposal,
    RegionMonth,
    RegionSummary,
    TargetProgress,
)
from graduasi.rules import DEFAULT_POLICY
from graduasi.selectors import policy_from
from graduasi.services import assessment_refresh_on_commit
from pengguna.models import Role


class ReassessedAdminMixin(admin.ModelAdmin):
    """An admin edit of a KPM's facts (the KPM, a member, a desil, an economic assessment)
    re-assesses that KPM once it commits, as the same change made through a service does."""

    kpm_attribute = "kpm_id"  # where the edited object keeps its KPM's id ("pk" on Kpm)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _refresh_on_commit(getattr(obj, self.kpm_attribute))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        kpm_id = getattr(obj, self.kpm_attribute)
        super().delete_model(request, obj)
        _refresh_on_commit(kpm_id)


def _refresh_on_commit(kpm_id: int) -> None:
    """The KPM's assessment and, if it graduated, its fall-back risk, once the edit commits."""
    from pemberdayaan.services.risk import risk_refresh_on_commit  # builds on graduasi

    assessment_refresh_on_commit([kpm_id])
    risk_refresh_on_commit([kpm_id])


def reads_policy(user: Any) -> bool:
    """Kementerian staff (any scope) read the programme policy in the admin site."""
    return bool(user.is_active and user.is_staff and user.role == Role.KEMENTERIAN)


def edits_policy(user: Any) -> bool:
    """The policy is national: only national kementerian staff (no scope region) change it."""
    return reads_policy(user) and user.scope_region_code is None


class MinistryPolicyAdminMixin(admin.ModelAdmin):
    """Programme policy kept by the ministry: kementerian staff read it, national staff (and
    admins) add and change it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return reads_policy(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return reads_policy(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return edits_policy(request.user) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return edits_policy(request.user) or super().has_change_permission(request, obj)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(MinistryPolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """A new version from a future date changes the policy from that date; past dates stay.
    Kementerian staff edit it here (DESIGN §2) besides admins; they see nothing else."""

    list_display = (
        "valid_from",
        "lansia_min_age",
        "max_components",
        "poverty_line_multiplier",
        "desil_ceiling",
        "yearly_graduation_target",
        "source",
        "created_by",
    )
    list_select_related = ("created_by",)
    ordering = ("-valid_from",)
    date_hierarchy = "valid_from"
    search_fields = ("source", "notes")
    readonly_fields = ("created_by", "created_at")
    fieldsets = (
        (None, {"fields": ("valid_from", "source", "notes")}),
        (
            _("Nominal komponen per tahun (rupiah)"),
            {
                "fields": (
                    "amount_ibu_hamil",
                    "amount_anak_usia_dini",
                    "amount_sd",
                    "amount_smp",
                    "amount_sma",
                    "amount_lansia",
                    "amount_disabilitas_berat",
                )
            },
        ),
        (
            _("Syarat komponen"),
            {
                "fields": (
                    "nifas_days",
                    "anak_usia_dini_max_age",
                    "school_max_age",
                    "lansia_min_age",
                    "max_components",
                    "tahap_per_year",
                )
            },
        ),
        (
            _("Graduasi"),
            {
                "fields": (
                    "poverty_line_multiplier",
                    "desil_ceiling",
                    "max_years_in_pkh",
                    "yearly_graduation_target",
                    "assessment_max_age_months",
                    "sejahtera_evidence_max_age_months",
                    "school_leaving_age",
                    "fallback_desil_max",
                )
            },
        ),
        (
            _("Verifikasi komitmen"),
            {"fields": ("min_school_attendance_pct",)},
        ),
        (None, {"fields": ("created_by", "created_at")}),
    )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # A new version starts from the values of the newest one: only what changes is typed.
        latest = PolicyVersion.objects.order_by("-valid_from").first()
        policy = policy_from(latest) if latest is not None else DEFAULT_POLICY
        return {**asdict(policy), **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class PipelineBatchInline(admin.TabularInline):
    model = PipelineBatch
    fields = ("first_kpm", "last_kpm", "done", "taken_by", "assessed", "changed", "failures")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PipelineRun)
class PipelineRunAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Each nightly run: its date, how long each stage took and what it counted."""

    list_display = (
        "as_of",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "assess_seconds",
        "target_seconds",
        "rollup_seconds",
        "risk_seconds",
        "assessed",
        "changed",
        "failed",
    )
    list_filter = ("status", "trigger")
    date_hierarchy = "as_of"
    readonly_fields = ("duration_seconds",)
    inlines = [PipelineBatchInline]


@admin.register(PipelineBatch)
class PipelineBatchAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run", "first_kpm", "last_kpm", "done", "taken_by", "assessed", "changed")
    list_select_related = ("run",)
    list_filter = ("done",)


@admin.register(KpmAssessment)
class KpmAssessmentAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "kpm",
        "status",
        "status_since",
        "component_count",
        "yearly_benefit",
        "projected_graduation",
        "updated_at",
    )
    list_select_related = ("kpm",)
    list_filter = ("status",)
    search_fields = ("kpm__kpm_id",)
    raw_id_fields = ("kpm", "run")


@admin.register(GraduationFeed)
class GraduationFeedAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """What the database keeps for the agencies' feed, to check what a client would receive;
    the NIK is left out of these pages."""

    list_display = (
        "kpm_code",
        "graduated_on",
        "graduation_type",
        "kabupaten_name",
        "member_count",
        "referral_statuses",
        "updated_at",
    )
    list_filter = ("graduation_type", "provinsi_name")
    search_fields = ("kpm_code",)
    exclude = ("pengurus_nik",)
    raw_id_fields = ("kpm",)


@admin.register(TargetProgress)
class TargetProgressAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "pendamping",
        "year",
        "approved",
        "target",
        "on_track",
        "pending",
        "candidates",
        "active_kpm",
    )
    list_select_related = ("pendamping__user",)
    list_filter = ("year", "on_track")
    search_fields = ("pendamping__user__username",)


@admin.register(RegionSummary)
class RegionSummaryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "level",
        "region_code",
        "pendamping",
        "year",
        "active_kpm",
        "candidates",
        "awaiting",
        "approved",
        "target",
        "at_risk",
        "updated_at",
    )
    list_select_related = ("pendamping__user",)
    list_filter = ("level", "year")
    search_fields = ("region_code", "pendamping__user__username")


@admin.register(RegionMonth)
class RegionMonthAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "level",
        "region_code",
        "pendamping",
        "year",
        "month",
        "graduated_alamiah",
        "graduated_sejahtera",
        "graduated_mandiri",
        "exits",
        "snapshot_on",
    )
    list_select_related = ("pendamping__user",)
    list_filter = ("level", "year", "month")
    search_fields = ("region_code", "pendamping__user__username")


@admin.register(Proposal)
class ProposalAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Proposals move only through the workflow's services, never by an admin edit."""

    list_display = ("kpm", "type", "status", "pendamping", "submitted_at", "decided_at")
    list_select_related = ("kpm", "pendamping__user")
    list_filter = ("status", "type")
    search_fields = ("kpm__kpm_id",)
    raw_id_fields = ("kpm", "pendamping", "created_by", "decided_by")
