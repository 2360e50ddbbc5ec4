"""seed_demo_workflow puts graduation work on the demo households through the real services:
approvals spread over the year, a queue for Dinsos, referrals, follow-ups and the quota."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from graduasi.models import Proposal, ProposalStatus
from kpm.demo.logins import DEMO_PENDAMPING
from kpm.models import FundedQuota, Kpm, KpmStatus
from pemberdayaan.models import FollowUp, Referral
from pemberdayaan.services.handover import follow_up_due


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


def test_a_second_run_with_if_empty_changes_nothing(seeded):
    before = (Proposal.objects.count(), Referral.objects.count(), FollowUp.objects.count())
    out = StringIO()
    call_command("seed_demo_workflow", "--if-empty", stdout=out)
    assert "tidak mengubah" in out.getvalue()
    assert (Proposal.objects.count(), Referral.objects.count(), FollowUp.objects.count()) == before
