"""What a graduation hands over (DESIGN §5 Workflow): the family is referred to the programmes
it agreed to, and follow-up visits fall due 6 and 12 months after the graduation day. Called by
graduasi.services.proposals inside the approval's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, audit_write, diff, field_values
from graduasi.rules import months_before
from pemberdayaan.models import FollowUp, Programme, Referral

FOLLOW_UP_MONTHS = (6, 12)
REFERRAL_FIELDS = ("kpm_id", "programme_id", "status", "consent_on", "consent_by_id", "proposal_id")
FOLLOW_UP_FIELDS = ("kpm_id", "months_after", "due_on")


def follow_up_due(graduated_on: date, months: int) -> date:
    """The day a follow-up falls due: the same day `months` later (or that month's last day)."""
    return months_before(graduated_on, -months)


def graduation_handover(
    *,
    kpm_pk: int,
    graduated_on: date,
    programmes: Iterable[Programme],
    consent_on: date | None,
    consent_by: Any,
    proposal: Any,
    actor: Any,
) -> tuple[list[Referral], list[FollowUp]]:
    """Refer the family to each programme it consented to and schedule its follow-ups."""
    given = {"consent_on": consent_on, "consent_by": consent_by, "proposal": proposal}
    referrals = [
        Referral(kpm_id=kpm_pk, programme=programme, created_by=actor, **given)
        for programme in programmes
        if consent_on is not None
    ]
    Referral.objects.bulk_create(referrals)
    follow_ups = [
        FollowUp(kpm_id=kpm_pk, months_after=m, due_on=follow_up_due(graduated_on, m))
        for m in FOLLOW_UP_MONTHS
    ]
    FollowUp.objects.bulk_create(follow_ups)
    events = [_created(actor, r, REFERRAL_FIELDS) for r in referrals]
    events += [_created(actor, f, FOLLOW_UP_FIELDS) for f in follow_ups]
    audit_write(events)
    return referrals, follow_ups


def _created(actor: Any, obj: Any, fields: tuple[str, ...]) -> AuditEvent:
    return audit_event(
        actor=actor, action=AuditAction.CREATE, obj=obj, changes=diff({}, field_values(obj, fields))
    )
