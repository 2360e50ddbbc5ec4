"""/api/v1/kpm/: KPM in the caller's scope with their current graduation assessment, for Dinsos,
ministry staff and admins, by web session or the officer's own API key. A KPM out of scope is a
404, like one that does not exist. The list masks every NIK and No KK; the detail shows the full
numbers only to whom the HTML profile shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ReadsKpm, ScopedViewSetMixin, error_responses
from graduasi.models import AssessmentStatus
from kpm.filters import REGION_CODE
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus
from kpm.serializers import KpmDetailSerializer, KpmSerializer
from kpm.views.profile import sees_full_nik
from pemberdayaan.models import Referral
from pengguna.models import User
from pengguna.scoping import region_q

TAGS = ["kpm"]
BIGINT_MAX = 2**63 - 1


def kpm_for_api() -> QuerySet[Kpm]:
    """KPM with their regions, pendamping, assessment, pengurus and member count: one query."""
    pengurus = Anggota.objects.filter(kpm=OuterRef("pk"), is_pengurus=True).order_by("id")
    active = (
        Anggota.objects.filter(kpm=OuterRef("pk"), status=MemberStatus.ACTIVE)
        .order_by()
        .values("kpm")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Kpm.objects.select_related(
            "desa__kecamatan__kabupaten__provinsi",
            "pendamping__user",
            "graduation_assessment__run",
        )
        .with_pengurus_name()
        .annotate(
            pengurus_nik=Subquery(pengurus.values("nik")[:1]),
            member_count=Coalesce(Subquery(active, output_field=IntegerField()), 0),
        )
        .order_by("kpm_id")
    )


def with_household(queryset: QuerySet[Kpm]) -> QuerySet[Kpm]:
    """The detail's members (pengurus first, then by age) and referrals, two more queries."""
    members = Anggota.objects.order_by("-is_pengurus", "tanggal_lahir", "id")
    referrals = Referral.objects.select_related("programme").order_by("programme__position", "id")
    prefetches: list[Any] = [
        Prefetch("anggota", queryset=members),
        Prefetch("referrals", queryset=referrals),
    ]
    return queryset.prefetch_related(*prefetches)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class KpmApiFilter(django_filters.FilterSet):
    wilayah = django_filters.CharFilter(
        method="filter_wilayah",
        validators=[RegexValidator(REGION_CODE, _("Kode wilayah tidak dikenal."))],
        help_text="Kode wilayah di tingkat mana pun: 35, 35.71, 35.71.01 atau 35.71.01.1001.",
    )
    status = django_filters.ChoiceFilter(choices=KpmStatus.choices, help_text="Status KPM.")
    assessment_status = django_filters.ChoiceFilter(
        field_name="graduation_assessment__status",
        choices=AssessmentStatus.choices,
        help_text="Status asesmen graduasi terkini.",
    )
    pendamping = IntegerFilter(
        field_name="pendamping_id", min_value=1, max_value=BIGINT_MAX, help_text="ID pendamping."
    )
    desil = IntegerFilter(min_value=1, max_value=10, help_text="Desil DTSEN (1-10).")
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        help_text="Hanya KPM yang berubah sejak waktu ini (ISO 8601, dengan zona waktu).",
    )

    class Meta:
        model = Kpm
        fields = ["wilayah", "status", "assessment_status", "pendamping", "desil", "updated_since"]

    def filter_updated_since(
        self, queryset: QuerySet[Kpm], name: str, value: datetime
    ) -> QuerySet[Kpm]:
        """In UTC: PostgreSQL takes offsets up to 15:59 only, ISO 8601 allows more."""
        try:
            moment = value.astimezone(UTC)
        except OverflowError:  # beyond year 1 or 9999 once in UTC
            return queryset if value.year < 5000 else queryset.none()
        return queryset.filter(updated_at__gte=moment)

    def filter_wilayah(self, queryset: QuerySet[Kpm], name: str, value: str) -> QuerySet[Kpm]:
        return queryset.filter(region_q(value)) if value else queryset


class KpmCursorPagination(CursorPagination):
    ordering = "kpm_id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_description = _("Penanda halaman dari `next`/`previous` jawaban sebelumnya.")  # type: ignore[assignment]
    page_size_query_description = _("Baris per halaman (bawaan 50, paling banyak 200).")  # type: ignore[assignment]


@extend_schema_view(
    list=extend_schema(
        operation_id="kpm_list",
        tags=TAGS,
        summary="KPM dalam wilayah Anda, dengan asesmen graduasi terkini",
        description=(
            "Dinsos: kabupaten/kotanya; Kementerian: wilayah tugasnya; admin: semua. NIK dan "
            "No KK disamarkan. Urut menurut ID KPM; halaman berikutnya lewat `next`."
        ),
        responses={200: KpmSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        operation_id="kpm_retrieve",
        tags=TAGS,
        summary="Satu KPM: rumah tangga, anggota, rujukan dan asesmen graduasi terkini",
        description=(
            "NIK dan No KK penuh hanya untuk petugas Dinsos, seperti pada halaman profil KPM; "
            "peran lain melihatnya disamarkan. Di luar wilayah Anda: 404."
        ),
        responses={200: KpmDetailSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
class KpmViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """KPM dalam wilayah pemanggil; di luar wilayah dijawab 404."""

    queryset = kpm_for_api()
    serializer_class = KpmSerializer
    permission_classes = [ReadsKpm]
    filterset_class = KpmApiFilter
    pagination_class = KpmCursorPagination
    lookup_field = "kpm_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        return with_household(queryset) if self.action == "retrieve" else queryset

    def get_serializer_class(self) -> Any:
        return KpmDetailSerializer if self.action == "retrieve" else KpmSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpm = self.get_object()
        user = request.user
        assert isinstance(user, User)
        context = {**self.get_serializer_context(), "full_nik": sees_full_nik(user, kpm)}
        return Response(KpmDetailSerializer(kpm, context=context).data)
