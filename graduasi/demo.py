"""Demo graduation work on top of the demo households (`manage.py seed_demo_workflow`): each
pendamping's approved graduations this year (so targets are not all zero), proposals waiting in
the Dinsos queue since days to weeks ago, one returned and one draft for the demo pendamping,
referrals, follow-ups and the kabupaten's funded quota; then the field work the dashboards count:
home visits, P2K2 groups with meetings and attendance, and graduated families whose desil fell
back. Proposals go through the real services; only their dates are moved back afterwards so the
year has a history. The demo pendamping's visits and meetings go through the services too; the
rest are bulk inserts of the same rows, which keeps the command fast. The same database state
always gives the same rows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import DomainError
from graduasi.models import CANDIDATE_STATUSES, KpmAssessment, Proposal, ProposalStatus
from graduasi.pipeline.run import kpm_reassess
from graduasi.rules import tahap_of
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_return,
    proposal_submit,
)
from kpm.demo.logins import DEMO_PENDAMPING
from kpm.models import DesilHistory, DesilSource, FundedQuota, Kpm, KpmQuerySet, KpmStatus
from pemberdayaan.models import FollowUp, Programme, Referral
from pemberdayaan.services.handover import FOLLOW_UP_MONTHS, follow_up_due
from pemberdayaan.services.risk import risk_refresh
from pendamping.models import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Meeting,
    P2k2Session,
    Pendamping,
    Visit,
    VisitPurpose,
)
from pendamping.services.p2k2 import p2k2_group_create, p2k2_meeting_hold, p2k2_meeting_plan
from pendamping.services.visits import visit_log
from pengguna.models import Role, User
from wilayah.models import Desa

# A one-page PDF standing in for the family's signed statement.
DEMO_STATEMENT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
APPROVED_PER_PENDAMPING = (1, 9)  # inclusive range: progress toward 10 varies
PENDING_PER_PENDAMPING = (0, 2)


@dataclass
class WorkflowResult:
    approved: int = 0
    pending: int = 0
    returned: int = 0
    drafts: int = 0
    referrals: int = 0
    backfilled: int = 0
    visits: int = 0
    groups: int = 0
    meetings: int = 0
    at_risk: int = 0
    skipped: list[str] = field(default_factory=list)


def demo_workflow(*, kabupaten_code: str, today: date, seed: int = 1) -> WorkflowResult:
    """Seed the kabupaten's graduation work; the Dinsos officer decides every proposal."""
    result = WorkflowResult()
    officer = User.objects.filter(role=Role.DINSOS, scope_region_code=kabupaten_code).first()
    if officer is None:
        result.skipped.append(f"no Dinsos officer for {kabupaten_code}")
        return result
    result.backfilled = backfill_departures(kabupaten_code=kabupaten_code, today=today)
    active = Kpm.objects.filter(kabupaten_code=kabupaten_code, status=KpmStatus.ACTIVE)
    kpm_reassess(kpm_ids=list(active.values_list("pk", flat=True)), on=today)
    rng = random.Random(f"{seed}:{kabupaten_code}")
    programmes = list(Programme.objects.filter(active=True).order_by("position"))
    staff = Pendamping.objects.filter(kpm__kabupaten_code=kabupaten_code).distinct()
    for pendamping in staff.select_related("user").order_by("pk"):
        _pendamping_work(pendamping, officer, rng, programmes, today, result)
    _quota(kabupaten_code, today)
    _spread_waiting(kabupaten_code, today, rng)
    demo_field_work(kabupaten_code=kabupaten_code, today=today, rng=rng, result=result)
    return result


