"""The graduation proposal workflow (DESIGN §5 Workflow): the KPM's pendamping drafts, attaches
evidence, submits and may withdraw; a Dinsos officer of the KPM's kabupaten, never the
submitter, approves, rejects or returns. Each transition is one transaction with its audit
row; a refused transition writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from graduasi.models import (
    OPEN_STATUSES,
    AssessmentStatus,
    GraduationType,
    KpmAssessment,
    Proposal,
    ProposalStatus,
)
from graduasi.reasons import ReasonLine, reason_lines
from graduasi.rules import months_before, tahap_of
from graduasi.selectors import policy_on
from graduasi.services.refresh import assessment_refresh_on_commit
from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import Programme
from pemberdayaan.services.handover import graduation_handover
from pendamping.models import EconomicAssessment
from pengguna.models import Role
from pengguna.services import notice_send

MAX_STATEMENT_BYTES = 5 * 1024 * 1024
EDITABLE_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.RETURNED)
PROPOSAL_FIELDS = (
    "kpm_id", "pendamping_id", "type", "status", "justification", "created_by_id",
    "referral_consent_on",
)  # fmt: skip
DECIDED_WORDS = {
    ProposalStatus.APPROVED: pgettext_lazy("usulan sudah ...", "disetujui"),
    ProposalStatus.REJECTED: pgettext_lazy("usulan sudah ...", "ditolak"),
    ProposalStatus.RETURNED: pgettext_lazy("usulan sudah ...", "dikembalikan"),
}


# Drafting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """What a new proposal starts from: the type the assessment supports and why."""

    type: str
    reasons: list[ReasonLine]


def proposal_prefill(kpm: Kpm) -> Prefill:
    """The type the KPM's assessment supports (else mandiri) with the reasons that hold."""
    assessment = KpmAssessment.objects.filter(kpm=kpm).first()
    if assessment is None or assessment.status not in (
        AssessmentStatus.ALAMIAH,
        AssessmentStatus.SEJAHTERA,
    ):
        return Prefill(type=GraduationType.MANDIRI, reasons=[])
    lines = [line for line in reason_lines(assessment.reasons) if line.holds]
    return Prefill(type=assessment.status, reasons=lines)


def proposal_draft(
    *,
    kpm: Kpm,
    actor: Any,
    type: str,
    justification: str = "",
    programmes: Iterable[Programme] = (),
    consent_on: date | None = None,
) -> Proposal:
    """The KPM's own pendamping starts a graduation proposal for an active KPM, with the
    empowerment programmes the family agreed to be referred to."""
    chosen = _check_referrals(programmes, consent_on)
    with transaction.atomic():
        locked = _lock_own_kpm(kpm_pk=kpm.pk, actor=actor)
        _check_type(kpm=locked, type=type)
        if Proposal.objects.filter(kpm=locked, status__in=OPEN_STATUSES).exists():
            raise _already_open()
        assert locked.pendamping_id is not None  # the lock matched on the KPM's pendamping
        proposal = Proposal(
            kpm=locked, pendamping_id=locked.pendamping_id, type=type,
            justification=justification.strip(), created_by=actor,
            referral_consent_on=consent_on if chosen else None,
        )  # fmt: skip
        try:
            with transaction.atomic():
                proposal.save()
        except IntegrityError as exc:  # an open or approved proposal was saved a moment ago
            raise _already_open() from exc
        proposal.referral_programmes.set(chosen)
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=proposal,
            changes=diff({}, _proposal_values(proposal)),
        )  # fmt: skip
        return proposal


def proposal_update(
    *,
    proposal: Proposal,
    actor: Any,
    type: str,
    justification: str,
    programmes: Iterable[Programme] = (),
    consent_on: date | None = None,
) -> Proposal:
    """The pendamping revises a draft or returned proposal before (re)submitting it."""
    chosen = _check_referrals(programmes, consent_on)
    with transaction.atomic():
        locked = _lock_for_pendamping(proposal_pk=proposal.pk, actor=actor)
        _check_editable(locked)
        _check_type(kpm=locked.kpm, type=type)
        before = _proposal_values(locked)
        locked.type, locked.justification = type, justification.strip()
        locked.referral_consent_on = consent_on if chosen else None
        locked.save(update_fields=["type", "justification", "referral_consent_on"])
        locked.referral_programmes.set(chosen)
        changes = diff(before, _proposal_values(locked))
        if changes:
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
        return locked


def _proposal_values(proposal: Proposal) -> dict[str, Any]:
    values = field_values(proposal, PROPOSAL_FIELDS)
    values["referral_programmes"] = sorted(
        proposal.referral_programmes.values_list("code", flat=True)
    )
    return values


