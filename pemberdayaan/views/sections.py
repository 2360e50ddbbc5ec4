"""What the KPM profile and the Beranda show of a graduated family (referrals, follow-ups, risk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import FollowUp, Referral, ReferralStatus
from pemberdayaan.rules import Tahap, next_tahap, referral_next_statuses
from pemberdayaan.selectors import at_risk_kpm, follow_ups_of, follow_ups_open, referrals_of
from pemberdayaan.views.words import risk_sentences, tahap_label
from pengguna.models import Role, User

RISK_ROLES = (Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)
FOLLOW_UPS_SHOWN = 10


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    next_statuses: list[tuple[str, str]]  # (value, label) a Dinsos officer may move it to


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    overdue: bool


def may_record_follow_up(user: Any, kpm: Kpm) -> bool:
    """The KPM's own pendamping or a Dinsos officer (the view has checked the scope)."""
    if user.role == Role.DINSOS:
        return True
    return bool(
        user.role == Role.PENDAMPING
        and kpm.pendamping is not None
        and kpm.pendamping.user_id == user.pk
    )


def referral_row(referral: Referral) -> ReferralRow:
    steps = [(s, str(ReferralStatus(s).label)) for s in referral_next_statuses(referral.status)]
    return ReferralRow(referral=referral, next_statuses=steps)


def _payments(kpm: Kpm) -> dict[str, Any]:
    if kpm.last_paid_year is None or kpm.last_paid_tahap is None:
        return {}
    last = Tahap(year=kpm.last_paid_year, number=kpm.last_paid_tahap)
    return {
        "graduation_last_paid": tahap_label(last),
        "graduation_stop_from": tahap_label(next_tahap(last)),
    }


def profile_section(request: HttpRequest, kpm: Kpm) -> dict[str, Any]:
    """Context for templates/pemberdayaan/_profile_graduation.html: for a graduated KPM its
    graduation, payments, fall-back risk, referrals and follow-ups; nothing for any other."""
    user = request.user
    if kpm.status != KpmStatus.GRADUATED or not isinstance(user, User):
        return {}
    on = timezone.localdate()
    referrals = [referral_row(r) for r in referrals_of(kpm)]
    follow_ups = [
        FollowUpRow(f, overdue=f.done_on is None and f.due_on < on) for f in follow_ups_of(kpm)
    ]
    return {
        "graduation_show": True,
        **_payments(kpm),
        "graduation_referrals": referrals,
        "graduation_can_refer": user.role == Role.DINSOS,
        "risk_reasons": risk_sentences(kpm.risk_reasons) if kpm.at_risk else [],
        "follow_up_rows": follow_ups,
        "follow_up_can_record": may_record_follow_up(user, kpm),
    }


def beranda_section(user: User, *, on: date) -> dict[str, Any]:
    """Context for templates/pemberdayaan/_beranda_follow_ups.html: a pendamping's open
    follow-ups, the earliest due first (each listed from the day of graduation, not only when
    due soon); for Dinsos, the ministry and admins the count of families at risk."""
    if user.role == Role.PENDAMPING:
        rows = follow_ups_open(user, shown=FOLLOW_UPS_SHOWN)
        return {"follow_up_open": [FollowUpRow(f, overdue=f.due_on < on) for f in rows]}
    if user.role in RISK_ROLES:
        return {"risk_count": at_risk_kpm(user).count()}
    return {}