def _pendamping_work(
    pendamping: Pendamping,
    officer: User,
    rng: random.Random,
    programmes: Sequence[Programme],
    today: date,
    result: WorkflowResult,
) -> None:
    candidates = list(_candidates(pendamping))
    rng.shuffle(candidates)
    approved = rng.randint(*APPROVED_PER_PENDAMPING)
    pending = rng.randint(*PENDING_PER_PENDAMPING)
    if pendamping.user.username == DEMO_PENDAMPING:
        approved, pending = 4, 3
    for kpm in candidates[:approved]:
        proposal = _submitted(kpm, pendamping.user, rng, programmes, today, result)
        if proposal is not None:
            proposal_approve(proposal=proposal, officer=officer, note="Data lengkap.")
            result.approved += 1
            result.referrals += proposal.referral_programmes.count()
            _move_back(proposal, rng, today)
    for kpm in candidates[approved : approved + pending]:
        if _submitted(kpm, pendamping.user, rng, programmes, today, result) is not None:
            result.pending += 1
    if pendamping.user.username == DEMO_PENDAMPING:
        _returned_and_draft(candidates[approved + pending :], pendamping, officer, today, result)


def _candidates(pendamping: Pendamping) -> KpmQuerySet:
    """Active KPM of the pendamping the assessment says may graduate, with no proposal yet."""
    ready = KpmAssessment.objects.filter(status__in=CANDIDATE_STATUSES).values("kpm_id")
    return (
        Kpm.objects.filter(pendamping=pendamping, status=KpmStatus.ACTIVE, pk__in=ready)
        .exclude(proposals__isnull=False)
        .select_related("graduation_assessment")
        .order_by("kpm_id")
    )


def _submitted(
    kpm: Kpm,
    user: User,
    rng: random.Random,
    programmes: Sequence[Programme],
    today: date,
    result: WorkflowResult,
    *,
    submit: bool = True,
) -> Proposal | None:
    """A proposal of the type the assessment supports (mandiri, with a statement, when the
    evidence for sejahtera is too old), submitted unless `submit` is false."""
    chosen = rng.sample(list(programmes), k=rng.randint(0, 2)) if programmes else []
    kind = kpm.graduation_assessment.status
    for attempt in (kind, "mandiri"):
        try:
            with transaction.atomic():
                proposal = proposal_draft(
                    kpm=kpm, actor=user, type=attempt, programmes=chosen, consent_on=today,
                    justification=_justification(attempt),
                )  # fmt: skip
                if attempt == "mandiri":
                    statement = SimpleUploadedFile("pernyataan.pdf", DEMO_STATEMENT)
                    proposal_attach_statement(proposal=proposal, actor=user, file=statement)
                return proposal_submit(proposal=proposal, actor=user) if submit else proposal
        except DomainError as refused:
            if attempt == "mandiri":
                result.skipped.append(f"{kpm.kpm_id}: {refused}")
    return None


def _justification(kind: str) -> str:
    return {
        "alamiah": "Tidak ada lagi komponen PKH dalam keluarga.",
        "sejahtera": "Pendapatan per anggota di atas garis kemiskinan dan usaha berjalan.",
        "mandiri": "Keluarga menyatakan siap keluar dari PKH; surat pernyataan terlampir.",
    }[kind]


def _move_back(proposal: Proposal, rng: random.Random, today: date) -> None:
    """Spread the approvals over the year so far: the KPM, its follow-ups and the proposal."""
    first = date(today.year, 1, 2)
    if today <= first:
        return
    day = first + timedelta(days=rng.randrange((today - first).days))
    decided = timezone.make_aware(datetime.combine(day, time(10, rng.randrange(60))))
    submitted = decided - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 6))
    created = submitted - timedelta(days=rng.randint(0, 5))
    Proposal.objects.filter(pk=proposal.pk).update(
        created_at=created, submitted_at=submitted, decided_at=decided
    )
    Kpm.objects.filter(pk=proposal.kpm_id).update(
        graduated_on=day, last_paid_year=day.year, last_paid_tahap=tahap_of(day)
    )
    for months in FOLLOW_UP_MONTHS:
        FollowUp.objects.filter(kpm_id=proposal.kpm_id, months_after=months).update(
            due_on=follow_up_due(day, months)
        )
    Referral.objects.filter(proposal=proposal).update(consent_on=created.date(), created_at=decided)


