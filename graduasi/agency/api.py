"""/api/v1/graduations/: the feed of graduated KPM that agencies pull with their API key, as pages,
one KPM, or a streamed export. What a client receives is what its data-sharing agreement (PKS)
allows and lies in its regions; anything else answers like something that does not exist. Every
record served is logged as an access event (UU PDP No. 27/2022)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from audit.services import access_record
from config.api import IsAgencyClient, agency_client, error_responses
from graduasi.agency.exports import csv_stream, ndjson_stream
from graduasi.agency.pagination import MAX_PAGE_SIZE, PAGE_SIZE, Position, cursor_encode
from graduasi.agency.records import record_builder
from graduasi.agency.selectors import (
    FeedFilters,
    graduation_csv_stream,
    graduation_one,
    graduation_page,
    graduation_stream,
)
from graduasi.agency.serializers import (
    REGION_CODE,
    FeedPageQuerySerializer,
    FeedQuerySerializer,
    GraduationPageSerializer,
    GraduationRecordSerializer,
)
from kpm.models import GraduationType
from pemberdayaan.models import ReferralStatus
from pengguna.models import ApiClient

TAGS = ["graduasi-lembaga"]
KPM_ID_MAX = 32  # kpm.Kpm.kpm_id


class JsonOnly(BaseContentNegotiation):
    """Always the view's first renderer: these endpoints answer in one format whatever `Accept`
    asks, so an odd header never turns into a 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class AgencyFeedView(APIView):
    """What every endpoint of the feed shares: agency clients only, JSON errors."""

    permission_classes = [IsAgencyClient]
    renderer_classes = [JSONRenderer]
    parser_classes: list[Any] = []
    content_negotiation_class = JsonOnly

    def client(self) -> ApiClient:
        client = agency_client(self.request)
        assert client is not None  # IsAgencyClient let the request in
        return client

    def served(self, client: ApiClient) -> Callable[[list[str]], None]:
        """Logs that these KPM IDs were served to `client` through this request."""
        request = self.request
        detail = {"agreement": client.agreement_number, "fields": list(client.fields)}

        def log(kpm_ids: list[str]) -> None:
            if kpm_ids:
                access_record(
                    actor=request.user, client=client, endpoint=request.get_full_path(),
                    purpose=client.purpose, object_type="kpm", record_ids=kpm_ids, detail=detail,
                )  # fmt: skip

        return log


def json_response(body: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type="application/json")


# Schema ----------------------------------------------------------------------------------------

FILTERS = [
    OpenApiParameter(
        "wilayah",
        str,
        pattern=REGION_CODE,
        description=(
            "Kode wilayah Kemendagri pada tingkat mana pun: provinsi (`35`), kabupaten/kota "
            "(`35.71`), kecamatan (`35.71.01`) atau desa/kelurahan (`35.71.01.1001`). Wilayah di "
            "luar PKS tidak menghasilkan apa pun."
        ),
    ),
    OpenApiParameter(
        "graduated_from", OpenApiTypes.DATE, description="Lulus pada atau sesudah tanggal ini."
    ),
    OpenApiParameter(
        "graduated_to", OpenApiTypes.DATE, description="Lulus pada atau sebelum tanggal ini."
    ),
    OpenApiParameter("type", str, enum=GraduationType.values, description="Jenis graduasi."),
    OpenApiParameter(
        "referral_status",
        str,
        enum=ReferralStatus.values,
        description="Hanya KPM yang punya rujukan berstatus ini.",
    ),
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description=(
            "Hanya yang berubah pada atau sesudah waktu ini (ISO 8601 dengan zona waktu, mis. "
            "`2026-01-31T08:00:00+07:00`; tulis `+` sebagai `%2B`). Untuk menarik perubahan saja."
        ),
    ),
]
PAGING = [
    OpenApiParameter(
        "cursor",
        str,
        description="Dari `next_cursor` halaman sebelumnya; kosongkan untuk halaman pertama.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
        description=f"Baris per halaman (bawaan {PAGE_SIZE}, paling banyak {MAX_PAGE_SIZE}).",
    ),
]
KPM_ID = OpenApiParameter("kpm_id", str, OpenApiParameter.PATH, description="ID KPM.")
AGREEMENT = (
    " Isi setiap catatan mengikuti PKS klien: selain inti (ID KPM, tanggal dan jenis graduasi, "
    "wilayah, waktu perubahan terakhir) hanya bagian yang diizinkan PKS yang ada. Setiap catatan "
    "yang dikirim dicatat dalam log akses."
)


