"""/api/v1/proposals/: graduation proposals in the caller's scope. The pendamping drafts, attaches
the statement, submits and withdraws; a Dinsos officer approves, rejects or returns. Every write
goes through graduasi.services.proposals; an officer deciding second gets a 409."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from config.api import (
    IsDinsos,
    IsPendamping,
    Pagination,
    ReadsCases,
    ScopedViewSetMixin,
    error_responses,
)
from graduasi.models import GraduationType, Proposal, ProposalStatus
from graduasi.serializers import (
    ApproveSerializer,
    ProposalChangeSerializer,
    ProposalDraftSerializer,
    ProposalSerializer,
    RejectSerializer,
    ReturnSerializer,
    StatementSerializer,
)
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_reject,
    proposal_return,
    proposal_submit,
    proposal_update,
    proposal_withdraw,
)

TAGS = ["usulan"]


def proposals_for_api() -> QuerySet[Proposal]:
    """Proposals with what the serializer shows, oldest submission first (drafts last)."""
    return (
        Proposal.objects.select_related(
            "kpm", "pendamping__user", "decided_by", "economic_assessment"
        )
        .prefetch_related("referral_programmes")
        .order_by(F("submitted_at").asc(nulls_last=True), "id")
    )


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)
    type = django_filters.ChoiceFilter(choices=GraduationType.choices)
    kecamatan = django_filters.CharFilter(
        field_name="kpm__kecamatan_code", help_text="Kode kecamatan KPM, mis. 35.71.01."
    )
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", help_text="Diajukan sejak tanggal ini."
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", help_text="Diajukan sampai tanggal ini."
    )

    class Meta:
        model = Proposal
        fields = ["status", "type", "kecamatan", "submitted_from", "submitted_to"]


def _operation(
    operation_id: str,
    *,
    request: Any = None,
    ok: int = 200,
    errors: tuple[int, ...] = (400, 401, 403, 404),
    **extra: Any,
) -> Any:
    return extend_schema(
        operation_id=operation_id,
        tags=TAGS,
        request=request,
        responses={ok: ProposalSerializer, **error_responses(*errors)},
        **extra,
    )


@extend_schema_view(
    list=extend_schema(
        operation_id="proposals_list",
        tags=TAGS,
        summary="Usulan graduasi dalam wilayah Anda",
        description=(
            "Pendamping: usulan KPM dampingannya; Dinsos: kabupaten/kotanya; Kementerian: "
            "wilayah tugasnya. Urut dari yang paling lama diajukan; draf di akhir."
        ),
        responses={200: ProposalSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        operation_id="proposals_retrieve",
        tags=TAGS,
        summary="Satu usulan graduasi",
        description="Pendamping, Dinsos dan Kementerian, dalam wilayah masing-masing.",
        responses={200: ProposalSerializer, **error_responses(401, 403, 404)},
    ),
)
class ProposalViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Usulan graduasi dalam wilayah pemanggil; di luar wilayah dijawab 404."""

    queryset = proposals_for_api()
    serializer_class = ProposalSerializer
    permission_classes = [ReadsCases]
    filterset_class = ProposalFilter
    pagination_class = Pagination
    parser_classes = [JSONParser]

    def get_permissions(self) -> Sequence[Any]:
        if self.action in ("create", "update"):
            return [IsPendamping()]
        return super().get_permissions()

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _shown(self, proposal: Proposal, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = proposals_for_api().get(pk=proposal.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    # Pendamping ------------------------------------------------------------------------------

    @_operation(
        "proposals_create",
        request=ProposalDraftSerializer,
        ok=201,
        errors=(400, 401, 403),
        summary="Buat draf usulan untuk KPM dampingan sendiri",
        description=(
            "Hanya pendamping KPM itu. Jenis `alamiah`/`sejahtera` harus didukung asesmen; "
            "program rujukan memerlukan `consent_on`."
        ),
    )
    def create(self, request: Request) -> Response:
        data = self._input(ProposalDraftSerializer)
        proposal = proposal_draft(
            kpm=data["kpm_id"], actor=request.user, type=data["type"],
            justification=data["justification"], programmes=data.get("programmes", []),
            consent_on=data["consent_on"],
        )  # fmt: skip
        response = self._shown(proposal, code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:proposal-detail", args=[proposal.pk], request=request)
        return response

    @_operation(
        "proposals_update",
        request=ProposalChangeSerializer,
        summary="Perbaiki draf atau usulan yang dikembalikan",
        description="Hanya pendamping pengusul; usulan berstatus `draf` atau `dikembalikan`.",
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        data = self._input(ProposalChangeSerializer)
        proposal = proposal_update(
            proposal=proposal, actor=request.user, type=data["type"],
            justification=data["justification"], programmes=data.get("programmes", []),
            consent_on=data["consent_on"],
        )  # fmt: skip
        return self._shown(proposal)

    @_operation(
        "proposals_statement",
        request={"multipart/form-data": StatementSerializer},
        summary="Lampirkan surat pernyataan bertanda tangan (mandiri)",
        description="Hanya pendamping pengusul. Isi berkas diperiksa (PDF, JPG, PNG; maks. 5 MB).",
    )
    @action(
        detail=True, methods=["post"], permission_classes=[IsPendamping],
        parser_classes=[MultiPartParser],
    )  # fmt: skip
    def statement(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        data = self._input(StatementSerializer)
        proposal = proposal_attach_statement(
            proposal=proposal, actor=request.user, file=data["file"]
        )
        return self._shown(proposal)

    @_operation(
        "proposals_submit",
        summary="Ajukan usulan ke Dinas Sosial",
        description=(
            "Hanya pendamping pengusul. Mandiri memerlukan surat pernyataan "
            "(`statement_missing`); sejahtera memerlukan asesmen ekonomi yang baru "
            "(`assessment_stale`)."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPendamping])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._shown(proposal_submit(proposal=self.get_object(), actor=request.user))

    @_operation(
        "proposals_withdraw",
        summary="Tarik usulan yang belum diputuskan",
        description="Hanya pendamping pengusul; usulan yang sudah diputuskan: `not_open`.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPendamping])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._shown(proposal_withdraw(proposal=self.get_object(), actor=request.user))

    # Dinsos ----------------------------------------------------------------------------------

    @_operation(
        "proposals_approve",
        request=ApproveSerializer,
        errors=(400, 401, 403, 404, 409),
        summary="Setujui usulan: KPM graduasi",
        description=(
            "Petugas Dinsos kabupaten/kota KPM, bukan pengusul (`four_eyes`). Bila petugas "
            "lain sudah memutuskan lebih dulu: 409 `conflict`."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsDinsos])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        data = self._input(ApproveSerializer)
        return self._shown(proposal_approve(proposal=proposal, officer=request.user, **data))

    @_operation(
        "proposals_reject",
        request=RejectSerializer,
        errors=(400, 401, 403, 404, 409),
        summary="Tolak usulan, dengan alasan",
        description="Petugas Dinsos; alasan kosong: `reason_required`. Sudah diputuskan: 409.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsDinsos])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        data = self._input(RejectSerializer)
        return self._shown(proposal_reject(proposal=proposal, officer=request.user, **data))

    @_operation(
        "proposals_return",
        request=ReturnSerializer,
        errors=(400, 401, 403, 404, 409),
        summary="Kembalikan usulan ke pendamping untuk diperbaiki",
        description="Petugas Dinsos; catatan kosong: `note_required`. Sudah diputuskan: 409.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsDinsos], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        data = self._input(ReturnSerializer)
        return self._shown(proposal_return(proposal=proposal, officer=request.user, **data))
