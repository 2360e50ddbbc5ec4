"""P2K2 groups, meetings and roll-calls. Each use case is one transaction with its audit rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, audit_record, audit_write
from config.errors import ConflictError, Difference, DomainError
from kpm.models import Kpm
from pendamping.models import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
    Pendamping,
    SubmissionKind,
)
from pendamping.rules import edit_conflicts
from pendamping.selectors import p2k2_caseload, p2k2_caseload_desa, roll_version
from pendamping.services.submissions import submission_accepted, submission_record
from wilayah.models import Desa


def _kpm_list(ids: Iterable[int]) -> str:
    """KPM ids as the pendamping knows them, for a message."""
    return ", ".join(
        Kpm.objects.filter(pk__in=list(ids)).order_by("kpm_id").values_list("kpm_id", flat=True)
    )


def _check_new_members(pendamping: Pendamping, desa_code: str, ids: set[int]) -> None:
    """Members added to a group must be the pendamping's own active KPM in the group's desa."""
    if not ids:
        return
    found = dict(p2k2_caseload(pendamping).filter(pk__in=ids).values_list("pk", "desa_id"))
    outside = ids - set(found)
    if outside:
        raise DomainError(
            _("KPM %(kpm)s bukan KPM aktif dampingan Anda.") % {"kpm": _kpm_list(outside)},
            code="not_in_caseload",
        )
    elsewhere = {pk for pk, desa in found.items() if desa != desa_code}
    if elsewhere:
        raise DomainError(
            _("KPM %(kpm)s tinggal di desa lain; kelompok ini untuk satu desa.")
            % {"kpm": _kpm_list(elsewhere)},
            code="other_desa",
        )


def _member_labels(ids: Iterable[int]) -> list[str]:
    return sorted(Kpm.objects.filter(pk__in=list(ids)).values_list("kpm_id", flat=True))


def p2k2_group_create(
    *, pendamping: Pendamping, name: str, desa: Desa, members: Iterable[Kpm], actor: Any
) -> P2k2Group:
    """Start a P2K2 group of one desa from the pendamping's own caseload."""
    name = name.strip()
    ids = {kpm.pk for kpm in members}
    if not name:
        raise DomainError(_("Isi nama kelompok."), code="name_missing")
    if not pendamping.is_active:
        raise DomainError(_("Pendamping ini tidak aktif."), code="pendamping_inactive")
    if not p2k2_caseload_desa(pendamping).filter(pk=desa.pk).exists():
        raise DomainError(
            _("Tidak ada KPM aktif dampingan Anda di desa ini."), code="desa_outside_caseload"
        )
    _check_new_members(pendamping, desa.pk, ids)
    try:
        with transaction.atomic():
            group = P2k2Group.objects.create(pendamping=pendamping, name=name, desa=desa)
            group.members.set(ids)
            after = {
                "name": name,
                "desa_id": desa.pk,
                "pendamping_id": pendamping.pk,
                "members": _member_labels(ids),
            }
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=group,
                changes={k: [None, v] for k, v in after.items()},
            )
    except IntegrityError as exc:  # the (pendamping, name) constraint
        raise DomainError(
            _("Anda sudah punya kelompok bernama %(name)s; pakai nama lain.") % {"name": name},
            code="name_taken",
        ) from exc
    return group


def p2k2_group_set_members(*, group: P2k2Group, members: Iterable[Kpm], actor: Any) -> P2k2Group:
    """Replace the group's members; anyone added must be eligible, anyone may be removed."""
    with transaction.atomic():
        locked = P2k2Group.objects.select_for_update().select_related("pendamping").get(pk=group.pk)
        before = set(locked.members.values_list("pk", flat=True))
        after = {kpm.pk for kpm in members}
        _check_new_members(locked.pendamping, locked.desa_id, after - before)
        if after == before:
            return locked
        locked.members.set(after)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            changes={"members": [_member_labels(before), _member_labels(after)]},
        )
        return locked


def p2k2_meeting_plan(
    *, group: P2k2Group, session: P2k2Session, scheduled_on: date, actor: Any
) -> P2k2Meeting:
    """Plan a group's meeting on one catalogue session."""
    with transaction.atomic():
        locked = P2k2Group.objects.select_for_update().get(pk=group.pk)
        if not locked.is_active:
            raise DomainError(_("Kelompok ini tidak aktif."), code="group_inactive")
        meeting = P2k2Meeting.objects.create(
            group=locked, session=session, scheduled_on=scheduled_on
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=meeting,
            changes={
                "group_id": [None, locked.pk],
                "session_id": [None, session.pk],
                "scheduled_on": [None, scheduled_on.isoformat()],
                "status": [None, meeting.status],
            },
        )
        return meeting


