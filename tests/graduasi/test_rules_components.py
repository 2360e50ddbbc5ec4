"""Components and benefit of a KPM as of a date, table-driven, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from graduasi.rules import (
    COMPONENT_LABELS,
    DEFAULT_POLICY,
    Component,
    Member,
    age_on,
    household_benefit,
    member_component,
    tahap_of,
)

ON = date(2026, 7, 1)
P = DEFAULT_POLICY
C = Component


def born(years: int, days: int = 0) -> date:
    """The birth date of someone who turns `years` old `days` days after ON (before if < 0)."""
    return ON.replace(year=ON.year - years) + timedelta(days=days)


def member(id: int = 1, **facts) -> Member:
    facts.setdefault("birth_date", born(35))
    facts.setdefault("sex", "P")
    return Member(id=id, **facts)


def mother(**facts) -> Member:
    return member(birth_date=born(28), **facts)


def test_default_policy_holds_the_values_of_design_section_5():
    assert (
        P.amount_ibu_hamil,
        P.amount_anak_usia_dini,
        P.amount_sd,
        P.amount_smp,
        P.amount_sma,
        P.amount_lansia,
        P.amount_disabilitas_berat,
    ) == (3_000_000, 3_000_000, 900_000, 1_500_000, 2_000_000, 2_400_000, 2_400_000)
    assert (P.nifas_days, P.anak_usia_dini_max_age, P.school_max_age, P.lansia_min_age) == (
        42,
        6,
        21,
        70,
    )
    assert (P.max_components, P.tahap_per_year, P.desil_ceiling, P.max_years_in_pkh) == (4, 4, 4, 5)
    assert str(P.poverty_line_multiplier) == "1.00"
    assert (P.yearly_graduation_target, P.assessment_max_age_months) == (10, 12)
    assert P.sejahtera_evidence_max_age_months == 6


@pytest.mark.parametrize(
    ("component", "yearly"),
    [
        (C.IBU_HAMIL, 3_000_000),
        (C.ANAK_USIA_DINI, 3_000_000),
        (C.SD, 900_000),
        (C.SMP, 1_500_000),
        (C.SMA, 2_000_000),
        (C.LANSIA, 2_400_000),
        (C.DISABILITAS_BERAT, 2_400_000),
    ],
)
def test_yearly_amount_per_component(component, yearly):
    assert P.amount(component) == yearly


def test_every_component_has_a_label():
    assert set(COMPONENT_LABELS) == set(Component)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2000, 7, 1), date(2026, 7, 1), 26),  # birthday
        (date(2000, 7, 2), date(2026, 7, 1), 25),  # day before birthday
        (date(2020, 2, 29), date(2024, 2, 28), 3),
        (date(2020, 2, 29), date(2024, 2, 29), 4),  # leap year: the birthday itself
        (date(2020, 2, 29), date(2027, 2, 28), 6),  # common year: not yet on 28 Feb
        (date(2020, 2, 29), date(2027, 3, 1), 7),  # ... but on 1 March
        (date(2019, 3, 1), date(2024, 2, 29), 4),  # a 1 March birthday waits past 29 Feb
        (date(2026, 7, 1), date(2026, 7, 1), 0),  # day of birth
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


COMPONENT_CASES = [
    # (case, member, on, expected)
    ("adult without any condition", member(), ON, None),
    ("man with no condition", member(sex="L"), ON, None),
    # anak usia dini: age 0..6 inclusive
    ("day of birth", member(birth_date=ON), ON, C.ANAK_USIA_DINI),
    ("not yet born", member(birth_date=ON + timedelta(days=1)), ON, None),
    ("age 6, day before 7th birthday", member(birth_date=born(7, days=1)), ON, C.ANAK_USIA_DINI),
    ("7th birthday, not in school", member(birth_date=born(7)), ON, None),
    ("age 5 in PAUD", member(birth_date=born(5), school_level="PAUD"), ON, C.ANAK_USIA_DINI),
    ("age 7 in PAUD", member(birth_date=born(7), school_level="PAUD"), ON, None),
    ("age 6 already in SD", member(birth_date=born(6), school_level="SD"), ON, C.SD),
    # school: enrolment and age at most 21
    ("SD at 10", member(birth_date=born(10), school_level="SD"), ON, C.SD),
    ("SMP at 13", member(birth_date=born(13), school_level="SMP"), ON, C.SMP),
    ("SMA at 16", member(birth_date=born(16), school_level="SMA"), ON, C.SMA),
    ("SMA at 21", member(birth_date=born(22, days=1), school_level="SMA"), ON, C.SMA),
    ("SMA on 22nd birthday", member(birth_date=born(22), school_level="SMA"), ON, None),
    ("age 10 not enrolled", member(birth_date=born(10)), ON, None),
    # lansia: from the 70th birthday
    ("day before 70th birthday", member(birth_date=born(70, days=1)), ON, None),
    ("70th birthday", member(birth_date=born(70)), ON, C.LANSIA),
    ("age 85", member(birth_date=born(85), sex="L"), ON, C.LANSIA),
    # 29 February birthdays in a common year
    (
        "AUD born 29 Feb, 28 Feb",
        member(birth_date=date(2020, 2, 29)),
        date(2027, 2, 28),
        C.ANAK_USIA_DINI,
    ),
    ("AUD born 29 Feb, 1 Mar", member(birth_date=date(2020, 2, 29)), date(2027, 3, 1), None),
    ("lansia born 29 Feb, 28 Feb", member(birth_date=date(1956, 2, 29)), date(2026, 2, 28), None),
    ("lansia born 29 Feb, 1 Mar", member(birth_date=date(1956, 2, 29)), date(2026, 3, 1), C.LANSIA),
    # disabilitas berat
    ("adult with severe disability", member(severe_disability=True), ON, C.DISABILITAS_BERAT),
    # ibu hamil: pregnant
    (
        "pregnant, due in 3 months",
        mother(pregnant=True, due_date=date(2026, 10, 1)),
        ON,
        C.IBU_HAMIL,
    ),
    ("pregnant, due today", mother(pregnant=True, due_date=ON), ON, C.IBU_HAMIL),
    (
        "pregnant, past due, no delivery recorded",
        mother(pregnant=True, due_date=ON - timedelta(days=10)),
        ON,
        C.IBU_HAMIL,
    ),
    (
        "pregnant flag left on 50 days after delivery",
        mother(
            pregnant=True, due_date=ON - timedelta(days=55), delivered_on=ON - timedelta(days=50)
        ),
        ON,
        None,
    ),
    (
        "pregnant again, an earlier delivery on record",
        mother(pregnant=True, due_date=date(2026, 12, 1), delivered_on=date(2024, 5, 1)),
        ON,
        C.IBU_HAMIL,
    ),
    # ibu hamil: nifas, day 0..42 after delivery
    ("delivered today", mother(delivered_on=ON), ON, C.IBU_HAMIL),
    ("nifas day 42", mother(delivered_on=ON - timedelta(days=42)), ON, C.IBU_HAMIL),
    ("nifas day 43", mother(delivered_on=ON - timedelta(days=43)), ON, None),
    ("delivery recorded in the future", mother(delivered_on=ON + timedelta(days=3)), ON, None),
    ("a man is never ibu hamil", member(sex="L", delivered_on=ON), ON, None),
    # inactive members (died or moved away) have none
    ("inactive lansia", member(birth_date=born(80), active=False), ON, None),
    ("inactive pregnant", mother(pregnant=True, due_date=date(2026, 9, 1), active=False), ON, None),
    ("inactive SD child", member(birth_date=born(9), school_level="SD", active=False), ON, None),
    # one component per member: the highest paid
    (
        "pregnant SMA girl",
        member(birth_date=born(17), school_level="SMA", pregnant=True, due_date=date(2026, 9, 1)),
        ON,
        C.IBU_HAMIL,
    ),
    ("disabled toddler", member(birth_date=born(3), severe_disability=True), ON, C.ANAK_USIA_DINI),
    (
        "disabled SD child",
        member(birth_date=born(9), school_level="SD", severe_disability=True),
        ON,
        C.DISABILITAS_BERAT,
    ),
    (
        "disabled lansia: equal amounts, lansia first",
        member(birth_date=born(75), severe_disability=True),
        ON,
        C.LANSIA,
    ),
]


@pytest.mark.parametrize(
    ("member_", "on", "expected"),
    [case[1:] for case in COMPONENT_CASES],
    ids=[case[0] for case in COMPONENT_CASES],
)
def test_member_component(member_, on, expected):
    assert member_component(member_, on=on, policy=P) == expected


@pytest.mark.parametrize(
    ("policy_change", "member_", "expected"),
    [
        ({"lansia_min_age": 60}, member(birth_date=born(65)), C.LANSIA),
        ({"lansia_min_age": 60}, member(birth_date=born(60, days=1)), None),
        ({"nifas_days": 40}, mother(delivered_on=ON - timedelta(days=41)), None),
        ({"anak_usia_dini_max_age": 5}, member(birth_date=born(6)), None),
        ({"school_max_age": 18}, member(birth_date=born(19), school_level="SMA"), None),
        (
            {"amount_disabilitas_berat": 2_500_000},
            member(birth_date=born(75), severe_disability=True),
            C.DISABILITAS_BERAT,
        ),
    ],
)
def test_member_component_follows_the_policy_values(policy_change, member_, expected):
    policy = replace(P, **policy_change)
    assert member_component(member_, on=ON, policy=policy) == expected


FIVE = [
    mother(id=11, pregnant=True, due_date=date(2026, 9, 1)),  # 3,000,000
    member(id=12, birth_date=born(2)),  # anak usia dini 3,000,000
    member(id=13, birth_date=born(16), school_level="SMA"),  # 2,000,000
    member(id=14, birth_date=born(9), school_level="SD"),  # 900,000
    member(id=15, birth_date=born(72), sex="L"),  # lansia 2,400,000
    member(id=16, birth_date=born(40), sex="L"),  # father: none
]


def paid_ids(benefit) -> list[int]:
    return [mc.member_id for mc in benefit.paid]


def test_five_components_pay_the_highest_four():
    benefit = household_benefit(FIVE, on=ON, policy=P)

    assert [(mc.member_id, mc.component) for mc in benefit.paid] == [
        (11, C.IBU_HAMIL),
        (12, C.ANAK_USIA_DINI),
        (15, C.LANSIA),
        (13, C.SMA),
    ]
    assert [(mc.member_id, mc.component, mc.yearly) for mc in benefit.unpaid] == [
        (14, C.SD, 900_000)
    ]
    assert len(benefit.components) == 5
    assert benefit.yearly == 3_000_000 + 3_000_000 + 2_400_000 + 2_000_000
    assert benefit.per_tahap == 2_600_000


def test_the_order_members_are_given_in_does_not_change_the_benefit():
    assert household_benefit(FIVE[::-1], on=ON, policy=P) == household_benefit(
        FIVE, on=ON, policy=P
    )


def test_equal_amounts_at_the_cap_go_to_the_lower_member_id():
    members = [
        member(id=1, birth_date=born(1)),
        member(id=2, birth_date=born(3)),
        member(id=3, birth_date=born(13), school_level="SMP"),
        member(id=9, birth_date=born(8), school_level="SD"),
        member(id=4, birth_date=born(10), school_level="SD"),
    ]
    benefit = household_benefit(members, on=ON, policy=P)
    assert paid_ids(benefit) == [1, 2, 3, 4]
    assert [mc.member_id for mc in benefit.unpaid] == [9]


def test_the_cap_is_a_policy_value():
    benefit = household_benefit(FIVE, on=ON, policy=replace(P, max_components=2))
    assert paid_ids(benefit) == [11, 12]
    assert benefit.yearly == 6_000_000


@pytest.mark.parametrize(
    ("members", "policy", "yearly", "per_tahap"),
    [
        ([member(birth_date=born(9), school_level="SD")], P, 900_000, 225_000),
        (
            [
                member(id=1, birth_date=born(9), school_level="SD"),
                member(id=2, birth_date=born(13), school_level="SMP"),
            ],
            P,
            2_400_000,
            600_000,
        ),
        # a remainder is dropped: per tahap is whole rupiah rounded down
        (
            [member(birth_date=born(9), school_level="SD")],
            replace(P, amount_sd=900_003),
            900_003,
            225_000,
        ),
        (
            [member(birth_date=born(9), school_level="SD")],
            replace(P, tahap_per_year=3),
            900_000,
            300_000,
        ),
    ],
)
def test_per_tahap_is_the_yearly_amount_divided_by_tahap(members, policy, yearly, per_tahap):
    benefit = household_benefit(members, on=ON, policy=policy)
    assert (benefit.yearly, benefit.per_tahap) == (yearly, per_tahap)


@pytest.mark.parametrize(
    "members",
    [
        [],
        [member(id=1, birth_date=born(40), sex="L"), member(id=2, birth_date=born(38))],
        [member(id=1, birth_date=born(80), active=False), member(id=2, birth_date=born(10))],
    ],
    ids=["no members", "two adults", "only an inactive lansia and an unenrolled child"],
)
def test_a_household_with_no_component_is_paid_nothing(members):
    benefit = household_benefit(members, on=ON, policy=P)
    assert benefit.components == benefit.paid == benefit.unpaid == ()
    assert (benefit.yearly, benefit.per_tahap) == (0, 0)


@pytest.mark.parametrize(
    ("d", "tahap"),
    [
        (date(2026, 1, 1), 1),
        (date(2026, 3, 31), 1),
        (date(2026, 4, 1), 2),
        (date(2026, 6, 30), 2),
        (date(2026, 7, 1), 3),
        (date(2026, 9, 30), 3),
        (date(2026, 10, 1), 4),
        (date(2026, 12, 31), 4),
    ],
)
def test_tahap_of(d, tahap):
    assert tahap_of(d) == tahap
