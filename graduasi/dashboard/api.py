"""/api/v1/dashboard/: the JSON behind the dashboard charts, and the pendamping progress table.
Both read only the nightly summary tables through graduasi.dashboard.selectors; the area comes
from ?wilayah=<code> or ?pendamping=<id> (the caller's own area when neither), and an area out of
scope, unknown or malformed is a 404, as on the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import access_record
from config.api import ErrorSerializer, Pagination, error_responses, role_required
from graduasi.dashboard.areas import Area, area_from_query, area_root
from graduasi.dashboard.selectors import (
    SORT_KEYS,
    dashboard_read,
    latest_run,
    pendamping_rows,
    region_children,
    shown_year,
)
from graduasi.dashboard.serializers import (
    DashboardSerializer,
    PendampingRowSerializer,
    dashboard_payload,
)
from graduasi.models import RegionSummary
from pengguna.models import Role, User

TAGS = ["dasbor"]
ERRORS = {
    **error_responses(401),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Peran tidak diizinkan (`forbidden`): hanya Dinsos, Kementerian dan admin.",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Wilayah atau pendamping tidak ada, kodenya salah bentuk, atau di luar wilayah "
            "Anda (`not_found`)."
        ),
    ),
}
ReadsDashboards = role_required(Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)
ACCESS_PURPOSE = "dasbor: tabel pendamping"

AREA_PARAMETERS = [
    OpenApiParameter(
        "wilayah",
        OpenApiTypes.STR,
        description=(
            "Kode provinsi, kabupaten/kota atau kecamatan (mis. `35`, `35.71`, `35.71.01`). "
            "`wilayah=` kosong: nasional. Tanpa `wilayah` dan `pendamping`: wilayah tugas "
            "Anda (nasional untuk admin)."
        ),
        pattern=r"^[0-9]{2}(\.[0-9]{2}){0,2}$",
    ),
    OpenApiParameter("pendamping", OpenApiTypes.INT, description="ID satu pendamping."),
]
TABLE_PARAMETERS = [
    OpenApiParameter(
        "urut",
        OpenApiTypes.STR,
        description="Urutan: nama kolom, atau `-kolom` untuk menurun. Bawaan: `sesuai`.",
        enum=[v for key in SORT_KEYS for v in (key, f"-{key}")],
    ),
    OpenApiParameter(
        "tertinggal",
        OpenApiTypes.BOOL,
        description="`1`: hanya pendamping yang tertinggal dari jadwal menuju target.",
    ),
]


def area_requested(request: Request) -> Area:
    """The area the query names, or the caller's own when it names none (404 out of scope)."""
    user, params = request.user, request.query_params
    assert isinstance(user, User)  # ReadsDashboards lets only signed-in users through
    # A parameter given, even empty (?wilayah= is the nation), names the area; none: the root.
    if "wilayah" in params or "pendamping" in params:
        return area_from_query(user, params)
    return area_root(user)


class DashboardView(GenericAPIView):
    """Angka dan data grafik satu dasbor."""

    permission_classes = [ReadsDashboards]
    serializer_class = DashboardSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        operation_id="dashboard_retrieve",
        tags=TAGS,
        summary="Angka dan data grafik dasbor satu wilayah atau pendamping",
        description=(
            "Dinsos: kabupaten/kotanya; Kementerian: provinsi tugasnya atau nasional; admin: "
            "semua. Dibaca dari rekap proses malam terakhir (`as_of`), bukan data kasus."
        ),
        parameters=AREA_PARAMETERS,
        responses={200: DashboardSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        area = area_requested(request)
        dash = dashboard_read(area)
        children = region_children(area, year=dash.year)
        return Response(self.get_serializer(dashboard_payload(dash, children)).data)


def flag(value: str | None) -> bool:
    """A yes/no query parameter: 1, true, ya or on is yes."""
    return (value or "").strip().lower() in {"1", "true", "ya", "on"}


class PendampingTableView(GenericAPIView):
    """Tabel capaian pendamping: setiap halaman yang dibaca dicatat."""

    permission_classes = [ReadsDashboards]
    serializer_class = PendampingRowSerializer
    pagination_class = Pagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[RegionSummary]:
        area = area_requested(self.request)  # first: out of scope is a 404 even before a run
        params = self.request.query_params
        return pendamping_rows(
            area,
            year=shown_year(latest_run()),
            sort=params.get("urut"),
            behind_only=flag(params.get("tertinggal")),
        )

    @extend_schema(
        operation_id="dashboard_pendamping_list",
        tags=TAGS,
        summary="Tabel capaian pendamping dalam satu wilayah",
        description=(
            "Daftar untuk ditindaklanjuti, bukan peringkat: bawaan yang tertinggal dari jadwal "
            "lebih dulu. Menyebut nama orang, jadi setiap halaman yang diterima dicatat dalam "
            "log akses data pribadi."
        ),
        parameters=[*AREA_PARAMETERS, *TABLE_PARAMETERS],
        responses={200: PendampingRowSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the view always paginates
        if page:
            access_record(
                actor=request.user,
                endpoint=request.get_full_path(),
                purpose=ACCESS_PURPOSE,
                object_type="pendamping.pendamping",
                record_ids=[row.pendamping_id for row in page],
            )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
