"""The agencies' feed at its edge: the query it accepts (checked here, refused with Indonesian
messages) and, for the OpenAPI schema only, the shape of a record. Records themselves are built by
`graduasi.agency.records.record_builder`, never by a serializer: that is the hot path, and the one
place that decides which parts an agreement receives."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from graduasi.agency.pagination import MAX_PAGE_SIZE, PAGE_SIZE, cursor_decode
from graduasi.agency.pagination import aware_utc as parse_aware
from graduasi.agency.selectors import FeedFilters
from kpm.models import GraduationType
from pemberdayaan.models import ReferralStatus

REGION_CODE = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
DATE_ERRORS: dict[str, Any] = {
    "invalid": _("Tanggal tidak sah; tulis TTTT-BB-HH, mis. 2026-01-31.")
}


CHOICE_ERRORS: dict[str, Any] = {"invalid_choice": _("Pilihan tidak dikenal: {input}.")}


class FeedQuerySerializer(serializers.Serializer):
    """The filters of the list and the exports."""

    wilayah = serializers.RegexField(
        REGION_CODE,
        required=False,
        error_messages={
            "invalid": _(
                "Kode wilayah tidak sah; pakai kode Kemendagri bertitik: provinsi (35), "
                "kabupaten/kota (35.71), kecamatan (35.71.01) atau desa (35.71.01.1001)."
            )
        },
    )
    graduated_from = serializers.DateField(
        required=False, input_formats=["iso-8601"], error_messages=DATE_ERRORS
    )
    graduated_to = serializers.DateField(
        required=False, input_formats=["iso-8601"], error_messages=DATE_ERRORS
    )
    type = serializers.ChoiceField(
        GraduationType.choices, required=False, error_messages=CHOICE_ERRORS
    )
    referral_status = serializers.ChoiceField(
        ReferralStatus.choices, required=False, error_messages=CHOICE_ERRORS
    )
    updated_since = serializers.CharField(required=False, trim_whitespace=False)

    def validate_updated_since(self, value: str) -> Any:
        # A "+" left unencoded in a query string arrives as a space: read it as the "+" it was.
        text = value[:19] + value[19:].replace(" ", "+")
        try:
            return parse_aware(text)
        except ValueError:
            raise serializers.ValidationError(
                _(
                    "Waktu tidak sah; tulis waktu ISO 8601 dengan zona waktu, "
                    "mis. 2026-01-31T08:00:00+07:00."
                ),
                code="invalid",
            ) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("graduated_from"), attrs.get("graduated_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"graduated_to": _("Tanggal akhir tidak boleh sebelum tanggal awal.")},
                code="invalid",
            )
        return attrs

    def filters(self) -> FeedFilters:
        return FeedFilters(**self.validated_data)


class FeedPageQuerySerializer(FeedQuerySerializer):
    """The list's filters plus where to continue and how many rows."""

    cursor = serializers.CharField(required=False, trim_whitespace=False)
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=PAGE_SIZE,
        error_messages={
            "invalid": _("Ukuran halaman harus bilangan bulat."),
            "min_value": _("Ukuran halaman paling sedikit 1."),
            "max_value": _("Ukuran halaman paling banyak {max_value}."),
            "max_string_length": _("Ukuran halaman terlalu panjang."),
        },
    )

    def validate_cursor(self, value: str) -> Any:
        try:
            return cursor_decode(value)
        except ValueError:
            raise serializers.ValidationError(
                _("Kursor tidak sah; pakai nilai `next_cursor` dari halaman sebelumnya."),
                code="invalid",
            ) from None

    def filters(self) -> FeedFilters:
        data = {k: v for k, v in self.validated_data.items() if k not in ("cursor", "page_size")}
        return FeedFilters(**data)


# Schema only -----------------------------------------------------------------------------------

SHARED = "Hanya bila PKS mengizinkan "


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Kode Kemendagri bertitik.")
    name = serializers.CharField()


class RegionsSerializer(serializers.Serializer):
    provinsi = RegionSerializer()
    kabupaten = RegionSerializer(help_text="Kabupaten/kota.")
    kecamatan = RegionSerializer()
    desa = RegionSerializer(help_text="Desa/kelurahan.")


class HouseholdSerializer(serializers.Serializer):
    member_count = serializers.IntegerField(
        required=False, help_text=SHARED + "`jumlah_anggota`: anggota yang masih aktif."
    )
    pengurus_name = serializers.CharField(
        required=False, allow_null=True, help_text=SHARED + "`nama_pengurus`."
    )
    pengurus_nik = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=SHARED + "`nik` (lengkap) atau `nik_tersamar` (mis. `3571********0002`).",
    )


class LastTahapSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Tahun.")
    tahap = serializers.IntegerField(min_value=1, max_value=4, help_text="Tahap 1-4.")


class ReferralRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="ID rujukan, untuk melaporkan hasilnya.")
    programme = serializers.CharField(help_text="Kode program pemberdayaan.")
    agency = serializers.CharField(help_text="Lembaga pelaksana program.")
    status = serializers.ChoiceField(ReferralStatus.choices)
    status_changed_at = serializers.DateTimeField()


class GraduationRecordSerializer(serializers.Serializer):
    """Satu KPM graduasi, berisi hanya bagian yang diizinkan PKS klien. Bagian yang tidak
    diizinkan tidak ada sama sekali (bukan null)."""

    kpm_id = serializers.CharField()
    graduated_on = serializers.DateField(
        allow_null=True, help_text="Tanggal graduasi (null hanya pada data lama tanpa tanggal)."
    )
    graduation_type = serializers.ChoiceField(
        GraduationType.choices,
        allow_null=True,
        help_text="Jenis graduasi (null hanya pada data lama tanpa jenis).",
    )
    updated_at = serializers.DateTimeField(
        help_text="Terakhir berubah (apa pun yang dibagikan); dasar `updated_since`."
    )
    wilayah = RegionsSerializer()
    alamat = serializers.CharField(required=False, help_text=SHARED + "`alamat`.")
    household = HouseholdSerializer(
        required=False,
        help_text=(
            "Ada bila PKS mengizinkan salah satu dari jumlah anggota, nama atau NIK pengurus."
        ),
    )
    desil = serializers.IntegerField(
        required=False, allow_null=True, help_text=SHARED + "`desil`: desil DTSEN terakhir."
    )
    last_tahap_paid = LastTahapSerializer(
        required=False,
        allow_null=True,
        help_text=SHARED + "`tahap_terakhir`; null bila belum pernah dibayar.",
    )
    referrals = ReferralRecordSerializer(many=True, required=False, help_text=SHARED + "`rujukan`.")


class GraduationPageSerializer(serializers.Serializer):
    results = GraduationRecordSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="Alamat halaman berikutnya; null di halaman terakhir."
    )
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Nilai `cursor` halaman berikutnya; null di halaman terakhir."
    )
