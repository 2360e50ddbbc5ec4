"""The caseload list's search, filters and sort order. Every choice list comes from what the
user may see (pengguna.scoping), so a filter never reveals a record out of scope."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from graduasi.models import COUNTED_STATUSES, AssessmentStatus, Proposal
from graduasi.rules import COMPONENT_LABELS, Component, Policy
from kpm.models import Anggota, Kpm, KpmStatus
from kpm.selectors import (
    caseload_desa_choices,
    kpm_commitment_due,
    kpm_with_component,
    visit_due,
)
from pendamping.models import Pendamping
from pengguna.models import Role, User
from pengguna.scoping import region_q

NIK_LENGTH = 16
REGION_CODE = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")

# "perlu" is selectors.visit_due (VISIT_DUE_DAYS = 30).
VISIT_CHOICES = [
    ("perlu", _("Perlu dikunjungi (belum pernah, atau lebih dari 30 hari lalu)")),
    ("belum", _("Belum pernah dikunjungi")),
    ("30", _("Dikunjungi lebih dari 30 hari lalu")),
    ("90", _("Dikunjungi lebih dari 90 hari lalu")),
]
FLAG_CHOICES = [("ya", _("Tidak memenuhi komitmen")), ("tidak", _("Memenuhi komitmen"))]
COMMITMENT_CHOICES = [("belum", _("Verifikasi bulan ini belum lengkap"))]
NOT_ASSESSED = "belum_dinilai"
GRADUATION_CHOICES = [*AssessmentStatus.choices, (NOT_ASSESSED, _("Belum dinilai"))]
# "tanpa": no proposal that keeps a KPM off the candidate list (open or approved).
PROPOSAL_CHOICES = [
    ("tanpa", _("Belum ada usulan graduasi")),
    ("ada", _("Ada usulan berjalan atau disetujui")),
]

# (value, label, ordering); "-" variants sort the other way. A KPM never visited counts as the
# longest ago.
SORTS: dict[str, tuple[Any, ...]] = {
    "kpm_id": ("kpm_id",),
    "-kpm_id": ("-kpm_id",),
    "pengurus": ("pengurus_nama", "kpm_id"),
    "-pengurus": ("-pengurus_nama", "kpm_id"),
    "desa": ("desa__name", "kpm_id"),
    "-desa": ("-desa__name", "kpm_id"),
    "kunjungan": (F("last_visit_on").asc(nulls_first=True), "kpm_id"),
    "-kunjungan": (F("last_visit_on").desc(nulls_last=True), "kpm_id"),
    "status": ("status", "kpm_id"),
    "-status": ("-status", "kpm_id"),
}
SORT_CHOICES = [
    ("kpm_id", _("ID KPM (A-Z)")),
    ("-kpm_id", _("ID KPM (Z-A)")),
    ("pengurus", _("Nama pengurus (A-Z)")),
    ("-pengurus", _("Nama pengurus (Z-A)")),
    ("desa", _("Desa (A-Z)")),
    ("-desa", _("Desa (Z-A)")),
    ("kunjungan", _("Kunjungan terakhir (paling lama dulu)")),
    ("-kunjungan", _("Kunjungan terakhir (paling baru dulu)")),
    ("status", _("Status (A-Z)")),
    ("-status", _("Status (Z-A)")),
]


def search_q(text: str) -> Q:
    """KPM matching `text`: a member's name (part of it), a NIK (all 16 digits or its first
    digits), the KPM id (part of it) or the address (part of it)."""
    members = Anggota.objects.filter(kpm=OuterRef("pk"))
    found = Q(kpm_id__icontains=text) | Q(alamat__icontains=text)
    found |= Q(Exists(members.filter(nama__icontains=text)))
    if text.isdigit() and len(text) <= NIK_LENGTH:
        lookup = "nik" if len(text) == NIK_LENGTH else "nik__startswith"
        found |= Q(Exists(members.filter(**{lookup: text})))
    return found


def _wide_scope(user: User) -> bool:
    """Kementerian and admin see whole provinces or the country: too many desa for a list."""
    return user.role in (Role.KEMENTERIAN, Role.ADMIN)


class CaseloadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari"),
        method="filter_q",
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Nama, NIK, ID KPM atau alamat")}
        ),
    )
    desa = django_filters.ChoiceFilter(
        label=_("Desa/kelurahan"), field_name="desa_id", empty_label=_("Semua desa")
    )
    wilayah = django_filters.CharFilter(
        label=_("Kode wilayah"),
        method="filter_wilayah",
        max_length=13,
        help_text=_("Kode provinsi, kabupaten, kecamatan atau desa, mis. 35.71.01"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=KpmStatus.choices, empty_label=_("Semua status")
    )
    komponen = django_filters.ChoiceFilter(
        label=_("Komponen hari ini"),
        choices=[(c.value, COMPONENT_LABELS[c]) for c in Component],
        method="filter_komponen",
        empty_label=_("Semua komponen"),
    )
    kunjungan = django_filters.ChoiceFilter(
        label=_("Kunjungan terakhir"),
        choices=VISIT_CHOICES,
        method="filter_kunjungan",
        empty_label=_("Semua"),
    )
    komitmen = django_filters.ChoiceFilter(
        label=_("Komitmen"), choices=FLAG_CHOICES, method="filter_flag", empty_label=_("Semua")
    )
    verifikasi = django_filters.ChoiceFilter(
        label=_("Verifikasi komitmen"),
        choices=COMMITMENT_CHOICES,
        method="filter_verifikasi",
        empty_label=_("Semua"),
    )
    graduasi = django_filters.ChoiceFilter(
        label=_("Status graduasi"),
        choices=GRADUATION_CHOICES,
        method="filter_graduasi",
        empty_label=_("Semua"),
    )
    usulan = django_filters.ChoiceFilter(
        label=_("Usulan graduasi"),
        choices=PROPOSAL_CHOICES,
        method="filter_usulan",
        empty_label=_("Semua"),
    )
    pendamping = django_filters.ModelChoiceFilter(
        label=_("Pendamping"),
        queryset=Pendamping.objects.none(),
        empty_label=_("Semua pendamping"),
        null_label=_("Belum ada pendamping"),
    )
    urut = django_filters.ChoiceFilter(
        label=_("Urutkan"), choices=SORT_CHOICES, method="sort", empty_label=None
    )

    class Meta:
        model = Kpm
        fields: list[str] = []

    def __init__(self, data: Any, queryset: QuerySet[Kpm], *, user: User, on: date, policy: Policy):
        super().__init__(data, queryset)
        self.user, self.on, self.policy = user, on, policy
        if _wide_scope(user):
            del self.filters["desa"]
        else:
            del self.filters["wilayah"]
            self.filters["desa"].extra["choices"] = caseload_desa_choices(user)
        if user.role in (Role.DINSOS, Role.ADMIN):
            self.filters["pendamping"].queryset = Pendamping.objects.visible_to(
                user
            ).select_related("user")
        else:
            del self.filters["pendamping"]

    def filter_q(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        text = value.strip()
        return queryset.filter(search_q(text)) if text else queryset

    def filter_wilayah(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        code = value.strip()
        if not REGION_CODE.match(code):
            return queryset.none()
        return queryset.filter(region_q(code))

    def filter_komponen(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        return queryset.filter(kpm_with_component(Component(value), on=self.on, policy=self.policy))

    def filter_kunjungan(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        if value == "perlu":
            return queryset.filter(visit_due(on=self.on))
        if value == "belum":
            return queryset.filter(last_visit_on__isnull=True)
        return queryset.filter(last_visit_on__lt=self.on - timedelta(days=int(value)))

    def filter_flag(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        return queryset.filter(noncompliant=value == "ya")

    def filter_verifikasi(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        return queryset.filter(kpm_commitment_due(on=self.on, policy=self.policy))

    def filter_graduasi(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        if value == NOT_ASSESSED:
            return queryset.filter(graduation_assessment__isnull=True)
        return queryset.filter(graduation_assessment__status=value)

    def filter_usulan(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        counted = Proposal.objects.filter(kpm=OuterRef("pk"), status__in=COUNTED_STATUSES)
        if value == "ada":
            return queryset.filter(Exists(counted))
        return queryset.exclude(Exists(counted))

    def sort(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        return queryset.order_by(*SORTS[value])