def _returned_and_draft(
    rest: Sequence[Kpm], pendamping: Pendamping, officer: User, today: date, result: WorkflowResult
) -> None:
    """The demo pendamping has one proposal returned for revision and one draft."""
    rng = random.Random(pendamping.pk)
    if rest:
        returned = _submitted(rest[0], pendamping.user, rng, [], today, result)
        if returned is not None:
            note = "Lengkapi alasan usulan dengan kondisi usaha keluarga saat ini."
            proposal_return(proposal=returned, officer=officer, note=note)
            result.returned += 1
    if len(rest) > 1:
        draft = _submitted(rest[1], pendamping.user, rng, [], today, result, submit=False)
        result.drafts += draft is not None


def _quota(kabupaten_code: str, today: date) -> None:
    """Funded places: the caseload at the start of the year (active now plus left this year)."""
    start = date(today.year, 1, 1)
    left = Q(status=KpmStatus.GRADUATED, graduated_on__gte=start) | Q(
        status=KpmStatus.EXITED, exited_on__gte=start
    )
    counted = Kpm.objects.filter(kabupaten_code=kabupaten_code).filter(
        left | Q(status=KpmStatus.ACTIVE)
    )
    FundedQuota.objects.get_or_create(
        kabupaten_id=kabupaten_code,
        valid_from=start,
        defaults={"funded_kpm": counted.count(), "source": "Data demo: DIPA tahun berjalan"},
    )


BACKFILL = """
UPDATE kpm_kpm SET
  graduated_on = CASE WHEN status = 'graduasi' THEN %(year_start)s::date - (1 + id %% 700)::int END,
  graduation_type = CASE WHEN status <> 'graduasi' THEN ''
    WHEN id %% 3 = 0 THEN 'sejahtera' WHEN id %% 3 = 1 THEN 'alamiah' ELSE 'mandiri' END,
  exited_on = CASE WHEN status = 'keluar' THEN %(today)s::date - (1 + id %% 600)::int END,
  exit_reason = CASE WHEN status <> 'keluar' THEN ''
    WHEN id %% 4 = 0 THEN 'pindah' WHEN id %% 4 = 1 THEN 'tidak_layak'
    WHEN id %% 4 = 2 THEN 'duplikat' ELSE 'meninggal' END
WHERE kabupaten_code = %(kabupaten)s AND status IN ('graduasi', 'keluar')
  AND graduated_on IS NULL AND exited_on IS NULL
"""
LAST_PAID = """
UPDATE kpm_kpm SET
  last_paid_year = extract(year FROM coalesce(graduated_on, exited_on)),
  last_paid_tahap = extract(quarter FROM coalesce(graduated_on, exited_on))
WHERE kabupaten_code = %(kabupaten)s AND status IN ('graduasi', 'keluar') AND last_paid_year IS NULL
"""


def backfill_departures(*, kabupaten_code: str, today: date) -> int:
    """Give the demo's earlier graduations (before this year) and exits their dates, type or
    reason, and last tahap paid; the number of KPM changed."""
    params: dict[str, str | date] = {
        "kabupaten": kabupaten_code, "today": today, "year_start": date(today.year, 1, 1),
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL, params)
        changed = cursor.rowcount
        cursor.execute(LAST_PAID, params)
    return changed


# Field work --------------------------------------------------------------------------------

WAITING_DAYS = (1, 45)  # a proposal waiting on Dinsos was submitted this many days ago
VISITED_SHARE = 0.65  # active KPM visited in the last 30 days
EARLIER_VISIT_SHARE = 0.35  # and visited once before that, 1 to 4 months ago
VISIT_PURPOSES = (VisitPurpose.COMMITMENT, VisitPurpose.DATA_UPDATE, VisitPurpose.BUSINESS)
P2K2_GROUP_SIZE = (5, 25)  # a desa with fewer of a pendamping's KPM has no group yet
P2K2_HELD_DAYS_AGO = (110, 80, 50, 20)  # about monthly; the last three within 90 days
P2K2_PLANNED_DAYS_AHEAD = 10
ROLL = (AttendanceStatus.PRESENT,) * 15 + (AttendanceStatus.EXCUSED,) * 3 + (
    AttendanceStatus.ABSENT,
) * 2  # fmt: skip
AT_RISK_SHARE = 0.12  # graduated families whose desil fell back to 1-2 after graduation


