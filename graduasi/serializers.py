"""Graduation proposals over the API: what is shown (never a NIK) and what a caller sends."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import VisibleSlugField
from graduasi.models import Proposal
from kpm.models import GraduationType, Kpm
from pemberdayaan.models import Programme
from pendamping.models import EconomicAssessment, Pendamping


class PendampingRefSerializer(serializers.ModelSerializer[Pendamping]):
    name = serializers.SerializerMethodField(help_text="Nama pendamping.")

    class Meta:
        model = Pendamping
        fields = ["id", "name"]

    def get_name(self, pendamping: Pendamping) -> str:
        return str(pendamping)


class EconomicAssessmentRefSerializer(serializers.ModelSerializer[EconomicAssessment]):
    income_per_member = serializers.IntegerField(
        read_only=True, help_text="Pendapatan rumah tangga per anggota per bulan (Rp)."
    )

    class Meta:
        model = EconomicAssessment
        fields = ["assessed_on", "income_per_member"]


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    """A proposal as the caller's role sees it in their scope."""

    kpm_id = serializers.CharField(source="kpm.kpm_id", read_only=True, help_text="ID KPM.")
    pendamping = PendampingRefSerializer(read_only=True)
    decided_by = serializers.SerializerMethodField(help_text="Nama petugas yang memutuskan.")
    has_statement = serializers.SerializerMethodField(
        help_text="Surat pernyataan bertanda tangan sudah dilampirkan."
    )
    economic_assessment = EconomicAssessmentRefSerializer(
        read_only=True, allow_null=True, help_text="Asesmen ekonomi pendukung (sejahtera)."
    )
    referral_programmes: serializers.SlugRelatedField[Programme] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="Kode program rujukan."
    )

    class Meta:
        model = Proposal
        fields = [
            "id", "kpm_id", "type", "status", "justification", "pendamping", "created_at",
            "submitted_at", "decided_at", "decided_by", "decision_note", "has_statement",
            "economic_assessment", "referral_programmes", "referral_consent_on",
        ]  # fmt: skip
        read_only_fields = fields

    def get_decided_by(self, proposal: Proposal) -> str | None:
        user = proposal.decided_by
        return None if user is None else user.get_full_name() or user.get_username()

    def get_has_statement(self, proposal: Proposal) -> bool:
        return bool(proposal.signed_statement)


class ProposalChangeSerializer(serializers.Serializer):
    """What a pendamping writes on a draft or returned proposal."""

    type = serializers.ChoiceField(choices=GraduationType.choices)
    justification = serializers.CharField(allow_blank=True, required=False, default="")
    programmes = serializers.SlugRelatedField(
        many=True,
        required=False,
        slug_field="code",
        queryset=Programme.objects.all(),
        help_text="Kode program pemberdayaan yang disetujui keluarga.",
        error_messages={"does_not_exist": _("Tidak ada program dengan kode {value}.")},
    )
    consent_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Tanggal keluarga menyetujui rujukan; wajib bila ada program.",
    )


class ProposalDraftSerializer(ProposalChangeSerializer):
    """A new proposal for one of the pendamping's own KPM."""

    kpm_id = VisibleSlugField(
        slug_field="kpm_id",
        queryset=Kpm.objects.all(),
        help_text="ID KPM.",
        error_messages={"does_not_exist": _("Tidak ada KPM dengan ID {value}.")},
    )


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Alasan penolakan (wajib).")


class ReturnSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="Apa yang perlu diperbaiki (wajib).")


class StatementSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPG atau PNG; paling besar 5 MB.")
