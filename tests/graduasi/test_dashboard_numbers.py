"""Every number a dashboard shows equals the count made directly from the case rows.

A small but varied world (two provinces, three kabupaten, KPM of every assessment status,
proposals in every state, graduations of each type in several months credited to several
pendamping, exits this year and last, referrals in every status, P2K2 groups and meetings
around the 90-day window, visits around the 30-day window, KPM without a pendamping) goes
through the nightly pipeline; then, for the nation and every provinsi, kabupaten, kecamatan
and pendamping, what graduasi.dashboard.selectors reads from the summary tables is compared
with plain ORM counts over Kpm, Proposal, Referral, P2k2Attendance, Visit and KpmAssessment,
written here without looking at the pipeline's SQL."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse

from graduasi.dashboard.areas import Area, area_for_pendamping, area_for_region
from graduasi.dashboard.selectors import (
    Month,
    Numbers,
    dashboard_read,
    pendamping_rows,
    region_children,
)
from graduasi.models import (
    GraduationType,
    KpmAssessment,
    PipelineRun,
    Proposal,
    ProposalStatus,
    RegionLevel,
    RegionMonth,
    RegionSummary,
)
from graduasi.pipeline import pipeline_run
from graduasi.rules import target_progress
from graduasi.selectors import policy_on
from kpm.models import DesilHistory, ExitReason, Kpm, KpmStatus, Relationship, Sex
from pemberdayaan.models import Programme, Referral, ReferralStatus
from pendamping.models import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
    Pendamping,
    Visit,
    VisitPurpose,
)
from tests.conftest import World, make_pendamping
from tests.factories import AnggotaFactory, KpmFactory
from wilayah.models import Kabupaten, Kecamatan, Provinsi

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 5, 20)  # day 139: 4 approvals of a target of 10 are on track
YEAR = AS_OF.year
JAKARTA = ZoneInfo("Asia/Jakarta")

MOJOROTO, KOTA, PESANTREN = "35.71.01.1002", "35.71.02.1001", "35.71.03.1001"
SEMEN, MOJO = "35.06.01.2002", "35.06.02.2001"
SUKASARI, COBLONG = "32.73.01.1001", "32.73.02.1001"

ACTIVE, GRADUATED, EXITED = KpmStatus.ACTIVE, KpmStatus.GRADUATED, KpmStatus.EXITED
S = ProposalStatus


def wib(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


# The world --------------------------------------------------------------------------------

# What makes each assessment status: alamiah has no component; the others have a young child
# (anak usia dini), and sejahtera a DTSEN desil above the ceiling, tinjau 5+ years in PKH.
KINDS: dict[str, dict[str, Any]] = {
    "alamiah": {},
    "belum": {"child": date(2022, 10, 1)},
    "sd": {"child": date(2017, 2, 1), "school": "SD"},
    "sejahtera": {"child": date(2022, 10, 1), "desil": 5},
    "tinjau": {"child": date(2016, 9, 1), "school": "SD", "entry": date(2019, 7, 1)},
}


def family(desa: str, pendamping: Pendamping | None, kind: str = "belum", **fields: Any) -> Kpm:
    """A KPM of `kind` (KINDS) in `desa`: a mother, and a child when the kind holds one."""
    spec = KINDS[kind]
    kpm = KpmFactory.create(
        desa_code=desa,
        pendamping=pendamping,
        pkh_entry_date=spec.get("entry", date(2023, 6, 1)),
        desil=spec.get("desil", 2),
        **fields,
    )
    AnggotaFactory(kpm=kpm, pengurus=True, tanggal_lahir=date(1988, 4, 12))
    if "child" in spec:
        AnggotaFactory(
            kpm=kpm, hubungan=Relationship.CHILD, jenis_kelamin=Sex.MALE,
            tanggal_lahir=spec["child"], jenjang_sekolah=spec.get("school", ""),
        )  # fmt: skip
    return kpm


def propose(kpm: Kpm, status: str, *, submitted: datetime | None = None, **extra: Any) -> Proposal:
    """A proposal by the KPM's pendamping (or `pendamping=`, credited instead)."""
    pendamping = extra.pop("pendamping", None) or kpm.pendamping
    assert pendamping is not None
    return Proposal.objects.create(
        kpm=kpm, pendamping=pendamping, type=extra.pop("type", GraduationType.ALAMIAH),
        status=status, created_by=pendamping.user, submitted_at=submitted, **extra,
    )  # fmt: skip


