"""seed_demo_workflow puts graduation work on the demo households through the real services:
approvals spread over the year, a queue for Dinsos waiting days to weeks, referrals, follow-ups
and the quota; and the field work the dashboards count: visits in the last 30 days, P2K2
meetings held with attendance, graduated families at risk of falling back."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from audit.models import AuditEvent
from graduasi.models import Proposal, ProposalStatus, RegionSummary
from graduasi.pipeline import pipeline_run
from kpm.demo.logins import DEMO_PENDAMPING
from kpm.models import DesilHistory, FundedQuota, Kpm, KpmStatus
from pemberdayaan.models import FollowUp, Referral
from pemberdayaan.services.handover import follow_up_due
from pendamping.models import MeetingStatus, P2k2Attendance, P2k2Group, P2k2Meeting, Visit


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    call_command("seed_demo", "--today", today.isoformat(), "--kpm", "900", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_workflow", stdout=out)
    return today, out.getvalue()


def test_each_pendamping_has_approvals_this_year_and_dinsos_has_a_queue(seeded):
    today, report = seeded
    approved = Proposal.objects.filter(status=ProposalStatus.APPROVED)
    per_pendamping = approved.values("pendamping").annotate(n=Count("id"))
    assert per_pendamping and all(1 <= row["n"] <= 9 for row in per_pendamping)
    assert {p.decided_at.year for p in approved if p.decided_at} == {today.year}
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED).exists()
    assert f"{approved.count()} disetujui" in report


def test_the_demo_pendamping_has_work_in_every_state(seeded):
    mine = Proposal.objects.filter(pendamping__user__username=DEMO_PENDAMPING)
    counts = dict(mine.values_list("status").annotate(n=Count("id")))
    assert counts[ProposalStatus.APPROVED] == 4
    assert counts[ProposalStatus.RETURNED] == 1 and counts[ProposalStatus.DRAFT] == 1
    assert mine.get(status=ProposalStatus.RETURNED).decision_note


def test_graduations_carry_their_dates_referrals_and_follow_ups(seeded):
    today, _ = seeded
    for proposal in Proposal.objects.filter(status=ProposalStatus.APPROVED).select_related("kpm"):
        kpm = proposal.kpm
        assert kpm.graduated_on and proposal.submitted_at and proposal.decided_at
        assert kpm.status == KpmStatus.GRADUATED and kpm.graduation_type == proposal.type
        assert date(today.year, 1, 1) <= kpm.graduated_on <= today
        assert proposal.submitted_at < proposal.decided_at
        dues = dict(FollowUp.objects.filter(kpm=kpm).values_list("months_after", "due_on"))
        assert dues == {m: follow_up_due(kpm.graduated_on, m) for m in (6, 12)}
        referrals = Referral.objects.filter(kpm=kpm)
        assert referrals.count() == proposal.referral_programmes.count()
        assert all(r.consent_on <= kpm.graduated_on for r in referrals)


def test_earlier_departures_have_their_dates_and_last_tahap(seeded):
    departed = Kpm.objects.filter(status__in=[KpmStatus.GRADUATED, KpmStatus.EXITED])
    assert departed.filter(status=KpmStatus.EXITED).exists()
    assert not departed.filter(last_paid_year__isnull=True).exists()
    assert not departed.filter(status=KpmStatus.GRADUATED, graduated_on__isnull=True).exists()
    assert (
        not departed.filter(status=KpmStatus.EXITED)
        .filter(Q(exited_on__isnull=True) | Q(exit_reason=""))
        .exists()
    )


def test_the_quota_funds_the_caseload_the_year_started_with(seeded):
    today, _ = seeded
    quota = FundedQuota.objects.get(kabupaten_id="35.71")
    start = date(today.year, 1, 1)
    began = Kpm.objects.filter(kabupaten_code="35.71").filter(
        Q(status=KpmStatus.ACTIVE)
        | Q(status=KpmStatus.GRADUATED, graduated_on__gte=start)
        | Q(status=KpmStatus.EXITED, exited_on__gte=start)
    )
    assert (quota.valid_from, quota.funded_kpm) == (start, began.count())


def counts() -> tuple[int, ...]:
    tables = (Proposal, Referral, FollowUp, Visit, P2k2Group, P2k2Meeting, DesilHistory)
    return tuple(model.objects.count() for model in tables)


def test_a_second_run_with_if_empty_changes_nothing(seeded):
    before = counts()
    out = StringIO()
    call_command("seed_demo_workflow", "--if-empty", stdout=out)
    assert "tidak mengubah" in out.getvalue()
    assert counts() == before


def field_work() -> tuple[int, ...]:
    return (
        Visit.objects.count(), P2k2Group.objects.count(), P2k2Meeting.objects.count(),
        Kpm.objects.filter(at_risk=True).count(),
    )  # fmt: skip


def test_a_second_run_adds_no_second_round_of_field_work(seeded):
    before = field_work()

    call_command("seed_demo_workflow", stdout=StringIO())

    assert field_work() == before


def test_proposals_waiting_on_dinsos_were_submitted_days_to_weeks_ago(seeded):
    today, _ = seeded
    waiting = Proposal.objects.filter(status=ProposalStatus.SUBMITTED)
    ages = [(today - timezone.localdate(p.submitted_at)).days for p in waiting if p.submitted_at]
    assert len(ages) == waiting.count() >= 3
    assert all(1 <= age <= 45 for age in ages)
    assert statistics.median(ages) > 0 and len(set(ages)) > 1
    for returned in Proposal.objects.filter(status=ProposalStatus.RETURNED):
        assert returned.submitted_at and returned.decided_at
        assert returned.created_at < returned.submitted_at < returned.decided_at


def test_most_active_kpm_were_visited_in_the_last_30_days(seeded):
    today, report = seeded
    active = Kpm.objects.filter(status=KpmStatus.ACTIVE, pendamping__isnull=False)
    recent = Visit.objects.filter(visited_on__gt=today - timedelta(days=30))
    visited = active.filter(pk__in=recent.values("kpm")).count()
    assert 0.5 <= visited / active.count() <= 0.8
    assert Visit.objects.filter(visited_on__lte=today - timedelta(days=30)).exists()
    assert not Visit.objects.filter(visited_on__gt=today).exists()
    for kpm in active.filter(visits__isnull=False).distinct()[:200]:
        latest = kpm.visits.order_by("-visited_on").first()
        assert latest is not None and kpm.last_visit_on == latest.visited_on
        assert latest.pendamping_id == kpm.pendamping_id
    mine = Visit.objects.filter(pendamping__user__username=DEMO_PENDAMPING)
    assert mine.exists()
    audited = AuditEvent.objects.filter(object_type="pendamping.visit").count()
    assert audited == mine.count()  # the demo pendamping's visits went through visit_log
    assert f"{Visit.objects.count()} kunjungan" in report


def test_p2k2_groups_met_in_the_last_90_days_with_a_full_roll(seeded):
    today, _ = seeded
    held = P2k2Meeting.objects.filter(status=MeetingStatus.HELD)
    assert held.filter(scheduled_on__gte=today - timedelta(days=89)).exists()
    assert not held.filter(scheduled_on__gt=today).exists()
    for meeting in held.select_related("group")[:100]:
        roll = set(meeting.attendance.values_list("kpm_id", flat=True))
        assert roll == set(meeting.group.members.values_list("pk", flat=True))
    planned = P2k2Meeting.objects.filter(status=MeetingStatus.PLANNED)
    assert planned.exists() and not P2k2Attendance.objects.filter(meeting__in=planned).exists()
    for group in P2k2Group.objects.select_related("pendamping"):
        members = group.members.all()
        assert members.exists()
        assert not members.exclude(pendamping=group.pendamping, desa=group.desa_id).exists()
    statuses = set(P2k2Attendance.objects.values_list("status", flat=True))
    assert statuses == {"hadir", "izin", "tidak_hadir"}


def test_some_graduated_families_are_at_risk_because_their_desil_fell_back(seeded):
    graduated = Kpm.objects.filter(status=KpmStatus.GRADUATED)
    at_risk = graduated.filter(at_risk=True)
    assert 0 < at_risk.count() < graduated.count() / 3
    for kpm in at_risk:
        assert [r["code"] for r in kpm.risk_reasons] == ["desil_low"]
        assert kpm.graduated_on is not None
        low = DesilHistory.objects.filter(kpm=kpm, recorded_on__gt=kpm.graduated_on, desil__lte=2)
        assert low.exists()


def test_the_nightly_run_over_the_demo_gives_dashboards_with_something_in_every_part(seeded):
    today, _ = seeded

    assert pipeline_run(on=today, trigger="perintah") is not None

    kota = RegionSummary.objects.get(level="kabupaten", region_code="35.71", year=today.year)
    assert kota.awaiting and kota.awaiting_median_days and kota.awaiting_median_days >= 1
    assert kota.approved and kota.pendamping_count and kota.at_risk
    assert 0.5 <= kota.kpm_visited_30d / kota.active_kpm <= 0.8
    assert 0 < kota.p2k2_attended <= kota.p2k2_members < kota.active_kpm
    assert kota.referrals_dirujuk > 0