def _day_at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(8 + rng.randrange(9), rng.randrange(60))))


def _spread_waiting(kabupaten_code: str, today: date, rng: random.Random) -> None:
    """Proposals still waiting (on Dinsos, or returned to the pendamping) were submitted days
    to weeks ago, so the queue's median and oldest age mean something."""
    waiting = Proposal.objects.filter(
        kpm__kabupaten_code=kabupaten_code,
        status__in=[ProposalStatus.SUBMITTED, ProposalStatus.RETURNED],
    ).order_by("pk")
    for proposal in waiting:
        submitted = _day_at(today - timedelta(days=rng.randint(*WAITING_DAYS)), rng)
        changes = {"submitted_at": submitted, "created_at": submitted - timedelta(hours=2)}
        if proposal.status == ProposalStatus.RETURNED:
            changes["decided_at"] = submitted + timedelta(hours=rng.randint(4, 24))
        Proposal.objects.filter(pk=proposal.pk).update(**changes)


def demo_field_work(
    *, kabupaten_code: str, today: date, rng: random.Random, result: WorkflowResult
) -> None:
    """Visits, P2K2 and fall-back risk for the kabupaten's KPM; nothing a second time."""
    active = (
        Kpm.objects.filter(
            kabupaten_code=kabupaten_code, status=KpmStatus.ACTIVE, pendamping__is_active=True
        )
        .select_related("pendamping__user")
        .order_by("pk")
    )
    if not Visit.objects.filter(kpm__kabupaten_code=kabupaten_code).exists():
        result.visits = _visits(list(active), today, rng)
    if not P2k2Meeting.objects.filter(group__desa__code__startswith=kabupaten_code).exists():
        _p2k2(list(active), today, rng, result)
    result.at_risk = _fallbacks(kabupaten_code, today, rng)


def _visit_days(kpm: Kpm, today: date, rng: random.Random) -> list[date]:
    """The days a KPM was visited, oldest first, never before it entered PKH."""
    days = []
    if rng.random() < EARLIER_VISIT_SHARE:
        days.append(today - timedelta(days=rng.randint(31, 120)))
    if rng.random() < VISITED_SHARE:
        days.append(today - timedelta(days=rng.randrange(30)))
    return [day for day in days if day >= kpm.pkh_entry_date]


def _visits(active: list[Kpm], today: date, rng: random.Random) -> int:
    """Home visits by each KPM's pendamping: the demo pendamping's through visit_log, the
    others' in one bulk insert, their KPM's last visit kept as the service keeps it."""
    bulk, logged = [], 0
    for kpm in active:
        user = kpm.pendamping.user  # type: ignore[union-attr]  # active has a pendamping
        for day in _visit_days(kpm, today, rng):
            purposes = [rng.choice(VISIT_PURPOSES)]
            if user.username == DEMO_PENDAMPING:
                visit_log(kpm=kpm, actor=user, visited_on=day, purposes=purposes)
                logged += 1
                continue
            bulk.append(Visit(kpm=kpm, pendamping=kpm.pendamping, visited_on=day,
                              purposes=purposes, created_by=user))  # fmt: skip
    Visit.objects.bulk_create(bulk, batch_size=2_000)
    by_kpm: dict[int, date] = {}
    for visit in bulk:
        by_kpm[visit.kpm_id] = max(visit.visited_on, by_kpm.get(visit.kpm_id, visit.visited_on))
    rows = [Kpm(pk=pk, last_visit_on=day) for pk, day in by_kpm.items()]
    Kpm.objects.bulk_update(rows, ["last_visit_on"], batch_size=2_000)
    return len(bulk) + logged