def graduate(
    desa: str, pendamping: Pendamping | None, credited: Pendamping, kind: str, decided: datetime
) -> Kpm:
    """A KPM graduated by a proposal credited to `credited`, approved at `decided`."""
    kpm = family(desa, pendamping, "alamiah", status=GRADUATED)
    on = decided.astimezone(JAKARTA).date()
    Kpm.objects.filter(pk=kpm.pk).update(graduated_on=on, graduation_type=kind)
    propose(
        kpm, S.APPROVED, pendamping=credited, type=kind,
        submitted=decided - timedelta(days=9), decided_at=decided,
    )  # fmt: skip
    return kpm


def leave(desa: str, pendamping: Pendamping | None, on: date) -> Kpm:
    """A KPM that left the programme on `on` without graduating."""
    return family(desa, pendamping, "belum", status=EXITED, exited_on=on,
                  exit_reason=ExitReason.MOVED)  # fmt: skip


@dataclass
class Numbered:
    """The conftest world and the pendamping added to it."""

    world: World
    kab2: Pendamping  # Kabupaten Kediri, 11 graduations this year: on track, 10+ bucket
    bandung: Pendamping  # Kota Bandung (Jawa Barat), 4 graduations: just on track
    idle: Pendamping  # inactive, no KPM: no row anywhere
    gone: Pendamping  # inactive, one graduated family left on their name
    gone_kpm: Kpm
    caseload: dict[str, Kpm]  # active KPM by a short name (see _caseload)

    @property
    def pendamping(self) -> list[Pendamping]:
        w = self.world
        fixed = [w.pendamping_kota, w.pendamping_kota_other, w.pendamping_kab]
        return [*fixed, self.kab2, self.bandung, self.idle, self.gone]


def _pendamping(world: World) -> tuple[Pendamping, Pendamping, Pendamping, Pendamping]:
    kab2 = make_pendamping("pendamping_mojo", "35.06")
    bandung = make_pendamping("pendamping_bandung", "32.73")
    idle = make_pendamping("pendamping_pensiun", "35.71")
    gone = make_pendamping("pendamping_pindah", "35.06")
    Pendamping.objects.filter(pk__in=[idle.pk, gone.pk]).update(is_active=False)
    idle.refresh_from_db()
    gone.refresh_from_db()
    return kab2, bandung, idle, gone


def _caseload(w: World, kab2: Pendamping, bandung: Pendamping) -> dict[str, Kpm]:
    """Active KPM of every status, in several kecamatan, some without a pendamping."""
    p_kota, p_kota2, p_kab = w.pendamping_kota, w.pendamping_kota_other, w.pendamping_kab
    return {
        "a1": family(MOJOROTO, p_kota, "belum"),
        "a2": family(MOJOROTO, p_kota, "sejahtera"),
        "a3": family(MOJOROTO, p_kota, "tinjau"),
        "a4": family(MOJOROTO, p_kota, "alamiah"),
        "a5": family(MOJOROTO, None, "sd"),
        "b1": family(KOTA, p_kota2, "sd"),
        "b2": family(KOTA, p_kota2, "alamiah"),
        "b3": family(KOTA, p_kota, "belum"),
        "c1": family(SEMEN, p_kab, "belum"),
        "c2": family(SEMEN, p_kab, "sejahtera"),
        "c3": family(SEMEN, None, "belum"),
        "c4": family(SEMEN, p_kab, "sejahtera"),
        "d1": family(MOJO, kab2, "tinjau"),
        "d2": family(MOJO, kab2, "alamiah"),
        "e1": family(SUKASARI, bandung, "belum"),
        "e2": family(SUKASARI, bandung, "alamiah"),
    }


def _open_proposals(w: World, k: dict[str, Kpm]) -> None:
    """Waiting 3, 10 (00:30 WIB: still the day before in UTC), 41, 0 and 15 days; returned,
    draft and rejected ones."""
    propose(w.kpm_own, S.SUBMITTED, submitted=wib(AS_OF - timedelta(days=3)))
    propose(k["a4"], S.SUBMITTED, submitted=wib(AS_OF - timedelta(days=10), 0, 30))
    propose(k["c2"], S.SUBMITTED, submitted=wib(AS_OF - timedelta(days=41)))
    propose(w.kpm_other_district, S.SUBMITTED, submitted=wib(AS_OF, 8))
    propose(k["e2"], S.SUBMITTED, submitted=wib(AS_OF - timedelta(days=15)))
    propose(k["a2"], S.RETURNED, type=GraduationType.SEJAHTERA,
            submitted=wib(AS_OF - timedelta(days=20)))  # fmt: skip
    propose(k["b2"], S.DRAFT)
    propose(w.kpm_same_district, S.REJECTED, submitted=wib(date(2026, 3, 20)),
            decided_at=wib(date(2026, 4, 1)))  # fmt: skip
    propose(k["d2"], S.WITHDRAWN, submitted=wib(date(2026, 4, 2)))


