"""Writes to KPM records. Each use case is one transaction with its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, diff
from config.errors import DomainError
from kpm.models import Kpm
from pendamping.models import Pendamping


def kpm_assign(*, kpm: Kpm, pendamping: Pendamping | None, actor: Any) -> Kpm:
    """Put a KPM in a pendamping's caseload (or take it out with None)."""
    with transaction.atomic():
        locked = Kpm.objects.select_for_update().get(pk=kpm.pk)
        if pendamping is not None:
            if not pendamping.is_active:
                raise DomainError(_("Pendamping ini tidak aktif."), code="pendamping_inactive")
            if pendamping.kabupaten_id != locked.kabupaten_code:
                raise DomainError(
                    _("Pendamping bertugas di kabupaten/kota lain; pilih pendamping %(kab)s.")
                    % {"kab": locked.kabupaten_code},
                    code="pendamping_other_region",
                )
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
