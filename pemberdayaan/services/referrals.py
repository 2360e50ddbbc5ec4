"""Referrals after graduation (DESIGN §5 Workflow): a Dinsos officer of the KPM's kabupaten
moves a referral along the programme's steps, and refers a graduated family to one more
programme with the family's consent. Each change is one transaction with its audit row."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import Programme, Referral, ReferralStatus
from pemberdayaan.rules import referral_next_statuses, referral_step_allowed
from pemberdayaan.services.handover import REFERRAL_FIELDS
from pengguna.models import Role

STATUS_FIELDS = ("status", "note")


def referral_status_change(*, referral: Referral, actor: Any, to: str, note: str = "") -> Referral:
    """A Dinsos officer of the KPM's kabupaten moves the referral one step on (dirujuk →
    diterima/ditolak, diterima → berjalan, berjalan → selesai/ditolak)."""
    if to not in ReferralStatus.values:
        raise DomainError(_("Pilih status rujukan dari daftar."), code="status")
    with transaction.atomic():
        _check_officer(actor, kpm_pk=referral.kpm_id)
        locked = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
        if not referral_step_allowed(locked.status, to):
            raise _step_refused(locked.status, to)
        before = field_values(locked, STATUS_FIELDS)
        locked.status = to
        if note.strip():
            locked.note = note.strip()
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "note", "status_changed_at", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=locked,
            changes=diff(before, field_values(locked, STATUS_FIELDS)),
        )  # fmt: skip
        return locked


def _label(status: str) -> str:
    return str(ReferralStatus(status).label).lower()


def _step_refused(current: str, to: str) -> DomainError:
    if current == to:
        message = _("Rujukan ini sudah berstatus %(status)s.") % {"status": _label(current)}
        return DomainError(message, code="status_same")
    allowed = referral_next_statuses(current)
    if not allowed:
        message = _("Rujukan berstatus %(status)s tidak dapat diubah lagi.") % {
            "status": _label(current)
        }
        return DomainError(message, code="status_final")
    message = _(
        "Rujukan berstatus %(status)s tidak dapat langsung menjadi %(to)s; "
        "langkah berikutnya: %(allowed)s."
    ) % {
        "status": _label(current),
        "to": _label(to),
        "allowed": _either([_label(s) for s in allowed]),
    }
    return DomainError(message, code="status_step")


def _either(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(some)s atau %(last)s") % {"some": ", ".join(words[:-1]), "last": words[-1]}


def referral_add(
    *, kpm: Kpm, actor: Any, programme: Programme, consent_on: date | None, note: str = ""
) -> Referral:
    """A Dinsos officer of the KPM's kabupaten refers a graduated family to one more active
    programme, on the day the family consented; once per programme."""
    consented = _check_consent(consent_on)
    if not programme.active:
        raise DomainError(
            _("Program %(name)s tidak lagi menerima rujukan.") % {"name": programme.name},
            code="programme_inactive",
        )
    with transaction.atomic():
        _check_officer(actor, kpm_pk=kpm.pk)
        locked = Kpm.objects.select_for_update().get(pk=kpm.pk)
        if locked.status != KpmStatus.GRADUATED:
            raise DomainError(
                _("Hanya KPM yang sudah graduasi yang dirujuk ke program pemberdayaan."),
                code="kpm_not_graduated",
            )
        referral = Referral(
            kpm=locked, programme=programme, consent_on=consented, consent_by=actor,
            created_by=actor, note=note.strip(),
        )  # fmt: skip
        if Referral.objects.filter(kpm=locked, programme=programme).exists():
            raise _duplicate(programme)
        try:
            with transaction.atomic():
                referral.save()
        except IntegrityError as exc:  # the same referral was saved a moment ago
            raise _duplicate(programme) from exc
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=referral,
            changes=diff({}, field_values(referral, (*REFERRAL_FIELDS, "note"))),
        )  # fmt: skip
        return referral


def _check_consent(consent_on: date | None) -> date:
    if consent_on is None:
        raise DomainError(
            _("Isi tanggal keluarga menyetujui rujukan ke program ini."), code="consent_missing"
        )
    if consent_on > timezone.localdate():
        raise DomainError(_("Tanggal persetujuan tidak boleh di masa depan."), code="consent_date")
    return consent_on


def _duplicate(programme: Programme) -> DomainError:
    return DomainError(
        _("KPM ini sudah dirujuk ke %(name)s.") % {"name": programme.name}, code="duplicate"
    )


def _check_officer(actor: Any, *, kpm_pk: int) -> None:
    """Only an active Dinsos officer whose kabupaten holds the KPM."""
    allowed = (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "role", None) == Role.DINSOS
        and Kpm.objects.visible_to(actor).filter(pk=kpm_pk).exists()
    )
    if not allowed:
        raise DomainError(
            _("Hanya petugas Dinas Sosial kabupaten/kota KPM ini yang dapat mengubah rujukannya."),
            code="forbidden",
        )