def _graduations(w: World, kab2: Pendamping, bandung: Pendamping, gone: Pendamping) -> list[Kpm]:
    """This year's graduations by type and month (one credited to another pendamping than
    the KPM's, one at 03:00 WIB on 1 March: still February in UTC) and one of last year."""
    p_kota, p_kota2 = w.pendamping_kota, w.pendamping_kota_other
    A, J, M = GraduationType.ALAMIAH, GraduationType.SEJAHTERA, GraduationType.MANDIRI
    done = [
        graduate(MOJOROTO, p_kota, p_kota, A, wib(date(2026, 1, 31), 23, 30)),
        graduate(KOTA, p_kota, p_kota2, J, wib(date(2026, 3, 1), 3)),
        graduate(PESANTREN, p_kota2, p_kota2, M, wib(date(2026, 4, 10))),
        graduate(SEMEN, gone, gone, A, wib(date(2025, 12, 31), 23, 30)),
    ]
    for n in range(11):
        day = date(2026, 2 + n % 4, 3 + n)
        done.append(graduate(MOJO, kab2, kab2, (A, J)[n % 2], wib(day)))
    for n, month in enumerate([1, 3, 5, 5]):
        done.append(graduate(SUKASARI, bandung, bandung, (A, M)[n % 2], wib(date(2026, month, 2))))
    return done


def _risks(w: World, graduated: list[Kpm]) -> None:
    """Two graduated families whose desil fell back to 2 (at risk), one whose rose to 4."""
    Kpm.objects.filter(pk=w.kpm_graduated.pk).update(
        graduated_on=date(2025, 6, 1), graduation_type=GraduationType.ALAMIAH
    )
    for kpm, desil in [(w.kpm_graduated, 2), (graduated[3], 2), (graduated[0], 4)]:
        DesilHistory.objects.create(kpm=kpm, desil=desil, recorded_on=date(2026, 3, 1),
                                    source="import")  # fmt: skip


def _referrals(w: World, graduated: list[Kpm]) -> None:
    programmes = list(Programme.objects.order_by("position"))
    plan = [
        (graduated[0], [ReferralStatus.REFERRED, ReferralStatus.ACCEPTED]),
        (graduated[1], [ReferralStatus.ONGOING, ReferralStatus.DECLINED]),
        (graduated[2], [ReferralStatus.COMPLETED]),
        (graduated[3], [ReferralStatus.ONGOING]),
        (graduated[4], [ReferralStatus.REFERRED, ReferralStatus.COMPLETED]),
        (graduated[15], [ReferralStatus.ACCEPTED]),
    ]
    for kpm, statuses in plan:
        for programme, status in zip(programmes, statuses, strict=False):
            Referral.objects.create(
                kpm=kpm, programme=programme, status=status, consent_on=date(2026, 4, 20),
                consent_by=w.dinsos_kota, created_by=w.dinsos_kota,
            )  # fmt: skip


def _meeting(group: P2k2Group, on: date, status: str, roll: dict[Kpm, str]) -> None:
    session = P2k2Session.objects.order_by("pk")[P2k2Meeting.objects.count() % 5]
    meeting = P2k2Meeting.objects.create(group=group, session=session, scheduled_on=on,
                                         status=status)  # fmt: skip
    for kpm, attendance in roll.items():
        P2k2Attendance.objects.create(meeting=meeting, kpm=kpm, status=attendance)


def _group(pendamping: Pendamping, desa: str, members: list[Kpm], active: bool = True) -> P2k2Group:
    group = P2k2Group.objects.create(
        pendamping=pendamping, name=f"Kelompok {desa}", desa_id=desa, is_active=active
    )
    group.members.set(members)
    return group


def _p2k2(w: World, k: dict[str, Kpm], bandung: Pendamping) -> None:
    """Meetings held on the 90-day window's first day and just before it, planned, cancelled;
    hadir, izin and tidak hadir; a graduated member; an inactive group."""
    H, Z, X = AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT
    held, planned = MeetingStatus.HELD, MeetingStatus.PLANNED
    day = lambda n: AS_OF - timedelta(days=n)  # noqa: E731
    g1 = _group(w.pendamping_kota, MOJOROTO,
                [w.kpm_own, k["a1"], k["a2"], k["a3"], w.kpm_graduated])  # fmt: skip
    _meeting(g1, day(10), held, {w.kpm_own: H, k["a1"]: Z, k["a2"]: X, w.kpm_graduated: H})
    _meeting(g1, day(89), held, {k["a3"]: H})
    _meeting(g1, day(90), held, {k["a1"]: H})
    _meeting(g1, AS_OF + timedelta(days=7), planned, {})
    _meeting(g1, day(3), planned, {k["a2"]: H})  # a roll kept while not yet marked held
    g2 = _group(w.pendamping_kota_other, KOTA, [k["b1"], k["b2"]], active=False)
    _meeting(g2, day(30), held, {k["b1"]: H, k["b2"]: X})
    g3 = _group(w.pendamping_kab, SEMEN, [w.kpm_other_district, k["c1"], k["c3"]])
    _meeting(g3, day(45), held, {k["c1"]: H, w.kpm_other_district: Z})
    _meeting(g3, day(20), MeetingStatus.CANCELLED, {})
    g4 = _group(bandung, SUKASARI, [k["e1"]])
    _meeting(g4, day(2), held, {k["e1"]: H, k["e2"]: H})  # e2 came without being a member


