"""Referral outcomes over the API: what an agency sends, and the outcome it gets back."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pemberdayaan.models import OutcomeKind, ReferralOutcome, ReferralStatus

# A sanity cap on one reported amount, far above any PKH-related grant or micro-loan (KUR
# mikro tops out at Rp100 juta): Rp10 miliar. A bigger number is a typing mistake.
AMOUNT_MAX = 10_000_000_000
NOTE_MAX = 1000
# Outcomes that need the day they happened (issue 7 §3: "training completed, with its date").
DATED_KINDS = frozenset({OutcomeKind.DISBURSED, OutcomeKind.TRAINED})


class ReferralOutcomeInputSerializer(serializers.Serializer):
    """The body of `POST /api/v1/referrals/{id}/outcome`."""

    kind = serializers.ChoiceField(
        OutcomeKind.choices,
        help_text=(
            "Hasil: `diterima` (diterima program), `ditolak` (ditolak / batal ikut), "
            "`dicairkan` (pinjaman atau bantuan dicairkan, dengan `amount`), "
            "`pelatihan_selesai` (pelatihan selesai, dengan `occurred_on`)."
        ),
        error_messages={
            "required": _("Pilih hasil rujukan."),
            "invalid_choice": _("Hasil {input} tidak dikenal."),
        },
    )
    occurred_on = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text=(
            "Tanggal kejadian (YYYY-MM-DD), tidak di masa depan. Wajib untuk `dicairkan` dan "
            "`pelatihan_selesai`; bila kosong untuk hasil lain: hari ini (WIB)."
        ),
        error_messages={"invalid": _("Tulis tanggal sebagai YYYY-MM-DD.")},
    )
    amount = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=AMOUNT_MAX,
        help_text="Nilai yang dicairkan, rupiah (bilangan bulat > 0); hanya untuk `dicairkan`.",
        error_messages={
            "invalid": _("Tulis nilai sebagai bilangan bulat rupiah."),
            "min_value": _("Nilai harus lebih dari nol."),
            "max_value": _("Nilai paling banyak Rp{max_value}."),
        },
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX,
        help_text="Catatan lembaga, paling banyak 1.000 karakter.",
        error_messages={"max_length": _("Catatan paling banyak {max_length} karakter.")},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, amount, day = attrs["kind"], attrs.get("amount"), attrs.get("occurred_on")
        problems: dict[str, str] = {}
        if kind == OutcomeKind.DISBURSED and amount is None:
            problems["amount"] = str(_("Isi nilai yang dicairkan (rupiah)."))
        if kind != OutcomeKind.DISBURSED and amount is not None:
            problems["amount"] = str(_("Nilai hanya diisi untuk hasil dicairkan."))
        if kind in DATED_KINDS and day is None:
            problems["occurred_on"] = str(_("Isi tanggal kejadian untuk hasil ini."))
        if day is not None and day > timezone.localdate():
            problems["occurred_on"] = str(_("Tanggal tidak boleh di masa depan."))
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


# The same body, one shape per kind, for the schema only (the view validates with the serializer
# above): what each kind requires and refuses is then visible to clients and to the fuzzer.
class _OutcomeShapeSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX, help_text="Catatan lembaga."
    )


class OutcomeAnsweredSerializer(_OutcomeShapeSerializer):
    """Diterima atau ditolak program; tanpa nilai."""

    kind = serializers.ChoiceField([("diterima", "diterima"), ("ditolak", "ditolak")])
    occurred_on = serializers.DateField(
        required=False, help_text="Tanggal kejadian, tidak di masa depan; bawaan: hari ini (WIB)."
    )


class OutcomeDisbursedSerializer(_OutcomeShapeSerializer):
    """Pinjaman atau bantuan dicairkan, dengan tanggal dan nilainya."""

    kind = serializers.ChoiceField([("dicairkan", "dicairkan")])
    occurred_on = serializers.DateField(help_text="Tanggal cair, tidak di masa depan.")
    amount = serializers.IntegerField(
        min_value=1, max_value=AMOUNT_MAX, help_text="Nilai yang dicairkan (rupiah)."
    )


class OutcomeTrainedSerializer(_OutcomeShapeSerializer):
    """Pelatihan selesai, dengan tanggalnya; tanpa nilai."""

    kind = serializers.ChoiceField([("pelatihan_selesai", "pelatihan_selesai")])
    occurred_on = serializers.DateField(help_text="Tanggal pelatihan selesai, tidak di masa depan.")


def request_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the validated body, written canonically, before any default is filled in: a
    report resent the next day without a date is the same report."""
    canonical = {
        "kind": str(data["kind"]),
        "occurred_on": data["occurred_on"].isoformat() if data.get("occurred_on") else None,
        "amount": data.get("amount"),
        "note": (data.get("note") or "").strip(),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


class OutcomeReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="referral_id", help_text="ID rujukan.")
    programme = serializers.CharField(
        source="referral.programme.code", help_text="Kode program rujukan, mis. `pnm-mekaar`."
    )
    status = serializers.ChoiceField(
        source="status_after",
        choices=ReferralStatus.choices,
        help_text="Status rujukan setelah hasil ini dicatat.",
    )


class ReferralOutcomeSerializer(serializers.ModelSerializer[ReferralOutcome]):
    """An outcome as recorded; a replay answers with the very same body."""

    referral = OutcomeReferralSerializer(source="*", read_only=True)

    class Meta:
        model = ReferralOutcome
        fields = ["id", "referral", "kind", "occurred_on", "amount", "note", "created_at"]
        read_only_fields = fields