def p2k2_meeting_hold(
    *,
    meeting: P2k2Meeting,
    held_on: date,
    attendance: Mapping[int, str],
    actor: Any,
    today: date | None = None,
    idempotency_key: uuid.UUID | None = None,
    base_version: str | None = None,
) -> P2k2Meeting:
    """Record the roll-call (kpm pk -> hadir/izin/tidak_hadir) and mark the meeting held; a
    held meeting's roll-call may be corrected the same way.

    A replay of an accepted `idempotency_key` writes nothing; a roll-call opened on
    `base_version` that someone changed meanwhile is refused with a ConflictError."""
    if held_on > (today or timezone.localdate()):
        raise DomainError(
            _("Tanggal pelaksanaan belum terjadi; isi tanggal hari ini atau sebelumnya."),
            code="future_date",
        )
    unknown = sorted({s for s in attendance.values() if s not in AttendanceStatus.values})
    if unknown:
        raise DomainError(
            _("Status kehadiran tidak dikenal: %(s)s.") % {"s": ", ".join(unknown)},
            code="unknown_status",
        )
    with transaction.atomic():
        locked = P2k2Meeting.objects.select_for_update().get(pk=meeting.pk)
        if idempotency_key is not None and submission_accepted(
            key=idempotency_key, kind=SubmissionKind.ROLL_CALL, meeting_id=locked.pk
        ):
            return locked
        if locked.status == MeetingStatus.CANCELLED:
            raise DomainError(_("Pertemuan ini sudah dibatalkan."), code="meeting_cancelled")
        existing = {row.kpm_id: row for row in locked.attendance.select_for_update()}
        _refuse_roll_conflict(locked, held_on, attendance, existing, base_version)
        _check_roll(locked, set(attendance), set(existing))
        events = _attendance_upsert(locked, attendance, existing, actor)
        before = {"status": locked.status, "scheduled_on": locked.scheduled_on.isoformat()}
        locked.status, locked.scheduled_on = MeetingStatus.HELD, held_on
        after = {"status": locked.status, "scheduled_on": held_on.isoformat()}
        if before != after:
            locked.save(update_fields=["status", "scheduled_on"])
            changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            events.append(
                audit_event(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
            )
        audit_write(events)
        if idempotency_key is not None:
            submission_record(
                key=idempotency_key, kind=SubmissionKind.ROLL_CALL, actor=actor,
                written=len(events), meeting_id=locked.pk,
            )  # fmt: skip
        return locked


def _status_label(status: str | None) -> str:
    return str(AttendanceStatus(status).label) if status else "–"


def _refuse_roll_conflict(
    meeting: P2k2Meeting,
    held_on: date,
    attendance: Mapping[int, str],
    existing: Mapping[int, P2k2Attendance],
    base_version: str | None,
) -> None:
    """Raise a ConflictError when the roll-call changed since the form was opened (held or
    corrected elsewhere) and this one would change it again, naming each line that differs."""
    recorded = {kpm_id: row.status for kpm_id, row in existing.items()}
    current = roll_version(meeting.status, meeting.scheduled_on, recorded)
    held_same_day = meeting.status == MeetingStatus.HELD and meeting.scheduled_on == held_on
    same = held_same_day and all(recorded.get(k) == s for k, s in attendance.items())
    if not edit_conflicts(base=base_version, current=current, same_as_current=same):
        return
    differences = []
    if meeting.scheduled_on != held_on or meeting.status != MeetingStatus.HELD:
        differences.append(
            Difference(
                _("Tanggal dan status"),
                f"{meeting.scheduled_on:%d-%m-%Y}, {meeting.get_status_display()}",
                f"{held_on:%d-%m-%Y}, {MeetingStatus.HELD.label}",
            )
        )
    names = dict(Kpm.objects.filter(pk__in=list(attendance)).values_list("pk", "kpm_id"))
    for kpm_id in sorted(attendance, key=lambda pk: names.get(pk, "")):
        if recorded.get(kpm_id) != attendance[kpm_id]:
            differences.append(
                Difference(
                    names.get(kpm_id, str(kpm_id)),
                    _status_label(recorded.get(kpm_id)),
                    _status_label(attendance[kpm_id]),
                )
            )
    raise ConflictError(
        _("Daftar hadir di server berubah sejak formulir ini dibuka. Pilih data yang dipakai."),
        differences=differences,
        versions={"versi": current},
    )


def _check_roll(meeting: P2k2Meeting, given: set[int], recorded: set[int]) -> None:
    """Every current member is on the roll; anyone else must already be recorded there."""
    members = set(meeting.group.members.values_list("pk", flat=True))
    strangers = given - members - recorded
    if strangers:
        raise DomainError(
            _("KPM %(kpm)s bukan anggota kelompok ini.") % {"kpm": _kpm_list(strangers)},
            code="not_in_group",
        )
    missing = members - given
    if missing:
        raise DomainError(
            _("Kehadiran belum diisi untuk KPM %(kpm)s.") % {"kpm": _kpm_list(missing)},
            code="roll_incomplete",
        )


def _attendance_upsert(
    meeting: P2k2Meeting,
    attendance: Mapping[int, str],
    existing: dict[int, P2k2Attendance],
    actor: Any,
) -> list[AuditEvent]:
    """Insert new rows and update changed ones, a few statements whatever the group's size."""
    new = [
        P2k2Attendance(meeting=meeting, kpm_id=kpm_id, status=status)
        for kpm_id, status in attendance.items()
        if kpm_id not in existing
    ]
    P2k2Attendance.objects.bulk_create(new)
    events = [
        audit_event(
            actor=actor, action=AuditAction.CREATE, obj=row, changes={"status": [None, row.status]}
        )
        for row in new
    ]
    changed = []
    for kpm_id, row in existing.items():
        status = attendance.get(kpm_id)
        if status is not None and status != row.status:
            events.append(
                audit_event(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    obj=row,
                    changes={"status": [row.status, status]},
                )
            )
            row.status = status
            changed.append(row)
    P2k2Attendance.objects.bulk_update(changed, ["status"])
    return events