def _check_referrals(programmes: Iterable[Programme], consent_on: date | None) -> list[Programme]:
    """The chosen programmes, refused when the family's consent has no date or one ahead."""
    chosen = list(programmes)
    if not chosen:
        return chosen
    if consent_on is None:
        raise DomainError(
            _("Isi tanggal keluarga menyetujui rujukan ke program pemberdayaan."),
            code="consent_missing",
        )
    if consent_on > timezone.localdate():
        raise DomainError(_("Tanggal persetujuan tidak boleh di masa depan."), code="consent_date")
    inactive = [p.name for p in chosen if not p.active]
    if inactive:
        raise DomainError(
            _("Program %(names)s tidak lagi menerima rujukan.") % {"names": ", ".join(inactive)},
            code="programme_inactive",
        )
    return chosen


def _already_open() -> DomainError:
    return DomainError(
        _("KPM ini sudah punya usulan graduasi yang masih berjalan atau sudah disetujui."),
        code="proposal_exists",
    )


def _lock_own_kpm(*, kpm_pk: int, actor: Any) -> Kpm:
    locked = None
    if _is_active_role(actor, Role.PENDAMPING):
        locked = (
            Kpm.objects.select_for_update(of=("self",))
            .filter(pk=kpm_pk, pendamping__user=actor)
            .first()
        )
    if locked is None:
        raise DomainError(
            _("Hanya pendamping KPM ini yang dapat mengusulkan graduasinya."), code="forbidden"
        )
    if locked.status != KpmStatus.ACTIVE:
        raise DomainError(
            _("KPM ini berstatus %(status)s; hanya KPM aktif yang dapat diusulkan graduasi.")
            % {"status": locked.get_status_display()},
            code="kpm_not_active",
        )
    return locked


def _check_type(*, kpm: Kpm, type: str) -> None:
    if type not in GraduationType.values:
        raise DomainError(_("Pilih jenis graduasi dari daftar."), code="type")
    if type == GraduationType.MANDIRI:
        return
    status = KpmAssessment.objects.filter(kpm=kpm).values_list("status", flat=True).first()
    if status != type:
        raise DomainError(
            _(
                "Asesmen KPM ini tidak menunjukkan %(type)s; pilih graduasi mandiri bila keluarga "
                "menyatakan siap keluar."
            )
            % {"type": GraduationType(type).label.lower()},
            code="type_not_supported",
        )


def _is_active_role(user: Any, role: str) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", None) == role
    )


# Evidence and submission ---------------------------------------------------------------------


def statement_kind(head: bytes) -> str | None:
    """The file extension the first bytes of a signed statement announce (PDF, JPEG, PNG)."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    return None


def statement_problem(file: File) -> str | None:
    """Why `file` cannot be kept as the signed statement, in words a field worker understands."""
    size = file.size or 0
    if size > MAX_STATEMENT_BYTES:
        return _("Berkas terlalu besar (%(mb)s MB); paling besar 5 MB.") % {
            "mb": f"{size / 1024 / 1024:.1f}".replace(".", ",")
        }
    if size == 0:
        return _("Berkas kosong; pindai atau foto surat pernyataan lagi.")
    if _kind_of(file) is None:
        return _("Surat pernyataan harus berupa PDF, JPG atau PNG; berkas ini bukan salah satunya.")
    return None


def _kind_of(file: File) -> str | None:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return statement_kind(head)


def proposal_attach_statement(*, proposal: Proposal, actor: Any, file: File) -> Proposal:
    """The pendamping keeps the family's signed statement with the proposal."""
    with transaction.atomic():
        locked = _lock_for_pendamping(proposal_pk=proposal.pk, actor=actor)
        _check_editable(locked)
        problem = statement_problem(file)
        if problem:
            raise DomainError(problem, code="statement")
        before = {"signed_statement": locked.signed_statement.name or None}
        file.name = f"{uuid.uuid4().hex}{_kind_of(file)}"
        locked.signed_statement = file  # type: ignore[assignment]
        locked.save(update_fields=["signed_statement"])
        after = {"signed_statement": locked.signed_statement.name}
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=locked, changes=diff(before, after)
        )
        return locked


