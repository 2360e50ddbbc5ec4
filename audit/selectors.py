"""Reads for the data-subject report (UU PDP No. 27/2022): the households a person belongs or
belonged to, and every access event that served one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from audit.models import AccessEvent, AuditEvent
from kpm.models import Anggota, Kpm
from pengguna.models import SharedField

# How an access event names KPM records: agency endpoints by public KPM ID (object type "kpm"),
# other reads by primary key under the model's label.
BY_KPM_ID, BY_PK = "kpm", "kpm.kpm"
BY_MEMBER = "kpm.anggota"  # the data-subject report and export name the member's record


@dataclass(frozen=True)
class SubjectKpm:
    pk: int
    kpm_id: str
    current: bool


def subject_households(member: Anggota) -> list[SubjectKpm]:
    """The member's KPM now, and any KPM the audit trail shows they belonged to before."""
    past: set[int] = set()
    moves = AuditEvent.objects.filter(
        object_type="kpm.anggota", object_id=str(member.pk), changes__has_key="kpm_id"
    ).values_list("changes", flat=True)
    for changes in moves:
        past.update(int(v) for v in changes["kpm_id"] if v is not None)
    rows = Kpm.objects.filter(pk__in=past | {member.kpm_id}).values_list("pk", "kpm_id")
    return sorted(
        (SubjectKpm(pk, kpm_id, pk == member.kpm_id) for pk, kpm_id in rows),
        key=lambda k: (not k.current, k.kpm_id),
    )


def subject_access_events(
    households: list[SubjectKpm], *, member: Anggota | None = None
) -> QuerySet[AccessEvent]:
    """Every access event that served one of these households (the GIN index on record_ids);
    with `member`, also those that named the member's own record (earlier reports, exports)."""
    named = (
        Q(object_type=BY_MEMBER, record_ids__overlap=[str(member.pk)])
        if member is not None
        else Q(pk__in=[])
    )
    return (
        AccessEvent.objects.filter(
            Q(object_type=BY_KPM_ID, record_ids__overlap=[k.kpm_id for k in households])
            | Q(object_type=BY_PK, record_ids__overlap=[str(k.pk) for k in households])
            | named
        )
        .select_related("client")
        .order_by("-occurred_at", "-id")
    )


@dataclass(frozen=True)
class ReportRow:
    event: AccessEvent
    households: list[str]
    fields: list[str]


def report_rows(events: QuerySet[AccessEvent], households: list[SubjectKpm]) -> list[ReportRow]:
    by_id = {k.kpm_id: k.kpm_id for k in households} | {str(k.pk): k.kpm_id for k in households}
    labels = dict(SharedField.choices)
    return [
        ReportRow(
            event=event,
            households=sorted({by_id[r] for r in event.record_ids if r in by_id}),
            fields=[str(labels.get(f, f)) for f in (event.detail or {}).get("fields", [])],
        )
        for event in events
    ]


# The data subject's export ------------------------------------------------------------------

MEMBER_FIELDS = (
    "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "is_pengurus", "hamil",
    "perkiraan_lahir", "tanggal_persalinan", "jenjang_sekolah", "disabilitas_berat", "status",
    "status_changed_on", "created_at", "updated_at",
)  # fmt: skip
KPM_FIELDS = (
    "kpm_id", "no_kk", "alamat", "desil", "pkh_entry_date", "status", "graduated_on",
    "graduation_type", "exited_on", "exit_reason", "last_paid_year", "last_paid_tahap",
    "created_at", "updated_at",
)  # fmt: skip


def subject_export(
    member: Anggota, *, households: list[SubjectKpm], made_at: datetime
) -> dict[str, Any]:
    """Everything held about one person, for that person (UU PDP No. 27/2022): their member
    record, its recorded changes and correction requests, their household's facts, and every
    access event that named them or their household, with who received the data, when, why
    and under which agreement. Other members of the household are left out: they are other
    data subjects."""
    rows = report_rows(subject_access_events(households, member=member), households)
    changes = AuditEvent.objects.filter(object_type=BY_MEMBER, object_id=str(member.pk)).order_by(
        "occurred_at", "id"
    )
    return {
        "dibuat": made_at,
        "anggota": {name: getattr(member, name) for name in MEMBER_FIELDS},
        "kpm": _household_facts(member.kpm_id),
        "kpm_sebelumnya": [k.kpm_id for k in households if not k.current],
        "riwayat_perubahan": [
            {
                "waktu": e.occurred_at,
                "oleh": e.actor_label,
                "tindakan": e.action,
                "perubahan": e.changes,
            }
            for e in changes
        ],
        "permintaan_koreksi": [
            {
                "diajukan": c.requested_at,
                "data": c.field,
                "tercatat": c.value_now,
                "diminta": c.value_asked,
                "alasan": c.reason,
                "status": c.status,
                "diputuskan": c.decided_at,
                "catatan_keputusan": c.decision_note,
            }
            for c in member.correction_requests.order_by("requested_at", "id")
        ],
        "akses": [_access(row) for row in rows],
    }


def _household_facts(kpm_pk: int) -> dict[str, Any]:
    kpm = Kpm.objects.select_related(
        "desa__kecamatan__kabupaten__provinsi", "pendamping__user"
    ).get(pk=kpm_pk)
    desa = kpm.desa
    return {
        **{name: getattr(kpm, name) for name in KPM_FIELDS},
        "wilayah": {
            "provinsi": desa.kecamatan.kabupaten.provinsi.name,
            "kabupaten": desa.kecamatan.kabupaten.name,
            "kecamatan": desa.kecamatan.name,
            "desa": desa.name,
            "kode_desa": desa.code,
        },
        "pendamping": str(kpm.pendamping) if kpm.pendamping else None,
        "jumlah_anggota": Anggota.objects.filter(kpm_id=kpm.pk).count(),
        "riwayat_desil": [
            {"desil": d, "tanggal": on, "sumber": source}
            for d, on, source in kpm.desil_history.values_list("desil", "recorded_on", "source")
        ],
    }


def _access(row: ReportRow) -> dict[str, Any]:
    event, client = row.event, row.event.client
    return {
        "waktu": event.occurred_at,
        "penerima": client.name if client else event.actor_label,
        "lembaga": client.agency if client else None,
        "nomor_pks": (client.agreement_number if client else None)
        or (event.detail or {}).get("agreement"),
        "tujuan": event.purpose,
        "alamat": event.endpoint,
        "data_menurut_pks": row.fields,
        "jenis_data": event.object_type,
        "kpm": row.households,
    }