def _visits(w: World, k: dict[str, Kpm], graduated: list[Kpm]) -> None:
    """Visits on the 30-day window's first day, just before it, after the run's date, twice
    to one KPM, to a graduated family and to a KPM without a pendamping."""
    plan = [
        (w.kpm_own, 0), (w.kpm_own, 5), (k["a1"], 29), (k["a2"], 30), (k["a3"], -1),
        (k["b1"], 12), (graduated[0], 3), (k["c1"], 7), (k["c3"], 8), (k["d1"], 1),
        (k["e1"], 20), (k["e1"], 45),
    ]  # fmt: skip
    for kpm, days_ago in plan:
        Visit.objects.create(
            kpm=kpm, pendamping=kpm.pendamping, visited_on=AS_OF - timedelta(days=days_ago),
            purposes=[VisitPurpose.COMMITMENT], created_by=w.admin,
        )  # fmt: skip


@pytest.fixture
def numbered(world: World) -> Numbered:
    kab2, bandung, idle, gone = _pendamping(world)
    caseload = _caseload(world, kab2, bandung)
    _open_proposals(world, caseload)
    graduated = _graduations(world, kab2, bandung, gone)
    _risks(world, graduated)
    _referrals(world, graduated)
    _p2k2(world, caseload, bandung)
    _visits(world, caseload, graduated)
    exits = [
        leave(MOJOROTO, world.pendamping_kota, date(2026, 2, 14)),
        leave(KOTA, None, date(2026, 4, 30)),
        leave(SEMEN, world.pendamping_kab, date(2025, 11, 20)),
        leave(MOJO, kab2, date(2026, 5, 1)),
    ]
    assert len(exits) == 4
    return Numbered(world=world, kab2=kab2, bandung=bandung, idle=idle, gone=gone,
                    gone_kpm=graduated[3], caseload=caseload)  # fmt: skip


def run_on(day: date = AS_OF, **kwargs: Any) -> PipelineRun:
    run = pipeline_run(on=day, trigger="perintah", **kwargs)
    assert run is not None
    return run


# The counts, straight from the case tables --------------------------------------------------

# Every column of a summary row that a dashboard shows (the area's own key excluded).
FIELDS = (
    "active_kpm", "alamiah", "sejahtera", "tinjau", "belum", "candidates", "candidates_alamiah",
    "candidates_sejahtera", "pending", "awaiting", "awaiting_median_days",
    "awaiting_oldest_days", "approved", "graduated", "at_risk", "referrals_dirujuk",
    "referrals_diterima", "referrals_berjalan", "referrals_ditolak", "referrals_selesai",
    "p2k2_members", "p2k2_attended", "visits_30d", "kpm_visited_30d", "yearly_benefit",
    "tahap_benefit", "pendamping_count", "pendamping_on_track", "target", "progress_histogram",
    "kecamatan_codes",
)  # fmt: skip
DERIVED = (
    "progress_pct", "on_track_pct", "p2k2_coverage_pct", "p2k2_member_pct", "visited_pct",
    "returned", "referrals_total", "referrals",
)  # fmt: skip
# A proposal in one of these keeps its KPM from being a candidate; these wait on someone.
BLOCKING = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED)
WAITING = (S.SUBMITTED, S.RETURNED)


@dataclass(frozen=True)
class Facts:
    """An area as the case tables see it."""

    area: Area
    kpm: QuerySet[Kpm]  # the area's KPM, of any status
    approvals: QuerySet[Proposal]  # the graduations approved this year that count for it
    staff: list[Pendamping] | None  # pendamping with a target here; None for a kecamatan
    histogram: bool
    kecamatan_codes: list[str]


def approved_in(year: int) -> QuerySet[Proposal]:
    start = datetime(year, 1, 1, tzinfo=JAKARTA)
    end = datetime(year + 1, 1, 1, tzinfo=JAKARTA)
    return Proposal.objects.filter(status=S.APPROVED, decided_at__gte=start, decided_at__lt=end)


