"""A data subject's correction request (UU PDP No. 27/2022): filed through the pendamping or a
Dinsos officer for a member of a KPM they see, decided by a Dinsos officer of the KPM's
kabupaten who did not file it. Approval applies the change to the member (or, for the address,
to their household) in the same transaction, with an audit row for the change and one for the
decision; a refused step writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from graduasi.services import assessment_refresh_on_commit
from kpm.models import Anggota, CorrectionRequest, CorrectionStatus, Kpm
from kpm.rules_corrections import MemberFacts, correction_normalise, correction_problem
from kpm.services.household import kpm_lock_for_case_work
from kpm.validators import KnownKecamatan
from pengguna.models import Role

REQUEST_FIELDS = (
    "anggota_id", "field", "value_now", "value_asked", "reason", "requested_by_id", "status",
    "decided_by_id", "decided_at", "decision_note",
)  # fmt: skip
DECISION_FIELDS = ("status", "decided_by_id", "decided_at", "decision_note")
DECISION_FIELDS_SAVED = ("status", "decided_by", "decided_at", "decision_note")


def member_facts(member: Anggota, kpm: Kpm) -> MemberFacts:
    """The member's correctable data as held now."""
    return MemberFacts(
        nama=member.nama,
        nik=member.nik,
        tanggal_lahir=member.tanggal_lahir,
        jenis_kelamin=member.jenis_kelamin,
        hubungan=member.hubungan,
        alamat=kpm.alamat,
        hamil=member.hamil,
    )


def correction_refusal(field: str, asked: str, *, member: Anggota, kpm: Kpm) -> str | None:
    """Why `asked` cannot replace the member's `field` now; None when it can."""
    problem = correction_problem(
        field,
        asked,
        member=member_facts(member, kpm),
        today=timezone.localdate(),
        known_kecamatan=KnownKecamatan(),
    )
    taken = problem is None and field == "nik" and _nik_taken(asked, member=member)
    return (
        _("NIK ini sudah terdaftar untuk orang lain. Periksa lagi angka di KTP/KK.")
        if taken
        else problem
    )


def _nik_taken(nik: str, *, member: Anggota) -> bool:
    return Anggota.objects.filter(nik=nik).exclude(pk=member.pk).exists()


def correction_request_file(
    *, anggota: Anggota, actor: Any, field: str, value: str, reason: str
) -> CorrectionRequest:
    """Record a person's request to correct `field` of their data to `value`, with why."""
    with transaction.atomic():
        kpm = kpm_lock_for_case_work(kpm_pk=anggota.kpm_id, actor=actor)
        member = Anggota.objects.get(pk=anggota.pk)
        if not reason.strip():
            raise DomainError(_("Tulis alasan permintaan koreksi."), code="reason")
        asked = correction_normalise(field, value)
        problem = correction_refusal(field, asked, member=member, kpm=kpm)
        if problem:
            raise DomainError(problem, code="value")
        if CorrectionRequest.objects.filter(
            anggota=member, field=field, status=CorrectionStatus.SUBMITTED
        ).exists():
            raise DomainError(
                _("Permintaan koreksi data ini untuk %(nama)s masih menunggu keputusan.")
                % {"nama": member.nama},
                code="open_request",
            )
        correction = CorrectionRequest.objects.create(
            anggota=member,
            field=field,
            value_now=member_facts(member, kpm).value(field),
            value_asked=asked,
            reason=reason.strip(),
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=correction,
            changes=diff({}, field_values(correction, REQUEST_FIELDS)),
        )
        return correction


def correction_request_approve(
    *, correction: CorrectionRequest, officer: Any, note: str = ""
) -> CorrectionRequest:
    """A Dinsos officer approves: the member's data is corrected now."""
    with transaction.atomic():
        kpm, locked = _lock_for_decision(correction=correction, officer=officer)
        member = Anggota.objects.select_for_update().get(pk=locked.anggota_id)
        held = member_facts(member, kpm).value(locked.field)
        if held != locked.value_now:
            raise DomainError(
                _(
                    "Data ini sudah berubah sejak permintaan diajukan (sekarang: %(held)s). "
                    "Tolak permintaan ini; bila masih perlu, ajukan permintaan baru."
                )
                % {"held": held},
                code="changed",
            )
        problem = correction_refusal(locked.field, locked.value_asked, member=member, kpm=kpm)
        if problem:
            raise DomainError(problem, code="no_longer_valid")
        _apply(correction=locked, member=member, kpm=kpm, officer=officer)
        return _record_decision(
            correction=locked, officer=officer, to=CorrectionStatus.APPROVED, note=note
        )


