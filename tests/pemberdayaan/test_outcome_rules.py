"""The referral status after an outcome an agency reports: every status x outcome x programme
kind, without a database."""

from __future__ import annotations

import pytest

from pemberdayaan.models import OutcomeKind, ProgrammeKind, ReferralStatus
from pemberdayaan.rules import (
    OutcomeRefusal,
    OutcomeStep,
    outcome_follows,
    referral_outcome_step,
)

CLOSED = OutcomeRefusal.CLOSED
NOT_ALLOWED = OutcomeRefusal.NOT_ALLOWED
ANY_KIND = [k.value for k in ProgrammeKind]


@pytest.mark.parametrize(
    ("current", "kind", "programme_kind", "after"),
    [
        ("dirujuk", "diterima", "pinjaman", "diterima"),
        ("dirujuk", "ditolak", "pinjaman", "ditolak"),
        ("diterima", "ditolak", "hibah", "ditolak"),
        # a one-off grant paid out finishes the referral
        ("dirujuk", "dicairkan", "hibah", "selesai"),
        ("diterima", "dicairkan", "hibah", "selesai"),
        ("berjalan", "dicairkan", "hibah", "selesai"),
        # a loan paid out is being repaid; a programme's money keeps it running
        ("dirujuk", "dicairkan", "pinjaman", "berjalan"),
        ("diterima", "dicairkan", "pinjaman", "berjalan"),
        ("berjalan", "dicairkan", "pinjaman", "berjalan"),
        ("diterima", "dicairkan", "program", "berjalan"),
        ("diterima", "dicairkan", "pelatihan", "berjalan"),
        # a completed training finishes it, whatever the programme
        ("dirujuk", "pelatihan_selesai", "pelatihan", "selesai"),
        ("diterima", "pelatihan_selesai", "pelatihan", "selesai"),
        ("berjalan", "pelatihan_selesai", "program", "selesai"),
        ("berjalan", "pelatihan_selesai", "pinjaman", "selesai"),
    ],
)
def test_an_outcome_moves_the_referral(current, kind, programme_kind, after):
    assert referral_outcome_step(current, kind, programme_kind) == OutcomeStep(
        before=current, after=after
    )


@pytest.mark.parametrize("current", ["ditolak", "selesai"])
@pytest.mark.parametrize("kind", [k.value for k in OutcomeKind])
@pytest.mark.parametrize("programme_kind", ANY_KIND)
def test_nothing_more_is_reported_on_a_closed_referral(current, kind, programme_kind):
    step = referral_outcome_step(current, kind, programme_kind)
    assert step == OutcomeStep(before=current, after=None, refusal=CLOSED)


@pytest.mark.parametrize(
    ("current", "kind"),
    [
        ("diterima", "diterima"),  # accepted once is enough
        ("berjalan", "diterima"),
        ("berjalan", "ditolak"),  # a running programme is closed by its agency's officer
        ("dirujuk", "lunas"),  # not an outcome at all
        ("tidak_dikenal", "diterima"),
    ],
)
@pytest.mark.parametrize("programme_kind", ANY_KIND)
def test_an_outcome_that_does_not_follow_the_status_is_refused(current, kind, programme_kind):
    step = referral_outcome_step(current, kind, programme_kind)
    assert step == OutcomeStep(before=current, after=None, refusal=NOT_ALLOWED)


def test_every_outcome_kind_has_its_statuses_and_the_refusal_codes_are_stable():
    for kind in OutcomeKind.values:
        assert outcome_follows(kind)
        assert set(outcome_follows(kind)) <= set(ReferralStatus.values)
    assert outcome_follows("lunas") == ()
    assert (CLOSED.value, NOT_ALLOWED.value) == ("referral_closed", "outcome_not_allowed")


@pytest.mark.parametrize("kind", [k.value for k in OutcomeKind])
def test_an_allowed_outcome_always_lands_on_a_known_status(kind):
    for current in outcome_follows(kind):
        for programme_kind in ANY_KIND:
            after = referral_outcome_step(current, kind, programme_kind).after
            assert after in ReferralStatus.values
