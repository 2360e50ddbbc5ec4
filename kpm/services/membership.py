"""Membership of the programme beyond graduation (DESIGN §5 Workflow).

Exits that are not graduations (the last member died, moved away, found ineligible, a
duplicate) are recorded by a Dinsos officer of the KPM's kabupaten/kota or an admin; they
never count toward a pendamping's target. A Dinsos officer proposes the next households of
the kabupaten's waiting list for the places freed this year. Each write is one transaction
with its audit rows; a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from graduasi.models import OPEN_STATUSES, Proposal, ProposalStatus
from graduasi.rules import tahap_of
from graduasi.services import assessment_refresh_on_commit
from kpm.models import (
    Anggota,
    EnrolmentCandidate,
    EnrolmentProposal,
    ExitReason,
    Kpm,
    KpmStatus,
    MemberStatus,
)
from kpm.selectors.waiting import waiting_numbers, waiting_ranked
from pengguna.models import Role
from pengguna.scoping import kpm_visibility
from pengguna.services import notice_send

# Only a KPM in the programme or on its waiting list can leave it.
EXITABLE_STATUSES = (KpmStatus.ACTIVE, KpmStatus.WAITING)
EXIT_ROLES = (Role.DINSOS, Role.ADMIN)
NOTE_REQUIRED = (ExitReason.INELIGIBLE, ExitReason.DUPLICATE)
KPM_EXIT_FIELDS = (
    "status", "exited_on", "exit_reason", "exit_note", "last_paid_year", "last_paid_tahap",
)  # fmt: skip
# Two officers of one kabupaten proposing at once take turns (pg_advisory_xact_lock(key, kab)).
ENROLMENT_LOCK_KEY = 0x4B505450  # "KPTP"


# Exits ---------------------------------------------------------------------------------------


def may_record_exit(user: Any, kpm: Kpm) -> bool:
    """Whether `user` records exits at all (Dinsos, admin) and `kpm` may still leave."""
    return _has_role(user, EXIT_ROLES) and kpm.status in EXITABLE_STATUSES


def kpm_exit(
    *, kpm: Kpm, actor: Any, reason: str, on: date, note: str, duplicate_of: str = ""
) -> Kpm:
    """The KPM leaves PKH (or its waiting list) on `on` for a reason that is not a graduation;
    payments stop from the next tahap and its open graduation proposal is withdrawn."""
    note = note.strip()
    with transaction.atomic():
        locked = _lock_for_exit(kpm_pk=kpm.pk, actor=actor)
        _check_exit(kpm=locked, reason=reason, on=on, note=note)
        if reason == ExitReason.DUPLICATE:
            note = _duplicate_note(kpm=locked, actor=actor, other_id=duplicate_of, note=note)
        if reason == ExitReason.DIED:
            _record_last_death(kpm=locked, actor=actor, on=on)
        was_paid = locked.status == KpmStatus.ACTIVE
        before = field_values(locked, KPM_EXIT_FIELDS)
        locked.status, locked.exited_on = KpmStatus.EXITED, on
        locked.exit_reason, locked.exit_note = reason, note
        if was_paid:  # a waiting household was never paid
            locked.last_paid_year, locked.last_paid_tahap = on.year, tahap_of(on)
        locked.save(update_fields=[*KPM_EXIT_FIELDS, "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=locked,
            changes=diff(before, field_values(locked, KPM_EXIT_FIELDS)),
        )  # fmt: skip
        _withdraw_open_proposals(kpm=locked, actor=actor)
        # An exited KPM has no assessment: drop its row once this commits.
        assessment_refresh_on_commit([locked.pk])
        return locked


def _lock_for_exit(*, kpm_pk: int, actor: Any) -> Kpm:
    locked = None
    if _has_role(actor, EXIT_ROLES):
        locked = (
            Kpm.objects.select_for_update(of=("self",))
            .filter(kpm_visibility(actor), pk=kpm_pk)
            .first()
        )
    if locked is None:
        raise DomainError(
            _("Hanya petugas Dinas Sosial kabupaten/kota KPM ini yang dapat mencatat KPM keluar."),
            code="forbidden",
        )
    if locked.status not in EXITABLE_STATUSES:
        raise DomainError(
            _("KPM ini sudah berstatus %(status)s; hanya KPM aktif atau menunggu yang dapat "
              "dicatat keluar.")
            % {"status": locked.get_status_display()},
            code="kpm_not_exitable",
        )  # fmt: skip
    return locked


def _check_exit(*, kpm: Kpm, reason: str, on: date, note: str) -> None:
    if reason not in ExitReason.values:
        raise DomainError(_("Pilih alasan keluar dari daftar."), code="reason")
    if on > timezone.localdate():
        raise DomainError(_("Tanggal keluar tidak boleh sesudah hari ini."), code="exit_date")
    if on < kpm.pkh_entry_date:
        raise DomainError(
            _("Tanggal keluar tidak boleh sebelum tanggal masuk PKH (%(day)s).")
            % {"day": kpm.pkh_entry_date.strftime("%d-%m-%Y")},
            code="exit_date",
        )
    if reason in NOTE_REQUIRED and not note:
        raise DomainError(
            _("Tulis keterangan: mengapa KPM ini %(reason)s.")
            % {"reason": ExitReason(reason).label.lower()},
            code="note_required",
        )


def _duplicate_note(*, kpm: Kpm, actor: Any, other_id: str, note: str) -> str:
    """The note of a duplicate, naming the KPM it duplicates (which the actor must see)."""
    other_id = other_id.strip()
    if not other_id:
        raise DomainError(
            _("Isi ID KPM lain yang datanya sama dengan KPM ini."), code="duplicate_missing"
        )
    if other_id == kpm.kpm_id:
        raise DomainError(_("Isi ID KPM lain, bukan ID KPM ini sendiri."), code="duplicate_invalid")
    if not Kpm.objects.visible_to(actor).filter(kpm_id=other_id).exists():
        raise DomainError(
            _("KPM %(id)s tidak ditemukan di wilayah Anda; periksa ID KPM-nya.") % {"id": other_id},
            code="duplicate_invalid",
        )
    with translation.override(settings.LANGUAGE_CODE):  # stored text, in the source language
        return _("Data ganda dengan KPM %(id)s. %(note)s") % {"id": other_id, "note": note}


def _record_last_death(*, kpm: Kpm, actor: Any, on: date) -> None:
    """`meninggal` is the death of the last member: every other member must already be
    recorded as died or moved on the member page; the last one is recorded died here."""
    active = list(
        Anggota.objects.select_for_update()
        .filter(kpm=kpm, status=MemberStatus.ACTIVE)
        .order_by("tanggal_lahir", "pk")
    )
    if len(active) > 1:
        raise DomainError(
            _("Anggota berikut masih tercatat aktif: %(names)s. Catat dulu meninggal atau "
              "pindahnya di halaman anggota; KPM keluar karena meninggal bila anggota terakhir "
              "meninggal.")
            % {"names": ", ".join(a.nama for a in active)},
            code="members_active",
        )  # fmt: skip
    for last in active:
        if on < last.tanggal_lahir:
            raise DomainError(
                _("Tanggal keluar tidak boleh sebelum tanggal lahir %(nama)s.")
                % {"nama": last.nama},
                code="exit_date",
            )
        before = field_values(last, ("status", "status_changed_on"))
        last.status, last.status_changed_on = MemberStatus.DIED, on
        last.save(update_fields=["status", "status_changed_on", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=last,
            changes=diff(before, field_values(last, ("status", "status_changed_on"))),
        )  # fmt: skip


def _withdraw_open_proposals(*, kpm: Kpm, actor: Any) -> None:
    """A KPM that left cannot graduate: its open proposal is withdrawn and its pendamping told."""
    proposals = list(
        Proposal.objects.select_for_update(of=("self",))
        .select_related("pendamping")
        .filter(kpm=kpm, status__in=OPEN_STATUSES)
    )
    with translation.override(settings.LANGUAGE_CODE):
        why = _("KPM keluar dari PKH: %(reason)s") % {"reason": kpm.get_exit_reason_display()}
        told = _("Usulan graduasi KPM %(kpm)s ditarik karena KPM keluar dari PKH (%(reason)s).")
    for proposal in proposals:
        before = proposal.status
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.save(update_fields=["status"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=proposal,
            changes={"status": [before, proposal.status], "note": [None, why]},
        )  # fmt: skip
        notice_send(
            user=proposal.pendamping.user,
            message=told % {"kpm": kpm.kpm_id, "reason": kpm.get_exit_reason_display().lower()},
            link=reverse("kpm:profile", args=[kpm.kpm_id]),
        )


# Enrolment from the waiting list -------------------------------------------------------------


def may_propose_enrolment(user: Any, kabupaten_code: str) -> bool:
    """A Dinsos officer proposes enrolments for their own kabupaten/kota only."""
    return _has_role(user, (Role.DINSOS,)) and user.scope_region_code == kabupaten_code


def enrolment_propose(
    *, kabupaten_code: str, actor: Any, count: int, note: str
) -> EnrolmentProposal:
    """The officer proposes the first `count` households of the waiting list for the places
    freed this year; they are recorded with the rank, desil and waiting date they had."""
    if not may_propose_enrolment(actor, kabupaten_code):
        raise DomainError(
            _("Hanya petugas Dinas Sosial kabupaten/kota ini yang dapat mengusulkan peserta baru."),
            code="forbidden",
        )
    if count < 1:
        raise DomainError(
            _("Isi jumlah rumah tangga yang diusulkan, paling sedikit 1."), code="count"
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [ENROLMENT_LOCK_KEY, int(kabupaten_code.replace(".", ""))],
            )
        chosen = _next_waiting(kabupaten_code=kabupaten_code, count=count)
        proposal = EnrolmentProposal.objects.create(
            kabupaten_id=kabupaten_code, proposed_by=actor, note=note.strip()
        )
        candidates = [
            EnrolmentCandidate(
                proposal=proposal,
                kpm=kpm,
                rank=rank,
                desil=kpm.desil,
                waiting_since=kpm.pkh_entry_date,
            )
            for rank, kpm in enumerate(chosen, start=1)
        ]
        try:
            with transaction.atomic():
                EnrolmentCandidate.objects.bulk_create(candidates)
        except IntegrityError as exc:  # proposed by another officer a moment ago
            raise DomainError(
                _("Rumah tangga ini baru saja diusulkan petugas lain; muat ulang halaman."),
                code="conflict",
            ) from exc
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=proposal,
            changes={
                "kabupaten_id": [None, kabupaten_code], "note": [None, proposal.note],
                "kpm_ids": [None, [k.kpm_id for k in chosen]],
            },
        )  # fmt: skip
        return proposal


def _next_waiting(*, kabupaten_code: str, count: int) -> list[Kpm]:
    """The first `count` waiting households, or a refusal saying why there are not enough."""
    numbers = waiting_numbers(kabupaten_code, on=timezone.localdate())
    if numbers.quota is None:
        raise DomainError(
            _("Kuota KPM kabupaten/kota ini belum ditetapkan Kementerian; usulan belum dapat "
              "dibuat."),
            code="no_quota",
        )  # fmt: skip
    chosen = list(waiting_ranked(kabupaten_code)[:count])
    if not chosen:
        raise DomainError(
            _("Tidak ada rumah tangga di daftar tunggu yang belum diusulkan."), code="none_waiting"
        )
    if numbers.open_places == 0:
        raise DomainError(
            _("Belum ada tempat yang terbuka tahun ini: tempat yang dibebaskan graduasi dan KPM "
              "keluar tahun ini sudah habis diusulkan atau belum ada."),
            code="count",
        )  # fmt: skip
    if count > numbers.open_places:
        raise DomainError(
            _("Tempat yang masih terbuka tahun ini %(open)s; usulkan paling banyak %(open)s "
              "rumah tangga.")
            % {"open": numbers.open_places},
            code="count",
        )  # fmt: skip
    if len(chosen) < count:
        raise DomainError(
            _("Hanya %(n)s rumah tangga yang menunggu dan belum diusulkan.") % {"n": len(chosen)},
            code="count",
        )
    return chosen


def _has_role(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", None) in roles
    )
