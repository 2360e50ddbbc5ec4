"""Reads for the data-subject report (UU PDP No. 27/2022): the households a person belongs or
belonged to, and every access event that served one of them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from audit.models import AccessEvent, AuditEvent
from kpm.models import Anggota, Kpm
from pengguna.models import SharedField

# How an access event names KPM records: agency endpoints by public KPM ID (object type "kpm"),
# other reads by primary key under the model's label.
BY_KPM_ID, BY_PK = "kpm", "kpm.kpm"


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


def subject_access_events(households: list[SubjectKpm]) -> QuerySet[AccessEvent]:
    """Every access event that served one of these households (the GIN index on record_ids)."""
    return (
        AccessEvent.objects.filter(
            Q(object_type=BY_KPM_ID, record_ids__overlap=[k.kpm_id for k in households])
            | Q(object_type=BY_PK, record_ids__overlap=[str(k.pk) for k in households])
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
