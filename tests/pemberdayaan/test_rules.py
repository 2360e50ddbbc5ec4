"""The pure rules after graduation, table by table: referral steps, the tahap payments stop
from, and the fall-back risk (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graduasi.rules.assessment import line_threshold
from pemberdayaan.models import ReferralStatus
from pemberdayaan.rules import (
    REFERRAL_STEPS,
    DesilCheck,
    IncomeCheck,
    RiskFacts,
    Tahap,
    next_tahap,
    referral_next_statuses,
    referral_step_allowed,
    risk_of,
)

LINE = 609_160
ON = date(2027, 5, 20)


def income(household: int, members: int = 4, *, line: int | None = LINE, multiplier="1.00"):
    return IncomeCheck(
        on=ON,
        household_income=household,
        member_count=members,
        poverty_line=line,
        multiplier=Decimal(multiplier),
    )


def desil(value: int, *, fallback_max: int = 2, on: date = ON) -> DesilCheck:
    return DesilCheck(on=on, desil=value, fallback_max=fallback_max)


def test_every_referral_status_has_its_steps():
    assert set(REFERRAL_STEPS) == set(ReferralStatus.values)


@pytest.mark.parametrize(
    ("current", "to", "allowed"),
    [
        ("dirujuk", "diterima", True),
        ("dirujuk", "ditolak", True),
        ("dirujuk", "berjalan", False),
        ("dirujuk", "selesai", False),
        ("diterima", "berjalan", True),
        ("diterima", "ditolak", False),
        ("diterima", "selesai", False),
        ("diterima", "dirujuk", False),
        ("berjalan", "selesai", True),
        ("berjalan", "ditolak", True),
        ("berjalan", "diterima", False),
        ("selesai", "berjalan", False),
        ("ditolak", "dirujuk", False),
        ("dirujuk", "dirujuk", False),
        ("tidak-dikenal", "diterima", False),
    ],
)
def test_a_referral_moves_only_one_step_on(current, to, allowed):
    assert referral_step_allowed(current, to) is allowed


def test_finished_referrals_have_no_next_status():
    assert referral_next_statuses("selesai") == ()
    assert referral_next_statuses("ditolak") == ()


@pytest.mark.parametrize(
    ("last", "stop_from"),
    [
        (Tahap(2026, 4), Tahap(2027, 1)),
        (Tahap(2026, 1), Tahap(2026, 2)),
        (Tahap(2026, 3), Tahap(2026, 4)),
    ],
)
def test_payments_stop_from_the_tahap_after_the_last_one_paid(last, stop_from):
    assert next_tahap(last) == stop_from


# Fall-back risk -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("household", "members", "at_risk"),
    [
        (LINE * 4, 4, False),  # exactly at the line: not at risk
        (LINE * 4 - 4, 4, True),  # one rupiah per member below
        (LINE * 4 + 3, 4, False),  # rounded down, still at the line
        (LINE * 4 - 1, 4, True),  # 609.159,75 counts as 609.159
        (LINE, 1, False),
        (LINE - 1, 1, True),
        (0, 3, True),
    ],
)
def test_income_per_member_below_the_line_is_at_risk(household, members, at_risk):
    risk = risk_of(RiskFacts(kpm_id=1, graduated=True, income=income(household, members)))
    assert risk.at_risk is at_risk


def test_the_income_reason_carries_the_values_that_decided_it():
    risk = risk_of(RiskFacts(kpm_id=7, graduated=True, income=income(1_648_000, 4)))
    assert risk.kpm_id == 7
    assert risk.reasons == (
        {
            "code": "income_below_line",
            "income_per_member": 412_000,
            "line": LINE,
            "multiplier": "1.00",
            "threshold": LINE,
            "on": "2027-05-20",
        },
    )


def test_the_multiplier_raises_the_line_rounded_up_as_the_graduation_test_does():
    threshold = line_threshold(LINE, Decimal("1.10"))
    assert threshold == 670_076
    at = risk_of(RiskFacts(1, True, income=income(threshold, 1, multiplier="1.10")))
    below = risk_of(RiskFacts(1, True, income=income(threshold - 1, 1, multiplier="1.10")))
    assert (at.at_risk, below.at_risk) == (False, True)
    assert below.reasons[0]["threshold"] == 670_076


def test_without_a_known_poverty_line_income_is_not_judged():
    risk = risk_of(RiskFacts(1, True, income=income(0, 4, line=None)))
    assert (risk.at_risk, risk.reasons) == (False, ())


@pytest.mark.parametrize(
    ("value", "fallback_max", "at_risk"),
    [(3, 2, False), (2, 2, True), (1, 2, True), (5, 2, False), (3, 3, True), (10, 2, False)],
)
def test_a_desil_at_or_below_the_limit_is_at_risk(value, fallback_max, at_risk):
    risk = risk_of(RiskFacts(1, True, desil=desil(value, fallback_max=fallback_max)))
    assert risk.at_risk is at_risk


def test_the_desil_reason_carries_desil_limit_and_day():
    risk = risk_of(RiskFacts(1, True, desil=desil(2, on=date(2027, 3, 3))))
    assert risk.reasons == ({"code": "desil_low", "desil": 2, "max": 2, "on": "2027-03-03"},)


def test_both_reasons_are_listed_income_first():
    risk = risk_of(RiskFacts(1, True, income=income(0, 2), desil=desil(1)))
    assert [r["code"] for r in risk.reasons] == ["income_below_line", "desil_low"]


def test_no_facts_no_risk():
    assert risk_of(RiskFacts(1, True)) == risk_of(RiskFacts(1, True, income=income(LINE * 9, 4)))
    assert risk_of(RiskFacts(1, True)).at_risk is False


def test_a_family_that_is_not_graduated_is_never_at_risk():
    risk = risk_of(RiskFacts(1, graduated=False, income=income(0, 4), desil=desil(1)))
    assert (risk.at_risk, risk.reasons) == (False, ())
