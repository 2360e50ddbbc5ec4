"""Monthly commitment verification: one KPM's members for one month, and the KPM's flag."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, audit_write, diff, field_values
from config.errors import ConflictError, Difference, DomainError
from graduasi.selectors import policy_on
from kpm.models import Anggota, Kpm, KpmStatus
from pendamping.models import CommitmentVerification, SubmissionKind
from pendamping.rules import (
    Commitment,
    CommitmentFact,
    attendance_in_range,
    commitment_compliant,
    edit_conflicts,
    kpm_noncompliant,
    month_start,
)
from pendamping.selectors import commitment_members, commitment_version, kpm_latest_verifications
from pendamping.services.submissions import submission_accepted, submission_record

AUDITED = ("kind", "attendance_pct", "checkup_done", "compliant")


@dataclass(frozen=True)
class CommitmentResult:
    """What one save changed: rows written (created or changed) and the KPM's flag after."""

    written: int
    noncompliant: bool


def commitment_record(
    *,
    kpm: Kpm,
    month: date,
    entries: Mapping[int, CommitmentFact],
    actor: Any,
    today: date | None = None,
    idempotency_key: uuid.UUID | None = None,
    base_versions: Mapping[int, str] | None = None,
) -> CommitmentResult:
    """Record the month's facts per member (anggota id -> fact; an empty fact is skipped),
    then set the KPM's non-compliance flag from its most recent recorded month.

    A replay of an accepted `idempotency_key` writes nothing. `base_versions` (anggota id ->
    the version the form was opened on) refuses, with a ConflictError, to overwrite a member's
    month that someone changed meanwhile."""
    month = month_start(month)
    if month > month_start(today or timezone.localdate()):
        raise DomainError(
            _("Bulan ini belum berjalan; pilih bulan ini atau sebelumnya."), code="future_month"
        )
    with transaction.atomic():
        locked = Kpm.objects.select_for_update().get(pk=kpm.pk)
        if idempotency_key is not None and submission_accepted(
            key=idempotency_key, kind=SubmissionKind.COMMITMENT, kpm_id=locked.pk, month=month
        ):
            return CommitmentResult(written=0, noncompliant=locked.noncompliant)
        if locked.status != KpmStatus.ACTIVE:
            raise DomainError(
                _("KPM ini tidak aktif; komitmen tidak dicatat lagi."), code="kpm_inactive"
            )
        min_pct = policy_on(month).min_school_attendance_pct
        owed = _owed_for(locked, month, entries)
        existing = {
            cv.anggota_id: cv
            for cv in CommitmentVerification.objects.select_for_update()
            .select_related("recorded_by")
            .filter(anggota_id__in=list(owed), month=month)
        }
        _refuse_conflicts(owed, existing, base_versions or {})
        events: list[AuditEvent] = []
        for anggota_id, (anggota, kind, fact) in owed.items():
            row = existing.get(anggota_id)
            event = _upsert(locked, anggota, kind, fact, month, row, actor, min_pct=min_pct)
            if event is not None:
                events.append(event)
        events += _flag_update(locked, actor)
        audit_write(events)
        written = sum(1 for e in events if e.object_type != "kpm.kpm")
        if idempotency_key is not None:
            submission_record(
                key=idempotency_key, kind=SubmissionKind.COMMITMENT, actor=actor,
                written=written, kpm_id=locked.pk, month=month,
            )  # fmt: skip
        return CommitmentResult(written=written, noncompliant=locked.noncompliant)


def _owed_for(
    kpm: Kpm, month: date, entries: Mapping[int, CommitmentFact]
) -> dict[int, tuple[Anggota, Commitment, CommitmentFact]]:
    """The entries to write, each checked against the member's commitment that month."""
    owed = {anggota.pk: (anggota, kind) for anggota, kind in commitment_members(kpm, month=month)}
    checked = {}
    for anggota_id, fact in entries.items():
        if anggota_id not in owed:
            known = Anggota.objects.filter(pk=anggota_id, kpm=kpm).exists()
            message = (
                _("Anggota ini tidak punya komitmen untuk diverifikasi pada bulan itu.")
                if known
                else _("Anggota ini bukan anggota KPM %(kpm)s.") % {"kpm": kpm.kpm_id}
            )
            raise DomainError(message, code="not_owed" if known else "not_member")
        anggota, kind = owed[anggota_id]
        if fact.is_empty:
            continue
        _check_fact(anggota, kind, fact)
        checked[anggota_id] = (anggota, kind, fact)
    return checked


