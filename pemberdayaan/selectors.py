"""Reads of empowerment after graduation: the facts the fall-back risk rule takes (a few grouped
queries per batch, never one per KPM), and the lists the profile, the Beranda, the referral
list and the at-risk list show (each a fixed number of queries)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, OuterRef, QuerySet, Subquery

from graduasi.models import PolicyVersion
from graduasi.pipeline.facts import PovertyLines
from graduasi.rules import DEFAULT_POLICY, Policy
from graduasi.selectors import policy_from
from kpm.models import Anggota, DesilHistory, Kpm, KpmQuerySet, KpmStatus
from pemberdayaan.models import FollowUp, Referral, ReferralStatus
from pemberdayaan.rules import DesilCheck, IncomeCheck, RiskFacts
from pengguna.models import User

# The fall-back risk facts ---------------------------------------------------------------------


class PolicyTimeline:
    """Every policy version, read once per run: the policy in force on a day
    (graduasi.selectors.policy_on, for many days at once)."""

    def __init__(self) -> None:
        versions = PolicyVersion.objects.order_by("-valid_from")
        self._versions = [(v.valid_from, policy_from(v)) for v in versions]

    def on(self, day: date) -> Policy:
        return next((p for valid, p in self._versions if valid <= day), DEFAULT_POLICY)


def risk_batches(*, size: int, after: int = 0) -> Iterator[list[int]]:
    """Keyset over the ids of KPM whose risk may need writing: every graduated KPM, and any
    other still flagged (a flag a KPM no longer graduated must lose)."""
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id FROM kpm_kpm WHERE (status = %s OR at_risk) AND id > %s"
                " ORDER BY id LIMIT %s",
                [KpmStatus.GRADUATED.value, after, size],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            yield ids
            after = ids[-1]


def _latest_follow_ups(pks: Sequence[int]) -> dict[int, tuple[date, int, int]]:
    """Each KPM's latest done follow-up: (day, income, members)."""
    rows = (
        FollowUp.objects.filter(kpm_id__in=pks, done_on__isnull=False)
        .order_by("kpm_id", "-done_on", "-months_after")
        .distinct("kpm_id")
        .values_list("kpm_id", "done_on", "monthly_income", "member_count")
    )
    return {
        kpm: (day, income or 0, members or 0)
        for kpm, day, income, members in rows
        if day is not None
    }


def _latest_desil_after_graduation(pks: Sequence[int]) -> dict[int, tuple[date, int]]:
    """Each KPM's latest desil recorded after its graduation day: (day, desil)."""
    rows = (
        DesilHistory.objects.filter(kpm_id__in=pks, recorded_on__gt=F("kpm__graduated_on"))
        .order_by("kpm_id", "-recorded_on", "-id")
        .distinct("kpm_id")
        .values_list("kpm_id", "recorded_on", "desil")
    )
    return {kpm: (day, desil) for kpm, day, desil in rows}


def risk_facts(
    pks: Sequence[int], *, lines: PovertyLines, policies: PolicyTimeline
) -> list[RiskFacts]:
    """The facts of the KPM in `pks` the risk rule takes: three queries, two when none of
    them is graduated."""
    households = list(
        Kpm.objects.filter(pk__in=pks).values_list("pk", "status", "graduated_on", "provinsi_code")
    )
    graduated = [pk for pk, status, _, _ in households if status == KpmStatus.GRADUATED]
    follow_ups = _latest_follow_ups(graduated) if graduated else {}
    desils = _latest_desil_after_graduation(graduated) if graduated else {}
    facts = []
    for pk, status, _, provinsi in households:
        income = None
        if pk in follow_ups:
            day, household_income, members = follow_ups[pk]
            income = IncomeCheck(
                on=day,
                household_income=household_income,
                member_count=members,
                poverty_line=lines.on(provinsi, day),
                multiplier=policies.on(day).poverty_line_multiplier,
            )
        desil = None
        if pk in desils:
            day, value = desils[pk]
            desil = DesilCheck(
                on=day, desil=value, fallback_max=policies.on(day).fallback_desil_max
            )
        facts.append(
            RiskFacts(
                kpm_id=pk, graduated=status == KpmStatus.GRADUATED, income=income, desil=desil
            )
        )
    return facts


# The profile, the Beranda and the lists --------------------------------------------------------


def referrals_of(kpm: Kpm) -> list[Referral]:
    """The KPM's referrals with their programme and the outcomes agencies reported on them, in
    catalogue order; two queries."""
    return list(
        Referral.objects.filter(kpm=kpm).select_related("programme").prefetch_related("outcomes")
    )


def follow_ups_of(kpm: Kpm) -> list[FollowUp]:
    """The KPM's follow-ups, the earliest due first; one query."""
    return list(FollowUp.objects.filter(kpm=kpm).order_by("months_after"))


def _pengurus_name() -> Subquery:
    pengurus = Anggota.objects.filter(kpm=OuterRef("kpm_id"), is_pengurus=True).values("nama")
    return Subquery(pengurus[:1], output_field=CharField())


def follow_ups_open(user: User, *, shown: int = 10) -> list[FollowUp]:
    """The open follow-ups of graduated KPM `user` may see, the earliest due first, each
    with its KPM and `pengurus_nama`; one query. None is left out for not being due yet."""
    rows = (
        FollowUp.objects.visible_to(user)
        .filter(done_on__isnull=True, kpm__status=KpmStatus.GRADUATED)
        .select_related("kpm")
        .annotate(pengurus_nama=_pengurus_name())
        .order_by("due_on", "kpm__kpm_id", "months_after")
    )
    return list(rows[:shown])


def at_risk_kpm(user: User) -> KpmQuerySet:
    """Graduated KPM `user` may see that are flagged at risk of falling back."""
    return Kpm.objects.visible_to(user).filter(status=KpmStatus.GRADUATED, at_risk=True)


def at_risk_rows(user: User, *, region: str = "", reason: str = "") -> KpmQuerySet:
    """The at-risk list: optionally inside a kabupaten or kecamatan code and with one reason
    code, with desa, kecamatan, pendamping and pengurus name in the same query."""
    rows = at_risk_kpm(user)
    if len(region) == 8:
        rows = rows.filter(kecamatan_code=region)
    elif len(region) == 5:
        rows = rows.filter(kabupaten_code=region)
    if reason:
        rows = rows.filter(risk_reasons__contains=[{"code": reason}])
    return (
        rows.select_related("desa__kecamatan", "pendamping__user")
        .with_pengurus_name()
        .order_by("kecamatan_code", "-graduated_on", "kpm_id")
    )


def referral_rows(user: User, *, status: str = "", programme: int | None = None) -> QuerySet:
    """Referrals of KPM `user` may see, newest change first, with KPM, desa, programme and the
    pengurus name in the same query."""
    rows = Referral.objects.visible_to(user)
    if programme is not None:
        rows = rows.filter(programme_id=programme)
    if status:
        rows = rows.filter(status=status)
    return (
        rows.select_related("kpm__desa", "programme")
        .annotate(pengurus_nama=_pengurus_name())
        .order_by("-status_changed_at", "-id")
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def referral_counts(user: User, *, programme: int | None = None) -> list[StatusCount]:
    """How many referrals `user` sees in each status (within one programme if given); one
    query."""
    rows = Referral.objects.visible_to(user)
    if programme is not None:
        rows = rows.filter(programme_id=programme)
    found: dict[str, Any] = dict(
        rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [
        StatusCount(status=value, label=str(label), count=found.get(value, 0))
        for value, label in ReferralStatus.choices
    ]
