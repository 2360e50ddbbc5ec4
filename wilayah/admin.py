"""Admin for regions (reference data from Kemendagri) and the BPS poverty lines (policy data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from wilayah.models import Desa, Kabupaten, Kecamatan, PovertyLine, Provinsi


class ProvinsiCodeFilter(admin.SimpleListFilter):
    """Filter rows by province through a code field, listing the 38 provinces from their table.

    Subclasses name the field; a dotted region code starts with the two-digit province code.
    """

    title = _("provinsi")
    parameter_name = "provinsi"
    code_field = "code"
    exact = False

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (code, f"{code} {name}") for code, name in Provinsi.objects.values_list("code", "name")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        code = self.value()
        if not code:
            return queryset
        if self.exact:
            return queryset.filter(**{self.code_field: code})
        return queryset.filter(**{f"{self.code_field}__startswith": f"{code}."})


@admin.register(Provinsi)
class ProvinsiAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("^code", "name")


@admin.register(Kabupaten)
class KabupatenAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "provinsi")
    list_select_related = ("provinsi",)
    list_filter = ("provinsi",)
    search_fields = ("^code", "name")


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kabupaten")
    list_select_related = ("kabupaten",)
    list_filter = (ProvinsiCodeFilter,)
    search_fields = ("^code", "name", "kabupaten__name")
    autocomplete_fields = ("kabupaten",)


@admin.register(Desa)
class DesaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kecamatan")
    list_select_related = ("kecamatan",)
    list_filter = (ProvinsiCodeFilter,)
    search_fields = ("^code", "name", "kecamatan__name")
    autocomplete_fields = ("kecamatan",)
    show_full_result_count = False


@admin.register(PovertyLine)
class PovertyLineAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A poverty line decides `sejahtera` assessments, so every edit is audited."""

    list_display = ("provinsi_label", "valid_from", "amount", "source")
    list_select_related = ("provinsi",)
    list_filter = ("provinsi", "valid_from")
    search_fields = ("^provinsi__code", "provinsi__name", "source")
    date_hierarchy = "valid_from"

    @admin.display(description=_("provinsi"), ordering="provinsi_id")
    def provinsi_label(self, line: PovertyLine) -> str:
        return str(line.provinsi) if line.provinsi_id else str(_("Nasional"))