def _facts_of(kind: Commitment, fact: CommitmentFact) -> tuple[int | None, bool | None]:
    """(attendance_pct, checkup_done) as a row of this kind would hold them."""
    if kind == Commitment.SCHOOL:
        return fact.attendance_pct, None
    return None, fact.checkup_done


def _shown(kind: Commitment, attendance_pct: int | None, checkup_done: bool | None) -> str:
    if kind == Commitment.SCHOOL:
        return "–" if attendance_pct is None else f"{attendance_pct}%"
    if checkup_done is None:
        return "–"
    return _("Sudah diperiksa") if checkup_done else _("Tidak diperiksa")


def _refuse_conflicts(
    owed: Mapping[int, tuple[Anggota, Commitment, CommitmentFact]],
    existing: Mapping[int, CommitmentVerification],
    base_versions: Mapping[int, str],
) -> None:
    """Raise a ConflictError naming every member whose month changed since the form was
    opened and would change again; `versions` then carries every member's current version."""
    differences = []
    for anggota_id, (anggota, kind, fact) in owed.items():
        row = existing.get(anggota_id)
        mine = _facts_of(kind, fact)
        now = (row.attendance_pct, row.checkup_done) if row else (None, None)
        if edit_conflicts(
            base=base_versions.get(anggota_id),
            current=commitment_version(row),
            same_as_current=row is not None and now == mine,
        ):
            server = _shown(kind, *now)
            if row is not None:
                server += " " + _("(dicatat %(by)s, %(at)s)") % {
                    "by": row.recorded_by.get_full_name() or row.recorded_by.get_username(),
                    "at": timezone.localtime(row.updated_at).strftime("%d-%m-%Y %H:%M"),
                }
            differences.append(Difference(anggota.nama, server, _shown(kind, *mine)))
    if differences:
        raise ConflictError(
            _(
                "Data komitmen di server berubah sejak formulir ini dibuka. Pilih data yang "
                "dipakai."
            ),
            differences=differences,
            versions={f"versi_{pk}": commitment_version(existing.get(pk)) for pk in owed},
        )


def _check_fact(anggota: Anggota, kind: Commitment, fact: CommitmentFact) -> None:
    if kind == Commitment.SCHOOL:
        pct = fact.attendance_pct
        if pct is None or not attendance_in_range(pct):
            raise DomainError(
                _("Kehadiran sekolah %(nama)s harus angka 0 sampai 100.") % {"nama": anggota.nama},
                code="attendance_range",
            )
    elif fact.checkup_done is None:
        raise DomainError(
            _("Isi apakah %(nama)s sudah diperiksa kesehatannya.") % {"nama": anggota.nama},
            code="checkup_missing",
        )


def _upsert(
    kpm: Kpm,
    anggota: Anggota,
    kind: Commitment,
    fact: CommitmentFact,
    month: date,
    row: CommitmentVerification | None,
    actor: Any,
    *,
    min_pct: int,
) -> AuditEvent | None:
    """Create or change one member's row; the audit event, or None when nothing changed."""
    school = kind == Commitment.SCHOOL
    values = {
        "kind": kind.value,
        "attendance_pct": fact.attendance_pct if school else None,
        "checkup_done": None if school else fact.checkup_done,
        "compliant": commitment_compliant(kind, fact, min_attendance_pct=min_pct),
    }
    if row is None:
        row = CommitmentVerification.objects.create(
            kpm=kpm, anggota=anggota, month=month, recorded_by=actor, **values
        )
        changes = {k: [None, v] for k, v in field_values(row, AUDITED).items()}
        changes["month"] = [None, month.isoformat()]
        return audit_event(actor=actor, action=AuditAction.CREATE, obj=row, changes=changes)
    before = field_values(row, AUDITED)
    changed = diff(before, values)
    if not changed:
        return None
    for name, value in values.items():
        setattr(row, name, value)
    row.recorded_by = actor
    row.save(update_fields=[*values, "recorded_by", "updated_at"])
    return audit_event(actor=actor, action=AuditAction.UPDATE, obj=row, changes=changed)


def _flag_update(kpm: Kpm, actor: Any) -> list[AuditEvent]:
    """Set Kpm.noncompliant from its most recent recorded month; audit when it changes."""
    flagged = kpm_noncompliant(kpm_latest_verifications(kpm.pk))
    if flagged == kpm.noncompliant:
        return []
    before = kpm.noncompliant
    kpm.noncompliant = flagged
    kpm.save(update_fields=["noncompliant", "updated_at"])
    return [
        audit_event(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=kpm,
            changes={"noncompliant": [before, flagged]},
        )
    ]
