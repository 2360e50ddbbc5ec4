"""Writes to KPM records. Each use case is one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_event, audit_record, audit_write, diff
from config.errors import DomainError
from kpm.models import Kpm
from pendamping.models import Pendamping
from pengguna.models import Role

REASSIGN_MAX = 500  # KPM per bulk reassignment: two pages of a large caseload at most
REASSIGN_ROLES = (Role.DINSOS, Role.ADMIN)


def _check_assignment(kpm: Kpm, pendamping: Pendamping | None) -> None:
    """A KPM goes only to an active pendamping of its own kabupaten/kota."""
    if pendamping is None:
        return
    if not pendamping.is_active:
        raise DomainError(_("Pendamping ini tidak aktif."), code="pendamping_inactive")
    if pendamping.kabupaten_id != kpm.kabupaten_code:
        raise DomainError(
            _("Pendamping bertugas di kabupaten/kota lain; pilih pendamping %(kab)s.")
            % {"kab": kpm.kabupaten_code},
            code="pendamping_other_region",
        )


def kpm_assign(*, kpm: Kpm, pendamping: Pendamping | None, actor: Any) -> Kpm:
    """Put a KPM in a pendamping's caseload (or take it out with None)."""
    with transaction.atomic():
        locked = Kpm.objects.select_for_update().get(pk=kpm.pk)
        _check_assignment(locked, pendamping)
        before = {"pendamping_id": locked.pendamping_id}
        locked.pendamping = pendamping
        after = {"pendamping_id": locked.pendamping_id}
        if before == after:
            return locked
        locked.save(update_fields=["pendamping", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=locked, changes=diff(before, after)
        )
        return locked


def _lock_visible(actor: Any, kpm_ids: list[str]) -> list[Kpm]:
    """Lock every named KPM, or refuse them all when one is out of the actor's scope."""
    locked = list(
        Kpm.objects.visible_to(actor).select_for_update().filter(kpm_id__in=kpm_ids).order_by("pk")
    )
    missing = sorted(set(kpm_ids) - {k.kpm_id for k in locked})
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise DomainError(
            _("KPM berikut tidak ditemukan di wilayah Anda: %(ids)s. Tidak ada yang dipindah.")
            % {"ids": shown},
            code="kpm_not_visible",
        )
    return locked


def kpm_reassign_bulk(*, kpm_ids: Iterable[str], pendamping: Pendamping, actor: Any) -> int:
    """Move the KPM named by `kpm_ids` into `pendamping`'s caseload, all or none; returns how
    many changed. Each KPM keeps kpm_assign's rule and gets its own audit row."""
    wanted = sorted(set(kpm_ids))
    if getattr(actor, "role", None) not in REASSIGN_ROLES:
        raise DomainError(_("Hanya Dinsos yang dapat memindahkan KPM."), code="forbidden")
    if not wanted:
        raise DomainError(_("Pilih paling sedikit satu KPM."), code="nothing_chosen")
    if len(wanted) > REASSIGN_MAX:
        raise DomainError(
            _("Paling banyak %(n)s KPM sekali pindah.") % {"n": REASSIGN_MAX}, code="too_many"
        )
    with transaction.atomic():
        locked = _lock_visible(actor, wanted)
        for kpm in locked:
            _check_assignment(kpm, pendamping)
        moving = [k for k in locked if k.pendamping_id != pendamping.pk]
        after = {"pendamping_id": pendamping.pk}
        events = [
            audit_event(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=kpm,
                changes=diff({"pendamping_id": kpm.pendamping_id}, after),
            )
            for kpm in moving
        ]
        Kpm.objects.filter(pk__in=[k.pk for k in moving]).update(
            pendamping=pendamping, updated_at=timezone.now()
        )
        return audit_write(events)
