"""The graduation assessment of a KPM as of a date, table-driven, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from graduasi.rules import (
    DEFAULT_POLICY,
    Code,
    Component,
    EconomicFacts,
    KpmFacts,
    Member,
    Reason,
    Status,
    anniversary,
    assess,
    component_end,
    household_benefit,
    months_before,
    projected_graduation,
)

ON = date(2026, 7, 1)
ENTRY = date(2022, 1, 10)  # four and a half years before ON: no tinjau
P = DEFAULT_POLICY
S = Status
COMPONENTS, INCOME, DESIL, YEARS = range(4)  # the reasons, in their order


def born(years: int, days: int = 0) -> date:
    """The birth date of someone who turns `years` old `days` days after ON (before if < 0)."""
    return ON.replace(year=ON.year - years) + timedelta(days=days)


def adult(id: int = 1, **facts) -> Member:
    """A woman of 35 unless told otherwise: no component of her own."""
    facts.setdefault("birth_date", born(35))
    facts.setdefault("sex", "P")
    return Member(id=id, **facts)


def child(id: int, birth_date: date, school: str = "", **facts) -> Member:
    return Member(id=id, birth_date=birth_date, sex="L", school_level=school, **facts)


def pupil(id: int = 2) -> Member:
    """A boy of 10 in SD: the household holds a component."""
    return child(id, born(10), "SD")


def kpm(*members: Member, entry: date = ENTRY, **facts) -> KpmFacts:
    return KpmFacts(kpm_id=7, entry_date=entry, members=members, **facts)


def income(household: int, *, members: int = 4, stable: bool = True, assessed_on=None):
    assessed_on = assessed_on or date(2026, 5, 1)
    return EconomicFacts(assessed_on, household, members, stable)


# Date arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2026, 7, 1), 12, date(2025, 7, 1)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2025, 2, 28), 12, date(2024, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 31), 13, date(2024, 12, 31)),
        (date(2026, 7, 1), 0, date(2026, 7, 1)),
    ],
    ids=[
        "12 months",
        "across a new year",
        "from 29 Feb to a common year",
        "28 Feb to a leap year stays 28 Feb",
        "31 Mar to a leap February",
        "31 Mar to a common February",
        "31 May to 30 April",
        "13 months back from 31 Jan",
        "zero months",
    ],
)
def test_months_before(d, months, expected):
    assert months_before(d, months) == expected


@pytest.mark.parametrize(
    ("d", "years", "expected"),
    [
        (date(2021, 7, 1), 5, date(2026, 7, 1)),
        (date(2020, 2, 29), 4, date(2024, 2, 29)),
        (date(2020, 2, 29), 5, date(2025, 3, 1)),
        (date(2020, 2, 29), 0, date(2020, 2, 29)),
    ],
    ids=["plain", "29 Feb to a leap year", "29 Feb to a common year: 1 Mar", "zero years"],
)
def test_anniversary(d, years, expected):
    assert anniversary(d, years) == expected


# Components: the boundaries as the assessment sees them -------------------------------------

COMPONENT_BOUNDARIES = [
    # (case, member, code, values)
    (
        "age 6, day before the 7th birthday",
        child(2, born(7, days=1)),
        Code.HAS_COMPONENTS,
        {"count": 1, "yearly": 3_000_000},
    ),
    ("7th birthday", child(2, born(7)), Code.NO_COMPONENT, {"since": ON}),
    (
        "day before the 70th birthday",
        adult(birth_date=born(70, days=1)),
        Code.NO_COMPONENT,
        {"since": None},
    ),
    (
        "70th birthday",
        adult(birth_date=born(70)),
        Code.HAS_COMPONENTS,
        {"count": 1, "yearly": 2_400_000},
    ),
    (
        "nifas day 42",
        adult(delivered_on=ON - timedelta(days=42)),
        Code.HAS_COMPONENTS,
        {"count": 1, "yearly": 3_000_000},
    ),
    ("nifas day 43", adult(delivered_on=ON - timedelta(days=43)), Code.NO_COMPONENT, {"since": ON}),
    (
        "SMA at 21",
        child(2, born(22, days=1), "SMA"),
        Code.HAS_COMPONENTS,
        {"count": 1, "yearly": 2_000_000},
    ),
    ("SMA on the 22nd birthday", child(2, born(22), "SMA"), Code.NO_COMPONENT, {"since": ON}),
]


@pytest.mark.parametrize(
    ("member", "code", "values"),
    [case[1:] for case in COMPONENT_BOUNDARIES],
    ids=[case[0] for case in COMPONENT_BOUNDARIES],
)
def test_component_boundaries_decide_alamiah(member, code, values):
    result = assess(kpm(member), on=ON, policy=P)

    components = result.reasons[COMPONENTS]
    assert (components.code, components.values) == (code, values)
    assert components.holds is (code == Code.NO_COMPONENT)
    assert result.status == (S.ALAMIAH if code == Code.NO_COMPONENT else S.BELUM)


FIVE = (
    adult(11, pregnant=True, due_date=date(2026, 9, 1)),  # ibu hamil 3,000,000
    child(12, born(2)),  # anak usia dini 3,000,000
    child(13, born(16), "SMA"),  # 2,000,000
    child(14, born(9), "SD"),  # 900,000: over the cap
    adult(15, birth_date=born(72), sex="L"),  # lansia 2,400,000
    adult(16, birth_date=born(40), sex="L"),  # none
)


def test_five_components_pay_the_highest_four_yearly_and_per_tahap():
    result = assess(kpm(*FIVE), on=ON, policy=P)

    assert [(mc.member_id, mc.component) for mc in result.benefit.paid] == [
        (11, Component.IBU_HAMIL),
        (12, Component.ANAK_USIA_DINI),
        (15, Component.LANSIA),
        (13, Component.SMA),
    ]
    assert [mc.member_id for mc in result.benefit.unpaid] == [14]
    assert (result.benefit.yearly, result.benefit.per_tahap) == (10_400_000, 2_600_000)
    assert result.reasons[COMPONENTS].values == {"count": 5, "yearly": 10_400_000}


# Income -------------------------------------------------------------------------------------

LINE = 600_000  # four members: the household line is 2,400,000
AT, BELOW, UNSTABLE = Code.INCOME_AT_OR_ABOVE_LINE, Code.INCOME_BELOW_LINE, Code.INCOME_NOT_STABLE

INCOME_CASES = [
    # (case, economic, multiplier, line, code, income_per_member, threshold)
    ("exactly at the line", income(2_400_000), "1.00", LINE, AT, 600_000, 600_000),
    ("above the line", income(3_000_000), "1.00", LINE, AT, 750_000, 600_000),
    ("one rupiah below", income(2_399_999), "1.00", LINE, BELOW, 599_999, 600_000),
    (
        "at the line, not stable",
        income(2_400_000, stable=False),
        "1.00",
        LINE,
        UNSTABLE,
        600_000,
        600_000,
    ),
    (
        "below and not stable",
        income(2_399_999, stable=False),
        "1.00",
        LINE,
        BELOW,
        599_999,
        600_000,
    ),
    # 609,161 x 1.25 = 761,451.25, rounded up to 761,452; 3,045,807 for four is 761,451.75,
    # rounded down to 761,451: whole rupiah on both sides, as shown
    ("x1.25 at the line", income(3_045_808), "1.25", 609_161, AT, 761_452, 761_452),
    ("x1.25 below in whole rupiah", income(3_045_807), "1.25", 609_161, BELOW, 761_451, 761_452),
    ("one member", income(600_000, members=1), "1.00", LINE, AT, 600_000, 600_000),
    (
        "three members, per member rounded down",
        income(1_800_002, members=3),
        "1.00",
        LINE,
        AT,
        600_000,
        600_000,
    ),
]


@pytest.mark.parametrize(
    ("economic", "multiplier", "line", "code", "per_member", "threshold"),
    [case[1:] for case in INCOME_CASES],
    ids=[case[0] for case in INCOME_CASES],
)
def test_income_against_the_poverty_line(economic, multiplier, line, code, per_member, threshold):
    policy = replace(P, poverty_line_multiplier=Decimal(multiplier))
    result = assess(kpm(pupil(), economic=economic, poverty_line=line), on=ON, policy=policy)

    reason = result.reasons[INCOME]
    assert reason.code == code
    assert reason.holds is (code == Code.INCOME_AT_OR_ABOVE_LINE)
    assert reason.values == {
        "assessed_on": date(2026, 5, 1),
        "income_per_member": per_member,
        "line": line,
        "multiplier": Decimal(multiplier),
        "threshold": threshold,
        "stable_income": economic.stable_income,
    }
    assert result.status == (S.SEJAHTERA if reason.holds else S.BELUM)


STALENESS_CASES = [
    # (case, on, assessed_on, max_age_months, counts)
    ("exactly 12 months old", ON, date(2025, 7, 1), 12, True),
    ("12 months and a day", ON, date(2025, 6, 30), 12, False),
    ("assessed today", ON, ON, 12, True),
    ("on 29 Feb: 28 Feb a year before counts", date(2024, 2, 29), date(2023, 2, 28), 12, True),
    ("on 29 Feb: 27 Feb a year before is stale", date(2024, 2, 29), date(2023, 2, 27), 12, False),
    (
        "on 28 Feb: 29 Feb of the leap year before counts",
        date(2025, 2, 28),
        date(2024, 2, 29),
        12,
        True,
    ),
    ("on 28 Feb: 28 Feb a year before counts", date(2025, 2, 28), date(2024, 2, 28), 12, True),
    ("on 28 Feb: 27 Feb a year before is stale", date(2025, 2, 28), date(2024, 2, 27), 12, False),
    ("on 31 May, 1 month: 30 April counts", date(2026, 5, 31), date(2026, 4, 30), 1, True),
    ("on 31 May, 1 month: 29 April is stale", date(2026, 5, 31), date(2026, 4, 29), 1, False),
]


@pytest.mark.parametrize(
    ("on", "assessed_on", "max_age", "counts"),
    [case[1:] for case in STALENESS_CASES],
    ids=[case[0] for case in STALENESS_CASES],
)
def test_an_assessment_counts_up_to_its_maximum_age(on, assessed_on, max_age, counts):
    policy = replace(P, assessment_max_age_months=max_age)
    economic = income(2_400_000, assessed_on=assessed_on)
    facts = kpm(pupil(), economic=economic, poverty_line=LINE)

    reason = assess(facts, on=on, policy=policy).reasons[INCOME]

    if counts:
        assert (reason.code, reason.holds) == (Code.INCOME_AT_OR_ABOVE_LINE, True)
    else:
        assert (reason.code, reason.holds) == (Code.ASSESSMENT_STALE, False)
        assert reason.values == {"assessed_on": assessed_on, "max_age_months": max_age}


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (kpm(pupil(), poverty_line=LINE), Code.NO_ASSESSMENT),
        (kpm(pupil(), economic=income(9_000_000)), Code.NO_POVERTY_LINE),
        (
            kpm(pupil(), economic=income(9_000_000, assessed_on=date(2024, 1, 1))),
            Code.ASSESSMENT_STALE,
        ),
    ],
    ids=["no assessment", "no poverty line", "stale before the line is looked at"],
)
def test_income_cannot_hold_without_a_recent_assessment_and_a_line(facts, code):
    reason = assess(facts, on=ON, policy=P).reasons[INCOME]
    assert (reason.code, reason.holds, reason.status) == (code, False, S.SEJAHTERA)
    if code != Code.ASSESSMENT_STALE:
        assert reason.values == {}


# Desil --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("desil", "ceiling", "code", "values", "status"),
    [
        (4, 4, Code.DESIL_WITHIN_CEILING, {"desil": 4, "ceiling": 4}, S.BELUM),
        (5, 4, Code.DESIL_ABOVE_CEILING, {"desil": 5, "ceiling": 4}, S.SEJAHTERA),
        (1, 4, Code.DESIL_WITHIN_CEILING, {"desil": 1, "ceiling": 4}, S.BELUM),
        (10, 4, Code.DESIL_ABOVE_CEILING, {"desil": 10, "ceiling": 4}, S.SEJAHTERA),
        (None, 4, Code.NO_DESIL, {"ceiling": 4}, S.BELUM),
        (5, 5, Code.DESIL_WITHIN_CEILING, {"desil": 5, "ceiling": 5}, S.BELUM),
    ],
    ids=["desil 4", "desil 5", "desil 1", "desil 10", "no desil", "desil 5 under ceiling 5"],
)
def test_a_desil_above_the_ceiling_is_sejahtera(desil, ceiling, code, values, status):
    policy = replace(P, desil_ceiling=ceiling)
    result = assess(kpm(pupil(), desil=desil), on=ON, policy=policy)

    reason = result.reasons[DESIL]
    assert (reason.code, reason.holds, reason.values) == (code, status == S.SEJAHTERA, values)
    assert result.status == status


# Years in PKH -------------------------------------------------------------------------------

YEARS_CASES = [
    # (case, entry, on, reached_on, reached)
    ("the 5th anniversary", date(2021, 7, 1), ON, date(2026, 7, 1), True),
    ("the day before it", date(2021, 7, 2), ON, date(2026, 7, 2), False),
    ("long past it", date(2015, 3, 1), ON, date(2020, 3, 1), True),
    (
        "29 Feb entry, 28 Feb five years on",
        date(2020, 2, 29),
        date(2025, 2, 28),
        date(2025, 3, 1),
        False,
    ),
    (
        "29 Feb entry, 1 Mar five years on",
        date(2020, 2, 29),
        date(2025, 3, 1),
        date(2025, 3, 1),
        True,
    ),
]


@pytest.mark.parametrize(
    ("entry", "on", "reached_on", "reached"),
    [case[1:] for case in YEARS_CASES],
    ids=[case[0] for case in YEARS_CASES],
)
def test_five_years_in_pkh_is_tinjau_from_the_anniversary(entry, on, reached_on, reached):
    result = assess(kpm(child(2, date(2018, 1, 1), "SD"), entry=entry), on=on, policy=P)

    reason = result.reasons[YEARS]
    code = Code.YEARS_IN_PKH_REACHED if reached else Code.YEARS_IN_PKH_BELOW
    assert (reason.code, reason.holds) == (code, reached)
    assert reason.values == {"entry_date": entry, "max_years": 5, "reached_on": reached_on}
    assert result.status == (S.TINJAU if reached else S.BELUM)


# Precedence ---------------------------------------------------------------------------------

PRECEDENCE = [
    # (alamiah, sejahtera, tinjau) -> status, statuses
    ((False, False, False), S.BELUM, (S.BELUM,)),
    ((False, False, True), S.TINJAU, (S.TINJAU,)),
    ((False, True, False), S.SEJAHTERA, (S.SEJAHTERA,)),
    ((False, True, True), S.SEJAHTERA, (S.SEJAHTERA, S.TINJAU)),
    ((True, False, False), S.ALAMIAH, (S.ALAMIAH,)),
    ((True, False, True), S.ALAMIAH, (S.ALAMIAH, S.TINJAU)),
    ((True, True, False), S.ALAMIAH, (S.ALAMIAH, S.SEJAHTERA)),
    ((True, True, True), S.ALAMIAH, (S.ALAMIAH, S.SEJAHTERA, S.TINJAU)),
]


@pytest.mark.parametrize(
    ("holding", "status", "statuses"),
    PRECEDENCE,
    ids=[
        "-".join(s for s, h in zip("AST", case[0], strict=True) if h) or "none"
        for case in PRECEDENCE
    ],
)
def test_the_first_holding_status_wins_and_every_holding_one_is_listed(holding, status, statuses):
    alamiah, sejahtera, tinjau = holding
    members = (adult(),) if alamiah else (adult(), pupil())
    facts = kpm(
        *members,
        entry=date(2020, 1, 1) if tinjau else ENTRY,
        desil=5 if sejahtera else 3,
    )

    result = assess(facts, on=ON, policy=P)

    assert (result.status, result.statuses) == (status, statuses)


def test_sejahtera_by_income_and_by_desil_is_listed_once():
    facts = kpm(pupil(), economic=income(2_400_000), poverty_line=LINE, desil=6)

    result = assess(facts, on=ON, policy=P)

    assert [r.holds for r in result.reasons] == [False, True, True, False]
    assert (result.status, result.statuses) == (S.SEJAHTERA, (S.SEJAHTERA,))


# Reasons ------------------------------------------------------------------------------------


def test_every_assessment_gives_four_reasons_in_order_with_the_deciding_values():
    facts = kpm(pupil(), economic=income(2_399_999), poverty_line=LINE, desil=3)

    result = assess(facts, on=ON, policy=P)

    assert (result.kpm_id, result.as_of) == (7, ON)
    assert result.reasons == (
        Reason(Code.HAS_COMPONENTS, False, S.ALAMIAH, {"count": 1, "yearly": 900_000}),
        Reason(
            Code.INCOME_BELOW_LINE,
            False,
            S.SEJAHTERA,
            {
                "assessed_on": date(2026, 5, 1),
                "income_per_member": 599_999,
                "line": 600_000,
                "multiplier": Decimal("1.00"),
                "threshold": 600_000,
                "stable_income": True,
            },
        ),
        Reason(Code.DESIL_WITHIN_CEILING, False, S.SEJAHTERA, {"desil": 3, "ceiling": 4}),
        Reason(
            Code.YEARS_IN_PKH_BELOW,
            False,
            S.TINJAU,
            {"entry_date": ENTRY, "max_years": 5, "reached_on": date(2027, 1, 10)},
        ),
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            kpm(adult()),
            [Code.NO_COMPONENT, Code.NO_ASSESSMENT, Code.NO_DESIL, Code.YEARS_IN_PKH_BELOW],
        ),
        (
            kpm(pupil(), economic=income(2_400_000), poverty_line=LINE, desil=2),
            [
                Code.HAS_COMPONENTS,
                Code.INCOME_AT_OR_ABOVE_LINE,
                Code.DESIL_WITHIN_CEILING,
                Code.YEARS_IN_PKH_BELOW,
            ],
        ),
        (
            kpm(*FIVE, economic=income(1, assessed_on=date(2020, 1, 1)), desil=5, entry=ON),
            [
                Code.HAS_COMPONENTS,
                Code.ASSESSMENT_STALE,
                Code.DESIL_ABOVE_CEILING,
                Code.YEARS_IN_PKH_BELOW,
            ],
        ),
        (
            kpm(pupil(), economic=income(2_400_000), entry=date(2019, 1, 1)),
            [
                Code.HAS_COMPONENTS,
                Code.NO_POVERTY_LINE,
                Code.NO_DESIL,
                Code.YEARS_IN_PKH_REACHED,
            ],
        ),
    ],
    ids=["alamiah", "sejahtera by income", "sejahtera by desil", "tinjau"],
)
def test_every_assessment_has_one_reason_per_test_in_order(facts, expected):
    result = assess(facts, on=ON, policy=P)

    assert [r.code for r in result.reasons] == expected
    assert [r.status for r in result.reasons] == [S.ALAMIAH, S.SEJAHTERA, S.SEJAHTERA, S.TINJAU]


def test_reasons_are_stored_with_iso_dates_and_decimals_as_text():
    facts = kpm(
        child(2, date(2019, 5, 20)),  # 7 on 2026-05-20: no component since then
        entry=date(2021, 2, 1),
        economic=income(3_045_808, stable=False),
        poverty_line=609_161,
    )
    policy = replace(P, poverty_line_multiplier=Decimal("1.25"))

    result = assess(facts, on=ON, policy=policy)

    assert [r.as_json() for r in result.reasons] == [
        {
            "code": "no_component",
            "holds": True,
            "status": "alamiah",
            "values": {"since": "2026-05-20"},
        },
        {
            "code": "income_not_stable",
            "holds": False,
            "status": "sejahtera",
            "values": {
                "assessed_on": "2026-05-01",
                "income_per_member": 761_452,
                "line": 609_161,
                "multiplier": "1.25",
                "threshold": 761_452,
                "stable_income": False,
            },
        },
        {"code": "no_desil", "holds": False, "status": "sejahtera", "values": {"ceiling": 4}},
        {
            "code": "years_in_pkh_reached",
            "holds": True,
            "status": "tinjau",
            "values": {"entry_date": "2021-02-01", "max_years": 5, "reached_on": "2026-02-01"},
        },
    ]
    assert (result.status, result.statuses) == (S.ALAMIAH, (S.ALAMIAH, S.TINJAU))


def test_an_unknown_since_is_stored_as_null():
    reason = assess(kpm(adult()), on=ON, policy=P).reasons[COMPONENTS]
    assert reason.as_json() == {
        "code": "no_component",
        "holds": True,
        "status": "alamiah",
        "values": {"since": None},
    }


def test_stale_and_missing_assessment_reasons_are_stored_as_text():
    stale = income(2_400_000, assessed_on=date(2025, 6, 30))
    reasons = [
        assess(kpm(pupil(), economic=stale, poverty_line=LINE), on=ON, policy=P).reasons[INCOME],
        assess(kpm(pupil()), on=ON, policy=P).reasons[INCOME],
    ]
    assert [r.as_json() for r in reasons] == [
        {
            "code": "assessment_stale",
            "holds": False,
            "status": "sejahtera",
            "values": {"assessed_on": "2025-06-30", "max_age_months": 12},
        },
        {"code": "no_assessment", "holds": False, "status": "sejahtera", "values": {}},
    ]


# Alamiah: since when ------------------------------------------------------------------------

SINCE_CASES = [
    # (case, members, entry, since)
    (
        "a child aging out of anak usia dini",
        (adult(), child(2, date(2019, 3, 1))),
        ENTRY,
        date(2026, 3, 1),
    ),
    (
        "a child aging out of school at 22",
        (adult(), child(2, date(2004, 5, 10), "SMA")),
        ENTRY,
        date(2026, 5, 10),
    ),
    ("nifas ending", (adult(delivered_on=date(2026, 4, 1)),), ENTRY, date(2026, 5, 14)),
    (
        "a lansia who died on a recorded date",
        (adult(), adult(2, birth_date=date(1940, 1, 1), active=False, left_on=date(2026, 2, 15))),
        ENTRY,
        date(2026, 2, 15),
    ),
    (
        "the latest of several ends",
        (
            child(2, date(2019, 3, 1)),
            child(3, date(2004, 5, 10), "SMA"),
            adult(delivered_on=date(2026, 1, 2)),
        ),
        ENTRY,
        date(2026, 5, 10),
    ),
    ("on the entry date itself", (adult(), child(2, date(2015, 1, 10))), ENTRY, ENTRY),
    ("the day before the entry date", (adult(), child(2, date(2015, 1, 9))), ENTRY, None),
    ("only adults, since before the entry", (adult(), adult(2, sex="L")), ENTRY, None),
    (
        "an adult who moved away after the child aged out",
        (child(2, date(2019, 3, 1)), adult(3, sex="L", active=False, left_on=date(2026, 6, 1))),
        ENTRY,
        date(2026, 3, 1),
    ),
    (
        "a woman who died at 69, after the child aged out",
        (
            child(2, date(2019, 3, 1)),
            adult(3, birth_date=date(1956, 8, 1), active=False, left_on=date(2026, 6, 1)),
        ),
        ENTRY,
        date(2026, 3, 1),
    ),
    (
        "a pregnant woman who moved away on a recorded date",
        (
            child(2, date(2019, 3, 1)),
            adult(
                3, pregnant=True, due_date=date(2026, 9, 1), active=False, left_on=date(2026, 6, 1)
            ),
        ),
        ENTRY,
        date(2026, 6, 1),
    ),
    (
        "a lansia who died on an unrecorded date",
        (child(2, date(2019, 3, 1)), adult(3, birth_date=date(1940, 1, 1), active=False)),
        ENTRY,
        None,
    ),
    (
        "a child who died on an unrecorded date before aging out",
        (child(2, date(2019, 3, 1)), child(3, date(2020, 1, 1), active=False)),
        ENTRY,
        None,
    ),
    (
        "an adult who moved away on an unrecorded date",
        (child(2, date(2019, 3, 1)), adult(3, sex="L", active=False)),
        ENTRY,
        date(2026, 3, 1),
    ),
]


@pytest.mark.parametrize(
    ("members", "entry", "since"),
    [case[1:] for case in SINCE_CASES],
    ids=[case[0] for case in SINCE_CASES],
)
def test_alamiah_says_since_when_no_component_is_held(members, entry, since):
    result = assess(kpm(*members, entry=entry), on=ON, policy=P)

    assert result.status == S.ALAMIAH
    assert result.reasons[COMPONENTS] == Reason(
        Code.NO_COMPONENT, True, S.ALAMIAH, {"since": since}
    )


COMPONENT_END_CASES = [
    # (case, member, end)
    ("holds a component now", pupil(), None),
    ("aged out of anak usia dini", child(2, date(2019, 3, 1)), date(2026, 3, 1)),
    ("an adult: ended at 7", adult(birth_date=date(1990, 4, 2)), date(1997, 4, 2)),
    ("aged out of school", child(2, date(2004, 5, 10), "SMA"), date(2026, 5, 10)),
    ("nifas ended", adult(delivered_on=date(2026, 4, 1)), date(2026, 5, 14)),
    (
        "pregnancy past due, delivered, nifas over",
        adult(pregnant=True, due_date=date(2026, 4, 20), delivered_on=date(2026, 4, 1)),
        date(2026, 5, 14),
    ),
    ("lansia", adult(birth_date=born(75)), None),
    ("severe disability", adult(severe_disability=True), None),
    ("pregnant, no delivery", adult(pregnant=True), None),
    (
        "lansia who died on a recorded date",
        adult(birth_date=born(80), active=False, left_on=date(2025, 9, 9)),
        date(2025, 9, 9),
    ),
    (
        "adult who moved away on a recorded date",
        adult(birth_date=date(1990, 4, 2), active=False, left_on=date(2025, 9, 9)),
        date(1997, 4, 2),
    ),
    (
        "child who moved away at 5",
        child(2, date(2020, 1, 1), active=False, left_on=date(2025, 9, 9)),
        date(2025, 9, 9),
    ),
    ("left on an unrecorded date", adult(birth_date=born(80), active=False), None),
]


@pytest.mark.parametrize(
    ("member", "end"),
    [case[1:] for case in COMPONENT_END_CASES],
    ids=[case[0] for case in COMPONENT_END_CASES],
)
def test_component_end(member, end):
    assert component_end(member, on=ON, policy=P) == end


# Projected natural graduation ---------------------------------------------------------------

SD_CHILD = child(2, date(2016, 9, 15), "SD")  # 18 on 2034-09-15

PROJECTED_CASES = [
    # (case, members, projected)
    ("a child in SD: the 18th birthday", (adult(), SD_CHILD), date(2034, 9, 15)),
    ("a baby not in school", (adult(), child(2, date(2025, 11, 20))), date(2043, 11, 20)),
    (
        "a pregnancy: due date + 18 years",
        (adult(pregnant=True, due_date=date(2026, 10, 5)),),
        date(2044, 10, 5),
    ),
    (
        "a pregnancy past due, no delivery recorded",
        (adult(pregnant=True, due_date=date(2026, 6, 20)),),
        date(2044, 6, 20),
    ),
    (
        "nifas, the baby recorded",
        (adult(delivered_on=date(2026, 6, 20)), child(2, date(2026, 6, 20))),
        date(2044, 6, 20),
    ),
    ("nifas, no baby recorded", (adult(delivered_on=date(2026, 6, 20)),), date(2026, 8, 2)),
    (
        "aged 19, still in SMA: ages out at 22",
        (adult(), child(2, date(2007, 3, 3), "SMA")),
        date(2029, 3, 3),
    ),
    ("aged 18 today, still in SMA", (adult(), child(2, born(18), "SMA")), date(2030, 7, 1)),
    (
        "the last child decides",
        (adult(), SD_CHILD, child(3, date(2012, 1, 1), "SMP")),
        date(2034, 9, 15),
    ),
    ("a lansia", (adult(), SD_CHILD, adult(3, birth_date=born(72))), None),
    ("a lansia alone", (adult(birth_date=born(72)),), None),
    ("a lansia with other adults", (adult(), adult(2, sex="L", birth_date=born(75))), None),
    ("disabilitas berat", (adult(severe_disability=True), SD_CHILD), None),
    (
        "a toddler with a severe disability",
        (adult(), child(2, born(3), severe_disability=True)),
        None,
    ),
    (
        "a grandparent turning 70 before the last child leaves",
        (adult(), SD_CHILD, adult(3, birth_date=date(1962, 5, 1))),
        None,
    ),
    (
        "a grandparent turning 70 on the day the last child leaves",
        (adult(), SD_CHILD, adult(3, birth_date=date(1964, 9, 15))),
        None,
    ),
    (
        "a grandparent turning 70 the day after",
        (adult(), SD_CHILD, adult(3, birth_date=date(1964, 9, 16))),
        date(2034, 9, 15),
    ),
    (
        "a grandparent turning 70 after the last child leaves",
        (adult(), SD_CHILD, adult(3, birth_date=date(1966, 1, 1))),
        date(2034, 9, 15),
    ),
    (
        "a grandparent who died is not waited for",
        (adult(), SD_CHILD, adult(3, birth_date=date(1962, 5, 1), active=False)),
        date(2034, 9, 15),
    ),
    ("no component", (adult(), adult(2, sex="L")), None),
]


@pytest.mark.parametrize(
    ("members", "projected"),
    [case[1:] for case in PROJECTED_CASES],
    ids=[case[0] for case in PROJECTED_CASES],
)
def test_projected_natural_graduation(members, projected):
    assert assess(kpm(*members), on=ON, policy=P).projected_graduation == projected


def test_projected_graduation_follows_the_school_leaving_age():
    members = (adult(), SD_CHILD)
    policy = replace(P, school_leaving_age=19)
    benefit = household_benefit(members, on=ON, policy=policy)

    assert projected_graduation(members, benefit, on=ON, policy=policy) == date(2035, 9, 15)