def _p2k2(active: list[Kpm], today: date, rng: random.Random, result: WorkflowResult) -> None:
    """One group per pendamping and desa with enough of their KPM, through the service, each
    meeting about monthly on the next session of the catalogue, one more planned."""
    sessions = list(P2k2Session.objects.order_by("module__order", "number"))
    by_place: dict[tuple[int, str], list[Kpm]] = {}
    for kpm in active:
        by_place.setdefault((kpm.pendamping_id, kpm.desa_id), []).append(kpm)  # type: ignore[arg-type]
    desa = Desa.objects.in_bulk({code for _, code in by_place}, field_name="code")
    smallest, largest = P2K2_GROUP_SIZE
    for (_, code), kpms in sorted(by_place.items()):
        if len(kpms) < smallest:
            continue
        pendamping = kpms[0].pendamping
        assert pendamping is not None
        members = kpms[:largest]
        group = p2k2_group_create(
            pendamping=pendamping, name=f"P2K2 {desa[code].name}", desa=desa[code],
            members=members, actor=pendamping.user,
        )  # fmt: skip
        result.groups += 1
        result.meetings += _meetings(group, members, sessions, today, rng)


def _meetings(
    group: Any, members: list[Kpm], sessions: list[P2k2Session], today: date, rng: random.Random
) -> int:
    """The group's meetings: held with a roll of hadir, izin and tidak hadir, one planned."""
    user = group.pendamping.user
    real = user.username == DEMO_PENDAMPING
    days = [today - timedelta(days=d) for d in P2K2_HELD_DAYS_AGO]
    for n, day in enumerate([*days, today + timedelta(days=P2K2_PLANNED_DAYS_AHEAD)]):
        held = day <= today
        roll = {kpm.pk: rng.choice(ROLL) for kpm in members} if held else {}
        if real:
            meeting = p2k2_meeting_plan(
                group=group, session=sessions[n], scheduled_on=day, actor=user
            )
            if held:
                p2k2_meeting_hold(meeting=meeting, held_on=day, attendance=roll, actor=user,
                                  today=today)  # fmt: skip
            continue
        status = MeetingStatus.HELD if held else MeetingStatus.PLANNED
        meeting = P2k2Meeting.objects.create(
            group=group, session=sessions[n], scheduled_on=day, status=status
        )
        P2k2Attendance.objects.bulk_create(
            P2k2Attendance(meeting=meeting, kpm_id=pk, status=s) for pk, s in roll.items()
        )
    return len(days) + 1


def _fallbacks(kabupaten_code: str, today: date, rng: random.Random) -> int:
    """Some graduated families' desil, imported after their graduation, fell back to 1 or 2;
    the risk rule (pemberdayaan.services.risk) flags them, and any the demo's own desil
    history already puts at risk. The number of graduated families at risk."""
    graduated = Kpm.objects.filter(
        kabupaten_code=kabupaten_code, status=KpmStatus.GRADUATED, graduated_on__lt=today
    ).order_by("pk")
    if not graduated.filter(at_risk=True).exists():
        rows = [
            DesilHistory(
                kpm=kpm, desil=rng.choice((1, 2)), source=DesilSource.IMPORT,
                recorded_on=min(today, _after(kpm, days=rng.randint(20, 150))),
            )
            for kpm in graduated
            if rng.random() < AT_RISK_SHARE
        ]  # fmt: skip
        DesilHistory.objects.bulk_create(rows)
        Kpm.objects.bulk_update([Kpm(pk=r.kpm_id, desil=r.desil) for r in rows], ["desil"])
        risk_refresh(list(graduated.values_list("pk", flat=True)))
    return graduated.filter(at_risk=True).count()


def _after(kpm: Kpm, *, days: int) -> date:
    assert kpm.graduated_on is not None  # graduated_on__lt above
    return kpm.graduated_on + timedelta(days=days)