def pct(part: int | None, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole and part is not None else None


def _ages(kpm: QuerySet[Kpm], on: date) -> list[int]:
    """Days each submitted proposal of these KPM has waited, by the Jakarta calendar."""
    submitted = Proposal.objects.filter(kpm__in=kpm, status=S.SUBMITTED)
    days = submitted.values_list("submitted_at", flat=True)
    return [max(0, (on - at.astimezone(JAKARTA).date()).days) for at in days if at is not None]


def _assessments(kpm: QuerySet[Kpm]) -> dict[str, int]:
    active = kpm.filter(status=ACTIVE)
    assessed = KpmAssessment.objects.filter(kpm__in=active)
    free = assessed.exclude(kpm__proposals__status__in=BLOCKING)
    statuses = ("alamiah", "sejahtera", "tinjau", "belum")
    counts = {s: assessed.filter(status=s).count() for s in statuses}
    counts["candidates_alamiah"] = free.filter(status="alamiah").count()
    counts["candidates_sejahtera"] = free.filter(status="sejahtera").count()
    counts["candidates"] = counts["candidates_alamiah"] + counts["candidates_sejahtera"]
    money = assessed.aggregate(y=Sum("yearly_benefit"), t=Sum("per_tahap"))
    counts["yearly_benefit"], counts["tahap_benefit"] = money["y"] or 0, money["t"] or 0
    return counts


def _proposals(kpm: QuerySet[Kpm], on: date) -> dict[str, Any]:
    ages = _ages(kpm, on)
    return {
        "pending": Proposal.objects.filter(kpm__in=kpm, status__in=WAITING).count(),
        "awaiting": len(ages),
        "awaiting_median_days": statistics.median(ages) if ages else None,
        "awaiting_oldest_days": max(ages, default=None),
    }


def _after_graduation(kpm: QuerySet[Kpm]) -> dict[str, int]:
    referrals = Referral.objects.filter(kpm__in=kpm)
    counts = {f"referrals_{s}": referrals.filter(status=s).count() for s in ReferralStatus}
    counts["graduated"] = kpm.filter(status=GRADUATED).count()
    counts["at_risk"] = kpm.filter(status=GRADUATED, at_risk=True).count()
    return counts


def _activity(kpm: QuerySet[Kpm], on: date) -> dict[str, int]:
    """P2K2 membership and attendance in 90 days, visits in 30, both ending on `on`."""
    active = kpm.filter(status=ACTIVE)
    attended = P2k2Attendance.objects.filter(
        status=AttendanceStatus.PRESENT, meeting__status=MeetingStatus.HELD,
        meeting__scheduled_on__range=(on - timedelta(days=89), on),
    )  # fmt: skip
    visits = Visit.objects.filter(visited_on__range=(on - timedelta(days=29), on))
    return {
        "p2k2_members": active.filter(p2k2_groups__is_active=True).distinct().count(),
        "p2k2_attended": active.filter(pk__in=attended.values("kpm")).count(),
        "visits_30d": visits.filter(kpm__in=kpm).count(),
        "kpm_visited_30d": active.filter(pk__in=visits.values("kpm")).count(),
    }


def _staff(facts: Facts, on: date) -> dict[str, Any]:
    """Targets of the area's active pendamping and the spread of their graduations."""
    if facts.staff is None:
        return {"pendamping_count": None, "pendamping_on_track": None, "target": None,
                "progress_histogram": None}  # fmt: skip
    policy = policy_on(on)
    credited = [approved_in(on.year).filter(pendamping=p).count() for p in facts.staff]
    on_track = [target_progress(approved=n, on=on, policy=policy).on_track for n in credited]
    buckets = Counter(min(n, 10) for n in credited)
    return {
        "pendamping_count": len(facts.staff),
        "pendamping_on_track": sum(on_track),
        "target": policy.yearly_graduation_target * len(facts.staff),
        "progress_histogram": [buckets[b] for b in range(11)] if facts.histogram else None,
    }


def expected_numbers(facts: Facts, on: date = AS_OF) -> dict[str, Any]:
    """Every field of the area's summary row, counted from the case tables."""
    numbers = {
        "active_kpm": facts.kpm.filter(status=ACTIVE).count(),
        "approved": facts.approvals.count(),
        "kecamatan_codes": facts.kecamatan_codes,
        **_assessments(facts.kpm),
        **_proposals(facts.kpm, on),
        **_after_graduation(facts.kpm),
        **_activity(facts.kpm, on),
        **_staff(facts, on),
    }
    referrals = [(s.value, numbers[f"referrals_{s.value}"]) for s in ReferralStatus]
    return {
        **numbers,
        "progress_pct": pct(numbers["approved"], numbers["target"]),
        "on_track_pct": pct(numbers["pendamping_on_track"], numbers["pendamping_count"]),
        "p2k2_coverage_pct": pct(numbers["p2k2_attended"], numbers["active_kpm"]),
        "p2k2_member_pct": pct(numbers["p2k2_members"], numbers["active_kpm"]),
        "visited_pct": pct(numbers["kpm_visited_30d"], numbers["active_kpm"]),
        "returned": Proposal.objects.filter(kpm__in=facts.kpm, status=S.RETURNED).count(),
        "referrals_total": sum(n for _, n in referrals),
        "referrals": referrals,
    }


def expected_months(facts: Facts, year: int = YEAR) -> list[Month]:
    """Graduations by type in the month (Jakarta time) they were approved, exits by month."""
    counts: Counter[tuple[int, str]] = Counter()
    for decided, kind in facts.approvals.values_list("decided_at", "type"):
        assert decided is not None  # an approval has its time (a constraint)
        counts[(decided.astimezone(JAKARTA).month, kind)] += 1
    exits = facts.kpm.filter(status=EXITED, exited_on__year=year)
    for exited_on in exits.exclude(exited_on=None).values_list("exited_on", flat=True):
        counts[(exited_on.month, "exit")] += 1  # type: ignore[union-attr]
    return [
        Month(month=m, alamiah=counts[(m, "alamiah")], sejahtera=counts[(m, "sejahtera")],
              mandiri=counts[(m, "mandiri")], exits=counts[(m, "exit")])
        for m in range(1, 13)
    ]  # fmt: skip


def shown(numbers: Numbers | None) -> dict[str, Any] | None:
    """What a dashboard reads from one summary row, derived shares included."""
    if numbers is None:
        return None
    return {name: getattr(numbers, name) for name in (*FIELDS, *DERIVED)}


# The areas ------------------------------------------------------------------------------------


def region_facts(user: Any, code: str, year: int = YEAR) -> Facts:
    area = area_for_region(user, code)
    level = area.level
    by_level = {
        RegionLevel.NATION: Q(),
        RegionLevel.PROVINSI: Q(provinsi_code=code),
        RegionLevel.KABUPATEN: Q(kabupaten_code=code),
        RegionLevel.KECAMATAN: Q(kecamatan_code=code),
    }
    kpm = Kpm.objects.filter(by_level[level])
    staff = None
    if level != RegionLevel.KECAMATAN:
        prefix = Q(kabupaten=code) | Q(kabupaten__code__startswith=f"{code}.") if code else Q()
        staff = list(Pendamping.objects.filter(prefix, is_active=True))
    return Facts(area=area, kpm=kpm, approvals=approved_in(year).filter(kpm__in=kpm),
                 staff=staff, histogram=staff is not None, kecamatan_codes=[])  # fmt: skip


def pendamping_facts(user: Any, pendamping: Pendamping, year: int = YEAR) -> Facts:
    kpm = Kpm.objects.filter(pendamping=pendamping)
    codes = set(kpm.filter(status=ACTIVE).values_list("kecamatan_code", flat=True))
    return Facts(
        area=area_for_pendamping(user, pendamping.pk), kpm=kpm,
        approvals=approved_in(year).filter(pendamping=pendamping),
        staff=[pendamping] if pendamping.is_active else [], histogram=False,
        kecamatan_codes=sorted(codes),
    )  # fmt: skip


def all_facts(user: Any) -> dict[tuple[str, str, int | None], Facts]:
    """Every area that should have a summary: regions holding KPM, and pendamping who are
    active or still have KPM on their name."""
    regions = {""}
    for kec in Kpm.objects.values_list("kecamatan_code", flat=True).distinct():
        regions |= {kec[:2], kec[:5], kec}
    found: dict[tuple[str, str, int | None], Facts] = {}
    for code in sorted(regions):
        facts = region_facts(user, code)
        found[(facts.area.level, code, None)] = facts
    with_kpm = Q(is_active=True) | Q(pk__in=Kpm.objects.values("pendamping"))
    for pendamping in Pendamping.objects.filter(with_kpm):
        facts = pendamping_facts(user, pendamping)
        found[(RegionLevel.PENDAMPING, pendamping.kabupaten_id, pendamping.pk)] = facts
    return found


# The tests ------------------------------------------------------------------------------------


def test_the_world_holds_what_the_numbers_are_meant_to_prove(numbered):
    run_on()

    nation = expected_numbers(region_facts(numbered.world.admin, ""))
    assert all(nation[s] > 0 for s in ("alamiah", "sejahtera", "tinjau", "belum"))
    assert nation["candidates_alamiah"] > 0 and nation["candidates_sejahtera"] > 0
    assert (nation["awaiting"], nation["returned"], nation["awaiting_oldest_days"]) == (5, 1, 41)
    assert nation["awaiting_median_days"] == 10  # 0, 3, 10, 15, 41
    assert (nation["graduated"], nation["at_risk"]) == (20, 2)
    assert all(count > 0 for _, count in nation["referrals"])
    assert 0 < nation["p2k2_attended"] < nation["p2k2_members"] < nation["active_kpm"]
    assert nation["kpm_visited_30d"] < nation["visits_30d"]
    assert nation["progress_histogram"] == [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1]
    assert Kpm.objects.filter(status=ACTIVE, pendamping=None).exists()


def test_every_summary_row_is_an_area_of_the_case_tables(numbered):
    run_on()

    expected = set(all_facts(numbered.world.admin))
    stored = set(RegionSummary.objects.values_list("level", "region_code", "pendamping_id"))
    assert stored == expected
    assert (RegionLevel.PENDAMPING, "35.06", numbered.gone.pk) in stored  # still has a family
    assert not any(pid == numbered.idle.pk for _, _, pid in stored)
    shown_fields = {f.name for f in RegionSummary._meta.concrete_fields} - {
        "id", "level", "region_code", "pendamping", "year", "updated_at",
    }  # fmt: skip
    assert shown_fields == set(FIELDS)  # a new column must be proven here too


def test_each_dashboard_shows_the_numbers_months_tahaps_and_histogram_of_its_rows(numbered):
    run = run_on()

    for key, facts in all_facts(numbered.world.admin).items():
        board = dashboard_read(facts.area)
        expected = expected_numbers(facts)
        assert (board.run, board.year) == (run, YEAR)
        assert shown(board.numbers) == expected, key
        assert board.months == expected_months(facts), key
        assert board.histogram == expected["progress_histogram"], key
        tahaps = [(t.tahap, t.amount, t.active_kpm, t.recorded_on, t.current) for t in board.tahaps]
        assert tahaps == [
            (1, None, None, None, False),
            (2, expected["tahap_benefit"], expected["active_kpm"], AS_OF, True),
            (3, None, None, None, False),
            (4, None, None, None, False),
        ], key


def _child_names(level: str) -> dict[str, str]:
    model: Any = {"provinsi": Provinsi, "kabupaten": Kabupaten, "kecamatan": Kecamatan}[level]
    return dict(model.objects.values_list("code", "name"))


def test_each_region_table_lists_the_regions_below_with_their_numbers(numbered):
    run_on()
    facts = all_facts(numbered.world.admin)

    for (level, code, pid), parent in facts.items():
        if pid is not None or level == RegionLevel.KECAMATAN:
            continue
        child_level = parent.area.child_level
        expected = {
            c: (_child_names(child_level)[c], reverse("dasbor:region", args=[c]),
                expected_numbers(f))
            for (lvl, c, p), f in facts.items()
            if lvl == child_level and p is None and (not code or c.startswith(f"{code}."))
        }  # fmt: skip
        children = region_children(parent.area, year=YEAR)
        assert {c.code: (c.name, c.url, shown(c.numbers)) for c in children} == expected, code
        assert [c.name for c in children] == sorted((n for n, _, _ in expected.values()),
                                                    key=str.lower)  # fmt: skip
    assert region_children(facts[("kecamatan", "35.71.01", None)].area, year=YEAR) == []


def _in_area(area: Area, key: tuple[str, str, int | None], facts: Facts) -> bool:
    """Whether the pendamping `key` belongs in `area`'s pendamping table."""
    _, kabupaten, pid = key
    match area.level:
        case RegionLevel.NATION:
            return True
        case RegionLevel.PROVINSI:
            return kabupaten.startswith(f"{area.code}.")
        case RegionLevel.KABUPATEN:
            return kabupaten == area.code
        case RegionLevel.KECAMATAN:
            return area.code in facts.kecamatan_codes
    return pid == area.pendamping_id


def test_each_pendamping_table_lists_the_pendamping_of_the_area_behind_first(numbered):
    run_on()
    facts = all_facts(numbered.world.admin)
    pendamping = {k: f for k, f in facts.items() if k[2] is not None}

    for parent in facts.values():
        expected = {
            key[2]: expected_numbers(f) for key, f in pendamping.items()
            if _in_area(parent.area, key, f)
        }  # fmt: skip
        rows = list(pendamping_rows(parent.area, year=YEAR))
        assert {r.pendamping_id: shown(Numbers(r)) for r in rows} == expected, parent.area
        order = sorted(expected, key=lambda p: (expected[p]["pendamping_on_track"],
                                                expected[p]["approved"], p))  # fmt: skip
        assert [r.pendamping_id for r in rows] == order
        behind = pendamping_rows(parent.area, year=YEAR, behind_only=True)
        # behind schedule: active pendamping (counted, with a target) not on track
        assert {r.pendamping_id for r in behind} == {
            p for p, n in expected.items()
            if n["pendamping_on_track"] == 0 and n["pendamping_count"] == 1
        }  # fmt: skip
    kab2 = pendamping[(RegionLevel.PENDAMPING, "35.06", numbered.kab2.pk)]
    assert expected_numbers(kab2)["pendamping_on_track"] == 1  # someone is on track


# Reruns, months and pruning --------------------------------------------------------------------


def summary_versions() -> dict[tuple[str, int], tuple[str, str]]:
    """Where each summary and month row physically is and which transaction wrote it."""
    found = {}
    with connection.cursor() as cursor:
        for table in ("graduasi_regionsummary", "graduasi_regionmonth"):
            cursor.execute(f"SELECT id, ctid::text, xmin::text FROM {table}")
            found.update({(table, pk): (ctid, xmin) for pk, ctid, xmin in cursor.fetchall()})
    return found


def test_a_rerun_with_nothing_changed_writes_no_summary_or_month_row(numbered):
    run_on()
    before = summary_versions()

    again = run_on(force=True)

    assert summary_versions() == before
    assert again.summaries_changed == 0
    months = RegionMonth.objects.filter(year=YEAR)
    assert months.filter(month=1, graduated_alamiah__gt=0).exists()  # flows of earlier months
    assert set(months.exclude(snapshot_on=None).values_list("month", flat=True)) == {5}


def test_a_months_state_stays_after_it_while_its_flows_are_recounted(numbered):
    march = date(2026, 3, 20)
    w = numbered.world
    run_on(march)
    kota = region_facts(w.admin, "35.71")
    state = expected_numbers(kota, on=march)
    a1 = numbered.caseload["a1"]
    Kpm.objects.filter(pk=a1.pk).update(status=GRADUATED, graduated_on=date(2026, 3, 25))
    propose(a1, S.APPROVED, type=GraduationType.SEJAHTERA, submitted=wib(date(2026, 3, 10)),
            decided_at=wib(date(2026, 3, 25)))  # fmt: skip
    family(KOTA, w.pendamping_kota_other, "sd")  # a new family in April

    run_on()

    row = RegionMonth.objects.get(level="kabupaten", region_code="35.71", month=3)
    assert (row.snapshot_on, row.active_kpm, row.tahap_benefit) == (
        march, state["active_kpm"], state["tahap_benefit"],
    )  # fmt: skip
    kota = region_facts(w.admin, "35.71")
    board = dashboard_read(kota.area)
    assert board.months == expected_months(kota)
    assert board.months[2].sejahtera == 2  # the approval of 25 March, recounted in May
    now = expected_numbers(kota)
    assert now["active_kpm"] == state["active_kpm"]  # one graduated, one came in
    assert now["tahap_benefit"] != state["tahap_benefit"]
    assert [(t.amount, t.active_kpm, t.recorded_on, t.current) for t in board.tahaps[:2]] == [
        (state["tahap_benefit"], state["active_kpm"], march, False),
        (now["tahap_benefit"], now["active_kpm"], AS_OF, True),
    ]


def test_a_region_whose_last_kpm_leaves_is_pruned_from_the_summary(numbered):
    w = numbered.world
    coblong = family(COBLONG, numbered.bandung, "belum")
    run_on()
    assert RegionSummary.objects.filter(region_code="32.73.02").exists()
    coblong.set_region_from_desa_code(SUKASARI)  # the family moves to the next kecamatan
    coblong.save()
    Kpm.objects.filter(pk=numbered.gone_kpm.pk).update(pendamping=w.pendamping_kab)

    run_on(force=True)

    assert not RegionSummary.objects.filter(region_code="32.73.02").exists()
    assert dashboard_read(area_for_region(w.admin, "32.73.02")).numbers is None
    bandung = area_for_region(w.admin, "32.73")
    assert [c.code for c in region_children(bandung, year=YEAR)] == ["32.73.01"]
    mine = RegionSummary.objects.get(pendamping=numbered.bandung)
    assert mine.kecamatan_codes == ["32.73.01"]
    assert not RegionSummary.objects.filter(pendamping=numbered.gone).exists()
    assert set(all_facts(w.admin)) == set(
        RegionSummary.objects.values_list("level", "region_code", "pendamping_id")
    )


def test_a_region_whose_last_active_kpm_exits_keeps_its_row_for_the_exit(numbered):
    w = numbered.world
    kpm = family(COBLONG, numbered.bandung, "belum")
    run_on()
    Kpm.objects.filter(pk=kpm.pk).update(status=EXITED, exited_on=date(2026, 5, 18))

    run_on(force=True)

    facts = region_facts(w.admin, "32.73.02")
    board = dashboard_read(facts.area)
    assert shown(board.numbers) == expected_numbers(facts)
    assert board.numbers is not None and board.numbers.active_kpm == 0
    assert board.months[4].exits == 1