def correction_request_reject(
    *, correction: CorrectionRequest, officer: Any, reason: str
) -> CorrectionRequest:
    """A Dinsos officer rejects, with the reason; the data stays as held."""
    with transaction.atomic():
        _kpm, locked = _lock_for_decision(correction=correction, officer=officer)
        if not reason.strip():
            raise DomainError(_("Tulis alasan penolakan."), code="note")
        return _record_decision(
            correction=locked, officer=officer, to=CorrectionStatus.REJECTED, note=reason
        )


def may_decide_corrections(user: Any) -> bool:
    """Only Dinsos officers decide correction requests (of the KPM they see)."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.DINSOS)


def _lock_for_decision(
    *, correction: CorrectionRequest, officer: Any
) -> tuple[Kpm, CorrectionRequest]:
    """The KPM, then the request, locked; refused unless `officer` may decide it now."""
    kpm_pk = Anggota.objects.filter(pk=correction.anggota_id).values_list("kpm_id", flat=True)
    kpm = (
        Kpm.objects.visible_to(officer)
        .select_for_update(of=("self",))
        .filter(pk__in=kpm_pk)
        .first()
        if may_decide_corrections(officer)
        else None
    )
    if kpm is None:
        raise DomainError(
            _("Hanya petugas Dinas Sosial kabupaten/kota KPM ini yang dapat memutuskan."),
            code="forbidden",
        )
    locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
    if locked.requested_by_id == officer.pk:
        raise DomainError(
            _("Anda yang mengajukan permintaan ini; keputusan harus diambil petugas lain."),
            code="four_eyes",
        )
    if locked.status != CorrectionStatus.SUBMITTED:
        raise _already_decided(locked)
    return kpm, locked


def _already_decided(correction: CorrectionRequest) -> DomainError:
    by = correction.decided_by
    when = timezone.localtime(correction.decided_at) if correction.decided_at else None
    return DomainError(
        _("Permintaan ini sudah %(status)s oleh %(who)s pada %(when)s.")
        % {
            "status": correction.get_status_display().lower(),
            "who": (by.get_full_name() or by.get_username()) if by else "-",
            "when": formats.date_format(when, "d-m-Y H:i") if when else "-",
        },
        code="conflict",
    )


def _apply(*, correction: CorrectionRequest, member: Anggota, kpm: Kpm, officer: Any) -> None:
    """Write the asked value to the member (the address: to the household), audited."""
    target: Kpm | Anggota = kpm if correction.field == "alamat" else member
    name = correction.field
    value: str | date = correction.value_asked
    if name == "tanggal_lahir":
        value = date.fromisoformat(correction.value_asked)
    before = field_values(target, [name])
    setattr(target, name, value)
    try:
        with transaction.atomic():
            target.save(update_fields=[name, "updated_at"])
    except IntegrityError as exc:  # another record took the NIK since the check
        raise DomainError(
            _("NIK ini sudah terdaftar untuk orang lain. Periksa lagi angka di KTP/KK."),
            code="no_longer_valid",
        ) from exc
    changes = {
        **diff(before, field_values(target, [name])),
        "correction_request": [None, correction.pk],
    }
    audit_record(actor=officer, action=AuditAction.UPDATE, obj=target, changes=changes)
    assessment_refresh_on_commit([kpm.pk])  # a birth date or relationship moves components


def _record_decision(
    *, correction: CorrectionRequest, officer: Any, to: str, note: str
) -> CorrectionRequest:
    before = field_values(correction, DECISION_FIELDS)
    correction.status, correction.decision_note = to, note.strip()
    correction.decided_by, correction.decided_at = officer, timezone.now()
    correction.save(update_fields=DECISION_FIELDS_SAVED)
    audit_record(
        actor=officer,
        action=AuditAction.UPDATE,
        obj=correction,
        changes=diff(before, field_values(correction, DECISION_FIELDS)),
    )
    return correction
