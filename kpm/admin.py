"""Admin for households, members, desil history and import jobs. Case data edits are audited.

Lists show the NIK masked; the full number appears only on a member's change form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin, ViewOnlyAdminMixin
from graduasi.admin import MinistryPolicyAdminMixin, ReassessedAdminMixin
from kpm.models import (
    Anggota,
    CorrectionRequest,
    DesilHistory,
    EnrolmentCandidate,
    EnrolmentProposal,
    FundedQuota,
    ImportJob,
    Kpm,
)
from kpm.rules import mask_nik
from kpm.selectors.corrections import shown_value
from kpm.selectors.waiting import visible_kabupaten
from wilayah.admin import ProvinsiCodeFilter


class KpmProvinsiFilter(ProvinsiCodeFilter):
    code_field = "provinsi_code"
    exact = True


class AnggotaInline(admin.TabularInline):
    model = Anggota
    extra = 0
    show_change_link = True
    fields = (
        "nik",
        "nama",
        "jenis_kelamin",
        "tanggal_lahir",
        "hubungan",
        "is_pengurus",
        "hamil",
        "perkiraan_lahir",
        "tanggal_persalinan",
        "jenjang_sekolah",
        "disabilitas_berat",
        "status",
        "status_changed_on",
    )


class DesilHistoryInline(admin.TabularInline):
    model = DesilHistory
    extra = 0
    fields = ("desil", "recorded_on", "source")


@admin.register(Kpm)
class KpmAdmin(ReassessedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    kpm_attribute = "pk"
    list_display = ("kpm_id", "desa", "desil", "status", "pendamping", "pkh_entry_date")
    list_select_related = ("desa", "pendamping__user")
    list_filter = ("status", "desil", KpmProvinsiFilter)
    search_fields = ("=kpm_id", "=no_kk", "alamat")
    autocomplete_fields = ("desa", "pendamping")
    readonly_fields = (
        "kecamatan_code",
        "kabupaten_code",
        "provinsi_code",
        "created_at",
        "updated_at",
    )
    fields = (
        "kpm_id",
        "no_kk",
        "desa",
        ("kecamatan_code", "kabupaten_code", "provinsi_code"),
        "alamat",
        "desil",
        "pkh_entry_date",
        "status",
        "pendamping",
        ("created_at", "updated_at"),
    )
    inlines = (AnggotaInline, DesilHistoryInline)
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Kpm, form: ModelForm, change: bool) -> None:
        # The region codes are copied from the desa so filters by region never join.
        obj.set_region_from_desa_code(obj.desa_id)
        super().save_model(request, obj, form, change)


@admin.register(Anggota)
class AnggotaAdmin(ReassessedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "nama",
        "nik_masked",
        "kpm",
        "jenis_kelamin",
        "tanggal_lahir",
        "hubungan",
        "is_pengurus",
        "status",
    )
    list_select_related = ("kpm",)
    list_filter = (
        "status",
        "jenis_kelamin",
        "hubungan",
        "is_pengurus",
        "hamil",
        "jenjang_sekolah",
        "disabilitas_berat",
    )
    search_fields = ("=nik", "nama", "=kpm__kpm_id")
    autocomplete_fields = ("kpm",)
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description=_("NIK"), ordering="nik")
    def nik_masked(self, anggota: Anggota) -> str:
        return mask_nik(anggota.nik)


@admin.register(DesilHistory)
class DesilHistoryAdmin(ReassessedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("kpm", "desil", "recorded_on", "source")
    list_select_related = ("kpm",)
    list_filter = ("desil", "source", "recorded_on")
    search_fields = ("=kpm__kpm_id",)
    autocomplete_fields = ("kpm",)
    date_hierarchy = "recorded_on"
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Uploads are made and confirmed on the import page; here they can only be looked at."""

    list_display = ("original_name", "uploaded_by", "status", "row_count", "progress", "created_at")
    list_select_related = ("uploaded_by",)
    list_filter = ("status", "created_at")
    search_fields = ("original_name", "uploaded_by__username")
    date_hierarchy = "created_at"


@admin.register(FundedQuota)
class FundedQuotaAdmin(MinistryPolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The kabupaten's funded quota, a dated policy value: the latest row valid on a day applies.
    National kementerian staff set it here besides admins; provincial staff read their own
    province's quotas."""

    list_display = ("kabupaten", "valid_from", "funded_kpm", "source")
    list_select_related = ("kabupaten",)
    list_filter = (("valid_from", admin.DateFieldListFilter),)
    search_fields = ("=kabupaten__code", "kabupaten__name", "source")
    ordering = ("kabupaten_id", "-valid_from")
    date_hierarchy = "valid_from"
    fields = ("kabupaten", "valid_from", "funded_kpm", "source", "created_at")
    readonly_fields = ("created_at",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[FundedQuota]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(kabupaten__in=visible_kabupaten(request.user))


class EnrolmentCandidateInline(admin.TabularInline):
    model = EnrolmentCandidate
    extra = 0
    fields = ("rank", "kpm", "desil", "waiting_since")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EnrolmentProposal)
class EnrolmentProposalAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Proposals are made by Dinsos on the waiting list page; here they can only be looked at."""

    list_display = ("kabupaten", "proposed_at", "proposed_by")
    list_select_related = ("kabupaten", "proposed_by")
    list_filter = ("proposed_at",)
    search_fields = ("=kabupaten__code", "kabupaten__name", "note")
    date_hierarchy = "proposed_at"
    inlines = (EnrolmentCandidateInline,)


@admin.register(EnrolmentCandidate)
class EnrolmentCandidateAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kpm", "proposal", "rank", "desil", "waiting_since")
    list_select_related = ("kpm", "proposal")
    search_fields = ("=kpm__kpm_id",)
    show_full_result_count = False


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Correction requests are filed and decided on the Koreksi data pages (four eyes, the change
    applied in the decision's transaction); here they are only looked at. A NIK asked or held
    shows masked in the list."""

    list_display = (
        "requested_at",
        "anggota",
        "field",
        "value_now_shown",
        "value_asked_shown",
        "status",
        "requested_by",
        "decided_by",
    )
    list_select_related = ("anggota", "requested_by", "decided_by")
    list_filter = ("status", "field", "requested_at")
    search_fields = ("=anggota__kpm__kpm_id", "anggota__nama")
    date_hierarchy = "requested_at"
    show_full_result_count = False

    @admin.display(description=_("data sekarang"))
    def value_now_shown(self, correction: CorrectionRequest) -> str:
        return shown_value(correction.field, correction.value_now, full_nik=False)

    @admin.display(description=_("data yang diminta"))
    def value_asked_shown(self, correction: CorrectionRequest) -> str:
        return shown_value(correction.field, correction.value_asked, full_nik=False)
