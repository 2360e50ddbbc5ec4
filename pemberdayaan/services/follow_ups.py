"""Follow-up visits after graduation (DESIGN §5 Workflow): the KPM's pendamping, or a Dinsos
officer of its kabupaten, records what a 6- or 12-month visit found; the family's fall-back
risk is recomputed once it commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff, field_values
from config.errors import DomainError
from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import BusinessStatus, FollowUp
from pemberdayaan.services.risk import risk_refresh_on_commit
from pengguna.models import Role

RECORDED_FIELDS = ("done_on", "monthly_income", "member_count", "business_status", "note")
MAX_MEMBERS = 99


def follow_up_record(
    *,
    follow_up: FollowUp,
    actor: Any,
    done_on: date,
    monthly_income: int,
    member_count: int,
    business_status: str,
    note: str = "",
) -> FollowUp:
    """Record (or correct) what a follow-up visit found. A done follow-up stays done: a
    correction changes its facts, never clears them."""
    _check_values(done_on, monthly_income, member_count, business_status)
    with transaction.atomic():
        locked = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("kpm__pendamping")
            .get(pk=follow_up.pk)
        )
        _check_actor(actor, locked.kpm)
        _check_kpm(locked.kpm, done_on)
        before = field_values(locked, RECORDED_FIELDS)
        locked.done_on, locked.monthly_income = done_on, monthly_income
        locked.member_count, locked.business_status = member_count, business_status
        locked.note = note.strip()
        changes = diff(before, field_values(locked, RECORDED_FIELDS))
        if not changes:
            return locked
        locked.recorded_by, locked.recorded_at = actor, timezone.now()
        locked.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
        risk_refresh_on_commit([locked.kpm_id])
        return locked


def _check_values(done_on: date, income: int, members: int, business: str) -> None:
    if done_on > timezone.localdate():
        raise DomainError(_("Tanggal kunjungan tidak boleh sesudah hari ini."), code="done_on")
    if isinstance(income, bool) or not isinstance(income, int) or income < 0:
        raise DomainError(
            _("Tulis pendapatan keluarga per bulan dalam rupiah, misalnya 1.500.000."),
            code="monthly_income",
        )
    if isinstance(members, bool) or not isinstance(members, int) or not 1 <= members <= MAX_MEMBERS:
        raise DomainError(
            _("Jumlah anggota antara 1 dan %(max)s orang.") % {"max": MAX_MEMBERS},
            code="member_count",
        )
    if business not in BusinessStatus.values:
        raise DomainError(_("Pilih status usaha dari daftar."), code="business_status")


def _check_actor(actor: Any, kpm: Kpm) -> None:
    """The KPM's own pendamping, or a Dinsos officer whose kabupaten holds the KPM."""
    active = getattr(actor, "is_authenticated", False) and actor.is_active
    role = getattr(actor, "role", None)
    own = (
        role == Role.PENDAMPING
        and kpm.pendamping is not None
        and kpm.pendamping.user_id == actor.pk
    )
    officer = role == Role.DINSOS and Kpm.objects.visible_to(actor).filter(pk=kpm.pk).exists()
    if not (active and (own or officer)):
        raise DomainError(
            _(
                "Hanya pendamping KPM ini atau petugas Dinas Sosial kabupaten/kotanya yang dapat "
                "mencatat tindak lanjut."
            ),
            code="forbidden",
        )


def _check_kpm(kpm: Kpm, done_on: date) -> None:
    if kpm.status != KpmStatus.GRADUATED:
        raise DomainError(
            _("KPM ini berstatus %(status)s; tindak lanjut hanya untuk KPM graduasi.")
            % {"status": kpm.get_status_display().lower()},
            code="kpm_not_graduated",
        )
    if kpm.graduated_on is not None and done_on < kpm.graduated_on:
        raise DomainError(
            _("Tanggal kunjungan tidak boleh sebelum tanggal graduasi (%(day)s).")
            % {"day": kpm.graduated_on.strftime("%d-%m-%Y")},
            code="done_on",
        )
