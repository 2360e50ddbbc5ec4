"""KPM over the staff API (/api/v1/kpm/): the household, its regions, its pendamping and its
current graduation assessment. A NIK or No KK is masked unless the serializer context says the
caller works with the full number (`full_nik`, as the HTML profile decides)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graduasi.models import AssessmentStatus, KpmAssessment
from graduasi.reasons import reason_sentence
from graduasi.serializers import PendampingRefSerializer
from kpm.models import Anggota, ExitReason, GraduationType, Kpm
from kpm.rules import mask_nik
from pemberdayaan.models import Referral

# Statuses in precedence order: the first that holds is the KPM's status (DESIGN §5).
STATUS_ORDER = [s.value for s in AssessmentStatus]


class NikField(serializers.CharField):
    """A NIK or No KK, masked unless the context allows the full number."""

    def to_representation(self, value: Any) -> str:
        text = str(value)
        return text if self.context.get("full_nik") else mask_nik(text)


class KpmRegionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Kode Kemendagri, mis. 35.71.")
    name = serializers.CharField(help_text="Nama wilayah.")


class KpmWilayahSerializer(serializers.Serializer):
    """The KPM's desa and the regions above it, each with code and name."""

    provinsi = KpmRegionSerializer(source="desa.kecamatan.kabupaten.provinsi")
    kabupaten = KpmRegionSerializer(source="desa.kecamatan.kabupaten")
    kecamatan = KpmRegionSerializer(source="desa.kecamatan")
    desa = KpmRegionSerializer()


class AssessmentReasonSerializer(serializers.Serializer):
    """One test of the assessment, with the values that decided it."""

    code = serializers.CharField(help_text="Kode alasan, mis. `no_component`.")
    holds = serializers.BooleanField(help_text="Apakah syarat ini terpenuhi.")
    status = serializers.ChoiceField(
        choices=AssessmentStatus.choices, help_text="Status yang didukung alasan ini."
    )
    values = serializers.DictField(help_text="Nilai yang menentukan (tanggal sebagai teks ISO).")
    text = serializers.SerializerMethodField(help_text="Alasan dalam kalimat, bahasa permintaan.")

    def get_text(self, reason: dict[str, Any]) -> str:
        return reason_sentence(reason)


class KpmAssessmentSerializer(serializers.ModelSerializer[KpmAssessment]):
    """The KPM's current graduation assessment (only active KPM are assessed)."""

    statuses = serializers.SerializerMethodField(
        help_text="Semua status yang terpenuhi, urut prioritas; `belum` bila tidak ada."
    )
    reasons = serializers.SerializerMethodField()
    as_of = serializers.SerializerMethodField(
        help_text="Tanggal penilaian yang menghasilkan asesmen ini."
    )

    class Meta:
        model = KpmAssessment
        fields = [
            "status", "statuses", "reasons", "as_of", "status_since", "component_count",
            "yearly_benefit", "per_tahap", "projected_graduation",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "Status pertama yang terpenuhi."},
            "yearly_benefit": {"help_text": "Bantuan per tahun (Rp)."},
            "per_tahap": {"help_text": "Bantuan per tahap (Rp)."},
            "projected_graduation": {
                "help_text": "Perkiraan tanggal graduasi alamiah; kosong bila tidak ada."
            },
        }

    def _reasons(self, assessment: KpmAssessment) -> list[dict[str, Any]]:
        stored = assessment.reasons if isinstance(assessment.reasons, list) else []
        return [r for r in stored if isinstance(r, dict)]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(AssessmentStatus.choices))
    )
    def get_statuses(self, assessment: KpmAssessment) -> list[str]:
        held = {r.get("status") for r in self._reasons(assessment) if r.get("holds") is True}
        return [s for s in STATUS_ORDER if s in held] or [AssessmentStatus.BELUM.value]

    @extend_schema_field(AssessmentReasonSerializer(many=True))
    def get_reasons(self, assessment: KpmAssessment) -> Any:
        reasons = [
            {**r, "values": r["values"] if isinstance(r.get("values"), dict) else {}}
            for r in self._reasons(assessment)
        ]
        return AssessmentReasonSerializer(reasons, many=True, context=self.context).data

    def get_as_of(self, assessment: KpmAssessment) -> date:
        run = assessment.run
        return run.as_of if run is not None else timezone.localdate(assessment.updated_at)


class KpmSerializer(serializers.ModelSerializer[Kpm]):
    """A KPM in the list: numbers masked, no members."""

    no_kk = NikField(help_text="No KK (disamarkan di daftar).")
    wilayah = KpmWilayahSerializer(source="*")
    pendamping = PendampingRefSerializer(read_only=True, allow_null=True)
    pengurus_name = serializers.CharField(
        source="pengurus_nama", allow_null=True, help_text="Nama pengurus."
    )
    pengurus_nik = NikField(allow_null=True, help_text="NIK pengurus.")
    member_count = serializers.IntegerField(help_text="Jumlah anggota aktif.")
    graduation_type = serializers.ChoiceField(
        choices=GraduationType.choices, allow_blank=True, read_only=True,
        help_text="Jenis graduasi; kosong bila belum graduasi.",
    )  # fmt: skip
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices, allow_blank=True, read_only=True,
        help_text="Alasan keluar bukan graduasi; kosong bila tidak keluar.",
    )  # fmt: skip
    assessment = serializers.SerializerMethodField(help_text="Asesmen graduasi terkini.")

    class Meta:
        model = Kpm
        fields = [
            "kpm_id", "status", "no_kk", "wilayah", "desil", "pkh_entry_date", "pendamping",
            "pengurus_name", "pengurus_nik", "member_count", "graduated_on", "graduation_type",
            "exited_on", "exit_reason", "assessment", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(KpmAssessmentSerializer(allow_null=True))
    def get_assessment(self, kpm: Kpm) -> Any:
        try:
            assessment = kpm.graduation_assessment
        except KpmAssessment.DoesNotExist:
            return None  # only active KPM are assessed
        return KpmAssessmentSerializer(assessment, context=self.context).data


class KpmMemberSerializer(serializers.ModelSerializer[Anggota]):
    nik = NikField(help_text="NIK (penuh hanya untuk petugas Dinsos).")

    class Meta:
        model = Anggota
        fields = [
            "nik", "nama", "hubungan", "jenis_kelamin", "tanggal_lahir", "is_pengurus", "status",
        ]  # fmt: skip
        read_only_fields = fields


class KpmProgrammeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Kode program.")
    name = serializers.CharField(help_text="Nama program.")
    agency = serializers.CharField(help_text="Lembaga pelaksana.")


class KpmReferralSerializer(serializers.ModelSerializer[Referral]):
    programme = KpmProgrammeSerializer()

    class Meta:
        model = Referral
        fields = ["id", "programme", "status", "status_changed_at"]
        read_only_fields = fields


class KpmDetailSerializer(KpmSerializer):
    """One KPM: the list's fields plus its members and referrals."""

    no_kk = NikField(help_text="No KK (penuh hanya untuk petugas Dinsos).")
    pengurus_nik = NikField(
        allow_null=True, help_text="NIK pengurus (penuh hanya untuk petugas Dinsos)."
    )
    members = KpmMemberSerializer(source="anggota", many=True)
    referrals = KpmReferralSerializer(many=True)

    class Meta(KpmSerializer.Meta):
        fields = [*KpmSerializer.Meta.fields, "members", "referrals"]
        read_only_fields = fields