def proposal_submit(*, proposal: Proposal, actor: Any) -> Proposal:
    """The pendamping sends a draft or returned proposal, with its evidence, to Dinsos."""
    with transaction.atomic():
        locked = _lock_for_pendamping(proposal_pk=proposal.pk, actor=actor)
        _check_editable(locked)
        if locked.type == GraduationType.MANDIRI and not locked.signed_statement:
            raise DomainError(
                _("Graduasi mandiri memerlukan surat pernyataan bertanda tangan; lampirkan dulu."),
                code="statement_missing",
            )
        if locked.type == GraduationType.SEJAHTERA:
            locked.economic_assessment = _recent_assessment(locked.kpm_id)
        before = locked.status
        locked.status, locked.submitted_at = ProposalStatus.SUBMITTED, timezone.now()
        locked.save(update_fields=["status", "submitted_at", "economic_assessment"])
        _audit_transition(actor=actor, proposal=locked, before=before, note="")
        return locked


def _recent_assessment(kpm_pk: int) -> EconomicAssessment:
    today = timezone.localdate()
    months = policy_on(today).sejahtera_evidence_max_age_months
    latest = (
        EconomicAssessment.objects.filter(kpm_id=kpm_pk).order_by("-assessed_on", "-id").first()
    )
    if latest is None or latest.assessed_on < months_before(today, months):
        raise DomainError(
            _(
                "Graduasi sejahtera memerlukan asesmen ekonomi paling lama %(n)s bulan yang lalu; "
                "catat asesmen baru saat kunjungan."
            )
            % {"n": months},
            code="assessment_stale",
        )
    return latest


def proposal_withdraw(*, proposal: Proposal, actor: Any) -> Proposal:
    """The pendamping withdraws a proposal not yet decided."""
    with transaction.atomic():
        locked = _lock_for_pendamping(proposal_pk=proposal.pk, actor=actor)
        if locked.status not in OPEN_STATUSES:
            raise _not_open(locked)
        before = locked.status
        locked.status = ProposalStatus.WITHDRAWN
        locked.save(update_fields=["status"])
        _audit_transition(actor=actor, proposal=locked, before=before, note="")
        return locked


def _lock_for_pendamping(*, proposal_pk: int, actor: Any) -> Proposal:
    locked = None
    if _is_active_role(actor, Role.PENDAMPING):
        locked = (
            Proposal.objects.select_for_update(of=("self",))
            .filter(pk=proposal_pk, pendamping__user=actor)
            .first()
        )
    if locked is None:
        raise DomainError(
            _("Hanya pendamping yang mengusulkan yang dapat mengubah usulan ini."),
            code="forbidden",
        )
    return locked


def _check_editable(proposal: Proposal) -> None:
    if proposal.status not in EDITABLE_STATUSES:
        raise _not_open(proposal)


def _not_open(proposal: Proposal) -> DomainError:
    return DomainError(
        _("Usulan ini berstatus %(status)s dan tidak dapat diubah lagi.")
        % {"status": proposal.get_status_display().lower()},
        code="not_open",
    )


# Decisions -----------------------------------------------------------------------------------


def proposal_approve(*, proposal: Proposal, officer: Any, note: str = "") -> Proposal:
    """A Dinsos officer approves: the KPM graduates."""
    with transaction.atomic():
        locked = _decide(proposal=proposal, officer=officer, to=ProposalStatus.APPROVED, note=note)
        kpm = Kpm.objects.select_for_update().get(pk=locked.kpm_id)
        if kpm.status != KpmStatus.ACTIVE:  # exited since the proposal was submitted
            raise DomainError(
                _("KPM ini sudah berstatus %(status)s; usulan tidak dapat disetujui.")
                % {"status": kpm.get_status_display()},
                code="kpm_not_active",
            )
        _graduate(kpm=kpm, proposal=locked, officer=officer)
        _notify_decision(locked)
        return locked


KPM_GRADUATION_FIELDS = (
    "status", "graduated_on", "graduation_type", "last_paid_year", "last_paid_tahap",
)  # fmt: skip


def _graduate(*, kpm: Kpm, proposal: Proposal, officer: Any) -> None:
    """The KPM graduates today: paid through this tahap, referred, follow-ups scheduled."""
    today = timezone.localdate()
    before = field_values(kpm, KPM_GRADUATION_FIELDS)
    kpm.status, kpm.graduated_on, kpm.graduation_type = KpmStatus.GRADUATED, today, proposal.type
    kpm.last_paid_year, kpm.last_paid_tahap = today.year, tahap_of(today)
    kpm.save(update_fields=[*KPM_GRADUATION_FIELDS, "updated_at"])
    audit_record(
        actor=officer, action=AuditAction.UPDATE, obj=kpm,
        changes=diff(before, field_values(kpm, KPM_GRADUATION_FIELDS)),
    )  # fmt: skip
    graduation_handover(
        kpm_pk=kpm.pk, graduated_on=today, programmes=proposal.referral_programmes.all(),
        consent_on=proposal.referral_consent_on, consent_by=proposal.created_by,
        proposal=proposal, actor=officer,
    )  # fmt: skip
    # A graduated KPM has no assessment: drop its row once this commits.
    assessment_refresh_on_commit([kpm.pk])


