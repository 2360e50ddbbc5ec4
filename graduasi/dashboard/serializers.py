"""The dashboard over the API: an area's numbers and the data behind its charts, the regions one
level down and the pendamping progress table. Read-only views of the selectors' values (from the
nightly summary tables), typed field by field so the OpenAPI schema documents every number."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graduasi.dashboard.areas import area_url
from graduasi.dashboard.selectors import Child, Dashboard, Numbers
from graduasi.dashboard.tables import bucket_label
from graduasi.models import PipelineRun, RegionLevel, RegionSummary


class CrumbSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Nama wilayah di atasnya.")
    url = serializers.CharField(help_text="Alamat dasbor wilayah itu.")


class AreaSerializer(serializers.Serializer):
    """The area a dashboard shows."""

    level = serializers.ChoiceField(choices=RegionLevel.choices, help_text="Tingkat wilayah.")
    code = serializers.CharField(
        help_text="Kode wilayah (kosong untuk nasional; untuk pendamping: kode kabupatennya)."
    )
    name = serializers.CharField(help_text="Nama wilayah atau pendamping.")
    pendamping_id = serializers.IntegerField(
        allow_null=True, help_text="ID pendamping, bila dasbor satu pendamping."
    )
    parents = CrumbSerializer(many=True, help_text="Wilayah di atasnya yang boleh Anda buka.")
    url = serializers.CharField(help_text="Alamat halaman dasbor ini.")


class RunSerializer(serializers.Serializer):
    """The nightly run the numbers come from."""

    run_id = serializers.IntegerField(source="pk", help_text="ID proses malam.")
    as_of = serializers.DateField(help_text="Keadaan data per tanggal ini.")
    finished_at = serializers.DateTimeField(allow_null=True, help_text="Waktu proses selesai.")
    url = serializers.SerializerMethodField(help_text="Alamat catatan proses malam.")

    def get_url(self, run: PipelineRun) -> str:
        return reverse("dasbor:run", args=[run.pk])


class ReferralCountsSerializer(serializers.Serializer):
    """Referrals by status, in the order a referral moves (pemberdayaan.ReferralStatus)."""

    dirujuk = serializers.IntegerField(help_text="Dirujuk, belum ditanggapi.")
    diterima = serializers.IntegerField(help_text="Diterima oleh program.")
    berjalan = serializers.IntegerField(help_text="Sedang berjalan.")
    ditolak = serializers.IntegerField(help_text="Ditolak oleh program.")
    selesai = serializers.IntegerField(help_text="Selesai.")


# RegionSummary's counts, as stored by the nightly roll-up (referrals are grouped below).
SUMMARY_FIELDS = [
    "active_kpm", "alamiah", "sejahtera", "tinjau", "belum", "candidates",
    "candidates_alamiah", "candidates_sejahtera", "pending", "awaiting",
    "awaiting_median_days", "awaiting_oldest_days", "approved", "graduated", "at_risk",
    "p2k2_members", "p2k2_attended", "visits_30d", "kpm_visited_30d", "yearly_benefit",
    "tahap_benefit", "pendamping_count", "pendamping_on_track", "target",
]  # fmt: skip


def _pct_field(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, read_only=True, help_text=help_text)


class NumbersSerializer(serializers.ModelSerializer[RegionSummary]):
    """An area's counts from the nightly summary, with the shares derived from them."""

    progress_pct = _pct_field("Graduasi disetujui tahun ini terhadap target (%).")
    on_track_pct = _pct_field("Pendamping yang sesuai jadwal (%).")
    p2k2_coverage_pct = _pct_field("KPM aktif yang hadir P2K2 dalam 90 hari (%).")
    p2k2_member_pct = _pct_field("KPM aktif dalam kelompok P2K2 (%).")
    visited_pct = _pct_field("KPM aktif yang dikunjungi dalam 30 hari (%).")
    returned = serializers.IntegerField(
        read_only=True, help_text="Usulan yang dikembalikan untuk perbaikan."
    )
    referrals = serializers.SerializerMethodField(help_text="Rujukan menurut status.")

    class Meta:
        model = RegionSummary
        fields = [
            *SUMMARY_FIELDS,
            "progress_pct", "on_track_pct", "p2k2_coverage_pct", "p2k2_member_pct",
            "visited_pct", "returned", "referrals",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ReferralCountsSerializer)
    def get_referrals(self, numbers: Numbers) -> dict[str, int]:
        return dict(numbers.referrals)


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12, help_text="Bulan (1-12).")
    alamiah = serializers.IntegerField(help_text="Graduasi alamiah disetujui.")
    sejahtera = serializers.IntegerField(help_text="Graduasi sejahtera disetujui.")
    mandiri = serializers.IntegerField(help_text="Graduasi mandiri disetujui.")
    exits = serializers.IntegerField(help_text="KPM keluar bukan karena graduasi.")


class HistogramBarSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text='Graduasi disetujui tahun ini: "0" sampai "10+".')
    pendamping = serializers.IntegerField(help_text="Jumlah pendamping.")


class TahapSerializer(serializers.Serializer):
    tahap = serializers.IntegerField(min_value=1, max_value=4, help_text="Tahap (1-4).")
    amount = serializers.IntegerField(
        allow_null=True, help_text="Bantuan tahap itu (Rp); null sebelum tercatat."
    )
    active_kpm = serializers.IntegerField(allow_null=True, help_text="KPM aktif saat dicatat.")
    recorded_on = serializers.DateField(allow_null=True, help_text="Tercatat per tanggal.")
    current = serializers.BooleanField(help_text="Tahap yang sedang berjalan.")


class ChartsSerializer(serializers.Serializer):
    """The data behind the dashboard's charts."""

    months = MonthSerializer(many=True, help_text="Dua belas bulan tahun ini.")
    progress_histogram = serializers.SerializerMethodField(
        help_text="Sebaran pendamping menurut capaian; null untuk kecamatan dan pendamping."
    )
    tahaps = TahapSerializer(many=True, help_text="Empat tahap tahun ini.")

    @extend_schema_field(HistogramBarSerializer(many=True, allow_null=True))
    def get_progress_histogram(self, data: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        if data["histogram"] is None:
            return None
        return [
            {"bucket": bucket_label(b), "pendamping": count}
            for b, count in enumerate(data["histogram"])
        ]


class ChildSerializer(serializers.Serializer):
    """One region one level down."""

    code = serializers.CharField(help_text="Kode wilayah.")
    name = serializers.CharField(help_text="Nama wilayah.")
    url = serializers.CharField(help_text="Alamat dasbor wilayah itu.")
    numbers = NumbersSerializer()


def dashboard_payload(dash: Dashboard, children: list[Child]) -> dict[str, Any]:
    """What DashboardSerializer reads: the dashboard's parts and the regions below it."""
    parts = {f.name: getattr(dash, f.name) for f in dataclasses.fields(dash)}
    return {**parts, "children": children}


class DashboardSerializer(serializers.Serializer):
    """One dashboard: the area, the nightly run it is as of, its numbers, the data behind its
    charts and the regions one level down."""

    area = AreaSerializer()
    year = serializers.IntegerField(help_text="Tahun yang dihitung.")
    as_of = RunSerializer(
        source="run", allow_null=True, help_text="Proses malam terakhir; null bila belum ada."
    )
    numbers = NumbersSerializer(
        allow_null=True, help_text="Null bila proses malam belum menghitung wilayah ini."
    )
    charts = ChartsSerializer(source="*")
    children = ChildSerializer(
        many=True, help_text="Wilayah satu tingkat di bawah; kosong untuk kecamatan/pendamping."
    )


class PendampingRowSerializer(serializers.Serializer):
    """One row of the pendamping progress table (names a person: each read is logged)."""

    pendamping_id = serializers.IntegerField(help_text="ID pendamping.")
    username = serializers.CharField(source="pendamping.user.username", help_text="Nama pengguna.")
    name = serializers.SerializerMethodField(help_text="Nama pendamping.")
    kabupaten_code = serializers.CharField(source="region_code", help_text="Kode kabupaten.")
    active_kpm = serializers.IntegerField(help_text="KPM aktif dampingan.")
    approved = serializers.IntegerField(help_text="Graduasi disetujui tahun ini.")
    target = serializers.IntegerField(allow_null=True, help_text="Target graduasi tahun ini.")
    progress_pct = serializers.SerializerMethodField(help_text="Capaian target (%).")
    on_track = serializers.SerializerMethodField(help_text="Sesuai jadwal menuju target.")
    candidates = serializers.IntegerField(help_text="Calon tanpa usulan.")
    awaiting = serializers.IntegerField(help_text="Usulan menunggu keputusan.")
    at_risk = serializers.IntegerField(help_text="KPM graduasi berisiko kembali miskin.")
    visited_pct = serializers.SerializerMethodField(help_text="KPM dikunjungi 30 hari (%).")
    url = serializers.SerializerMethodField(help_text="Alamat dasbor pendamping ini.")

    def get_name(self, row: RegionSummary) -> str:
        return str(row.pendamping)

    def get_progress_pct(self, row: RegionSummary) -> float | None:
        return Numbers(row).progress_pct

    def get_on_track(self, row: RegionSummary) -> bool:
        return bool(row.pendamping_on_track)

    def get_visited_pct(self, row: RegionSummary) -> float | None:
        return Numbers(row).visited_pct

    def get_url(self, row: RegionSummary) -> str:
        return area_url(RegionLevel.PENDAMPING, row.region_code, row.pendamping_id)