def _export_schema(media_type: str, summary: str, body: str) -> Any:
    return extend_schema(
        operation_id=f"graduations_export_{media_type.rpartition('-')[2].rpartition('/')[2]}",
        tags=TAGS,
        summary=summary,
        description=(
            "Seluruh KPM graduasi dalam wilayah PKS, dengan saringan yang sama seperti daftar, "
            f"dialirkan sebagai berkas unduhan urut waktu perubahan. {body}" + AGREEMENT
        ),
        parameters=FILTERS,
        request=None,
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.STR, description=body),
            **error_responses(400, 401, 403),
        },
    )


# Views -----------------------------------------------------------------------------------------


class GraduationListView(AgencyFeedView):
    @extend_schema(
        operation_id="graduations_list",
        tags=TAGS,
        summary="Daftar KPM graduasi (berhalaman, kursor)",
        description=(
            "KPM graduasi dalam wilayah PKS, urut waktu perubahan terakhir lalu ID, per halaman "
            "dengan kursor: urutan tetap, halaman dalam sama cepatnya, dan KPM yang berubah "
            "selama penarikan berpindah ke belakang, tidak menggeser halaman lain. Ikuti `next` "
            "sampai null; tarik perubahan berikutnya dengan `updated_since`." + AGREEMENT
        ),
        parameters=[*FILTERS, *PAGING],
        request=None,
        responses={200: GraduationPageSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> HttpResponse:
        client = self.client()
        query = FeedPageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        size: int = query.validated_data["page_size"]
        after: Position | None = query.validated_data.get("cursor")
        page = graduation_page(client, query.filters(), after=after, size=size)
        build = record_builder(client.fields)
        results = [build(row) for row in page.rows]
        cursor = None
        if page.more:
            last = page.rows[-1]
            cursor = cursor_encode(Position(datetime.fromisoformat(last.updated_at), last.id))
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", cursor) if cursor else None
        )
        self.served(client)([row.kpm_id for row in page.rows])
        return json_response({"results": results, "next": next_url, "next_cursor": cursor})


class GraduationDetailView(AgencyFeedView):
    @extend_schema(
        operation_id="graduations_retrieve",
        tags=TAGS,
        summary="Satu KPM graduasi",
        description=(
            "KPM yang belum graduasi, di luar wilayah PKS, atau tidak ada dijawab sama: 404 "
            "`not_found`." + AGREEMENT
        ),
        parameters=[KPM_ID],
        request=None,
        responses={200: GraduationRecordSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, kpm_id: str) -> HttpResponse:
        client = self.client()
        plausible = len(kpm_id) <= KPM_ID_MAX and "\x00" not in kpm_id
        row = graduation_one(client, kpm_id) if plausible else None
        if row is None:
            raise exceptions.NotFound()
        self.served(client)([row.kpm_id])
        return json_response(record_builder(client.fields)(row))


class GraduationExportView(AgencyFeedView):
    """What both exports share: the client and the filters it asked for."""

    def client_and_filters(self) -> tuple[ApiClient, FeedFilters]:
        client = self.client()
        query = FeedQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return client, query.filters()


class GraduationExportNdjsonView(GraduationExportView):
    @_export_schema(
        "application/x-ndjson",
        "Ekspor KPM graduasi sebagai NDJSON",
        "Satu catatan JSON per baris, bentuknya sama dengan catatan di daftar.",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        client, filters = self.client_and_filters()
        rows = graduation_stream(client, filters)
        body = ndjson_stream(rows, record_builder(client.fields), self.served(client))
        return _download(body, "application/x-ndjson", "ndjson")


class GraduationExportCsvView(GraduationExportView):
    @_export_schema(
        "text/csv",
        "Ekspor KPM graduasi sebagai CSV",
        "Baris judul berisi kolom yang diizinkan PKS, lalu satu baris per KPM (UTF-8; rujukan "
        "ditulis `program:status` dipisah `|`).",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        client, filters = self.client_and_filters()
        rows = graduation_csv_stream(client, filters)
        body = csv_stream(rows, list(client.fields), self.served(client))
        return _download(body, "text/csv; charset=utf-8", "csv")


def _download(body: Any, content_type: str, extension: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=content_type)
    name = f"graduasi-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