DECISION_NOTICES = {
    ProposalStatus.APPROVED: _lazy("Usulan graduasi KPM %(kpm)s disetujui."),
    ProposalStatus.REJECTED: _lazy("Usulan graduasi KPM %(kpm)s ditolak: %(note)s"),
    ProposalStatus.RETURNED: _lazy(
        "Usulan graduasi KPM %(kpm)s dikembalikan untuk diperbaiki: %(note)s"
    ),
}


def _notify_decision(proposal: Proposal) -> None:
    """Tell the pendamping the decision, in the app and by email when configured."""
    user = proposal.pendamping.user
    with translation.override(settings.LANGUAGE_CODE):
        message = str(DECISION_NOTICES[ProposalStatus(proposal.status)]) % {
            "kpm": proposal.kpm.kpm_id, "note": proposal.decision_note,
        }  # fmt: skip
    notice_send(user=user, message=message, link=reverse("usulan:detail", args=[proposal.pk]))


def proposal_reject(*, proposal: Proposal, officer: Any, reason: str) -> Proposal:
    """A Dinsos officer rejects the proposal, saying why."""
    if not reason.strip():
        raise DomainError(_("Tulis alasan penolakan."), code="reason_required")
    with transaction.atomic():
        locked = _decide(
            proposal=proposal, officer=officer, to=ProposalStatus.REJECTED, note=reason
        )
        _notify_decision(locked)
        return locked


def proposal_return(*, proposal: Proposal, officer: Any, note: str) -> Proposal:
    """A Dinsos officer sends the proposal back to the pendamping for revision."""
    if not note.strip():
        raise DomainError(_("Tulis apa yang perlu diperbaiki."), code="note_required")
    with transaction.atomic():
        locked = _decide(proposal=proposal, officer=officer, to=ProposalStatus.RETURNED, note=note)
        _notify_decision(locked)
        return locked


def _decide(*, proposal: Proposal, officer: Any, to: str, note: str) -> Proposal:
    """Lock the proposal, check the officer may decide it now, and record the decision."""
    _check_officer(proposal=proposal, officer=officer)
    locked = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    if locked.status != ProposalStatus.SUBMITTED:
        raise _already_decided(locked)
    before = locked.status
    locked.status, locked.decision_note = to, note.strip()
    locked.decided_at, locked.decided_by = timezone.now(), officer
    locked.save(update_fields=["status", "decision_note", "decided_at", "decided_by"])
    _audit_transition(actor=officer, proposal=locked, before=before, note=locked.decision_note)
    return locked


def _check_officer(*, proposal: Proposal, officer: Any) -> None:
    """Only a Dinsos officer whose kabupaten holds the KPM, and never the submitter."""
    sees = _is_active_role(officer, Role.DINSOS) and (
        Kpm.objects.visible_to(officer).filter(pk=proposal.kpm_id).exists()
    )
    if not sees:
        raise DomainError(
            _("Hanya petugas Dinas Sosial kabupaten/kota KPM ini yang dapat memutuskan usulan."),
            code="forbidden",
        )
    submitters = {proposal.created_by_id, proposal.pendamping.user_id}
    if officer.pk in submitters:
        raise DomainError(
            _("Anda yang mengajukan usulan ini; keputusan harus diambil petugas lain."),
            code="four_eyes",
        )


def _already_decided(proposal: Proposal) -> DomainError:
    word = DECIDED_WORDS.get(ProposalStatus(proposal.status))
    if word is None or proposal.decided_by is None or proposal.decided_at is None:
        return DomainError(
            _("Usulan ini berstatus %(status)s; hanya usulan yang diajukan yang dapat diputuskan.")
            % {"status": proposal.get_status_display().lower()},
            code="conflict" if proposal.status == ProposalStatus.WITHDRAWN else "not_submitted",
        )
    by = proposal.decided_by
    return DomainError(
        _("Usulan ini sudah %(word)s oleh %(who)s pada %(when)s.")
        % {
            "word": word,
            "who": by.get_full_name() or by.get_username(),
            "when": timezone.localtime(proposal.decided_at).strftime("%d-%m-%Y %H:%M"),
        },
        code="conflict",
    )


def _audit_transition(*, actor: Any, proposal: Proposal, before: str, note: str) -> None:
    audit_record(
        actor=actor, action=AuditAction.UPDATE, obj=proposal,
        changes={"status": [before, proposal.status], "note": [None, note]},
    )  # fmt: skip
