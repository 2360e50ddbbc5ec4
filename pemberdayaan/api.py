"""POST /api/v1/referrals/{id}/outcome: an agency reports what became of a referral (accepted
or declined, a loan or grant paid out, a training completed), once per Idempotency-Key. The
work is pemberdayaan.services.outcomes.referral_outcome_record; this view only translates."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    ErrorSerializer,
    IsAgencyClient,
    ValidationErrorSerializer,
    agency_client,
    error_responses,
)
from config.errors import DomainError
from pemberdayaan.models import ReferralOutcome
from pemberdayaan.serializers import (
    OutcomeAnsweredSerializer,
    OutcomeDisbursedSerializer,
    OutcomeTrainedSerializer,
    ReferralOutcomeInputSerializer,
    ReferralOutcomeSerializer,
    request_hash,
)
from pemberdayaan.services.outcomes import referral_outcome_record

TAGS = ["rujukan-lembaga"]
KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 100


def idempotency_key(request: Request) -> str:
    """The request's Idempotency-Key: 1 to 100 printable ASCII characters."""
    raw = request.headers.get(KEY_HEADER)
    if raw is None or not raw.strip():
        raise DomainError(
            _("Sertakan header Idempotency-Key: satu kunci unik untuk setiap laporan."),
            code="idempotency_key_required",
        )
    key = raw.strip()
    if len(key) > KEY_MAX or not all(" " <= ch <= "~" for ch in key):
        raise DomainError(
            _("Idempotency-Key berisi 1 sampai 100 karakter ASCII yang dapat dicetak."),
            code="idempotency_key_invalid",
        )
    return key


KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "Kunci unik laporan ini (1-100 karakter ASCII yang dapat dicetak), mis. UUID. Laporan "
        "yang dikirim ulang dengan kunci dan isi yang sama tidak dicatat dua kali: jawabannya "
        "200 dengan isi yang sama dan header `Idempotent-Replayed: true`. Kunci yang sama "
        "dengan isi lain ditolak (422)."
    ),
    pattern=r"^[!-~]([ -~]{0,98}[!-~])?$",
)
REFERRAL_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="ID rujukan."
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["true"],
    description="`true`: laporan ini sudah dicatat sebelumnya; tidak ada yang diubah.",
)

RESPONSES = {
    201: OpenApiResponse(
        ReferralOutcomeSerializer, description="Hasil dicatat; status rujukan diubah."
    ),
    200: OpenApiResponse(
        ReferralOutcomeSerializer,
        description=(
            "Laporan ulang dengan Idempotency-Key dan isi yang sama: hasil yang dicatat pertama "
            "kali, persis sama, dengan header `Idempotent-Replayed: true`."
        ),
    ),
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description=(
            "Isian tidak sah (`invalid`, dengan `fields`), header Idempotency-Key tidak ada "
            "(`idempotency_key_required`) atau tidak sah (`idempotency_key_invalid`), badan "
            "bukan JSON (`parse_error`), atau hasil ini tidak mengikuti status rujukan "
            "(`outcome_not_allowed`, mis. `diterima` untuk rujukan yang sudah berjalan)."
        ),
    ),
    **error_responses(401, 403, 404),
    409: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Rujukan sudah ditutup (`referral_closed`): berstatus ditolak atau selesai, tidak "
            "ada hasil lain yang dapat dilaporkan."
        ),
    ),
    415: OpenApiResponse(ErrorSerializer, description="Badan permintaan harus `application/json`."),
    422: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Idempotency-Key ini sudah dipakai klien ini untuk laporan lain, dengan isi atau "
            "rujukan yang berbeda (`idempotency_key_reused`)."
        ),
    ),
}


class ReferralOutcomeView(APIView):
    """Hasil rujukan dari lembaga mitra, tercatat sekali per Idempotency-Key."""

    permission_classes = [IsAgencyClient]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referral_outcome_create",
        tags=TAGS,
        summary="Laporkan hasil rujukan",
        description=(
            "Lembaga mitra melaporkan hasil satu rujukan keluarga graduasi: diterima atau "
            "ditolak program, pinjaman atau bantuan dicairkan (dengan nilainya), atau pelatihan "
            "selesai (dengan tanggalnya). Hanya rujukan ke program yang disebut PKS klien, untuk "
            "KPM graduasi di wilayah PKS; rujukan lain dijawab 404, sama dengan yang tidak ada.\n\n"
            "Status rujukan berubah: `diterima` (dari dirujuk) → diterima; `ditolak` (dari "
            "dirujuk atau diterima) → ditolak; `dicairkan` (dari dirujuk, diterima atau "
            "berjalan) → selesai untuk bantuan hibah sekali cair, berjalan untuk pinjaman dan "
            "program lain; `pelatihan_selesai` (dari dirujuk, diterima atau berjalan) → "
            "selesai. Rujukan ditolak atau selesai sudah ditutup (409).\n\n"
            "Setiap laporan membawa header `Idempotency-Key` yang unik. Bila jawaban tidak "
            "sampai, kirim ulang dengan kunci dan isi yang sama: laporan tidak tercatat dua kali."
        ),
        parameters=[REFERRAL_PARAMETER, KEY_PARAMETER, REPLAYED_PARAMETER],
        request=PolymorphicProxySerializer(
            component_name="ReferralOutcomeInput",
            serializers={
                "diterima": OutcomeAnsweredSerializer,
                "ditolak": OutcomeAnsweredSerializer,
                "dicairkan": OutcomeDisbursedSerializer,
                "pelatihan_selesai": OutcomeTrainedSerializer,
            },
            resource_type_field_name="kind",
        ),
        responses=RESPONSES,
        examples=[
            OpenApiExample(
                "Pinjaman dicairkan",
                value={"kind": "dicairkan", "occurred_on": "2026-11-20", "amount": 3000000},
                request_only=True,
            ),
            OpenApiExample(
                "Pelatihan selesai",
                value={"kind": "pelatihan_selesai", "occurred_on": "2026-11-18"},
                request_only=True,
            ),
            OpenApiExample("Diterima", value={"kind": "diterima"}, request_only=True),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        key = idempotency_key(request)
        sent = ReferralOutcomeInputSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        data = sent.validated_data
        outcome, replayed = referral_outcome_record(
            client=agency_client(request),
            referral_id=pk,
            kind=data["kind"],
            occurred_on=data.get("occurred_on") or timezone.localdate(),
            amount=data.get("amount"),
            note=data.get("note", ""),
            idempotency_key=key,
            request_hash=request_hash(data),
        )
        shown = ReferralOutcome.objects.select_related("referral__programme").get(pk=outcome.pk)
        body = ReferralOutcomeSerializer(shown).data
        if replayed:
            return Response(body, status=status.HTTP_200_OK, headers={REPLAYED_HEADER: "true"})
        return Response(body, status=status.HTTP_201_CREATED)
