"""Every stored reason of an assessment reads as one plain sentence: Indonesian by default, with
Indonesian money and long dates; an unknown or damaged reason gets a neutral sentence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from graduasi.reasons import reason_lines, reason_sentence
from graduasi.rules import (
    DEFAULT_POLICY,
    Code,
    EconomicFacts,
    KpmFacts,
    Member,
    Reason,
    Status,
    assess,
)

INCOME = {
    "assessed_on": "2026-03-03",
    "income_per_member": 742_000,
    "line": 609_160,
    "multiplier": "1.00",
    "threshold": 609_160,
    "stable_income": True,
}
YEARS = {"entry_date": "2021-01-01", "max_years": 5, "reached_on": "2026-01-01"}

# One stored reason per code, with the sentence it must read as.
EXAMPLES: dict[Code, tuple[dict, str]] = {
    Code.NO_COMPONENT: ({"since": "2026-07-01"}, "Tidak ada komponen lagi sejak 1 Juli 2026"),
    Code.HAS_COMPONENTS: (
        {"count": 3, "yearly": 6_900_000},
        "Masih ada 3 komponen, Rp6.900.000 per tahun",
    ),
    Code.INCOME_AT_OR_ABOVE_LINE: (
        INCOME,
        "Pendapatan per anggota Rp742.000 ≥ garis kemiskinan Rp609.160 × 1,00 "
        "(asesmen 3 Maret 2026), penghasilan tetap",
    ),
    Code.INCOME_NOT_STABLE: (
        {**INCOME, "stable_income": False},
        "Pendapatan per anggota Rp742.000 ≥ garis kemiskinan Rp609.160 × 1,00 "
        "(asesmen 3 Maret 2026), tetapi penghasilan tidak tetap",
    ),
    Code.INCOME_BELOW_LINE: (
        {**INCOME, "income_per_member": 500_000, "multiplier": "1.25", "threshold": 761_450},
        "Pendapatan per anggota Rp500.000 di bawah garis kemiskinan Rp609.160 × 1,25 "
        "(asesmen 3 Maret 2026)",
    ),
    Code.ASSESSMENT_STALE: (
        {"assessed_on": "2025-01-02", "max_age_months": 12},
        "Asesmen ekonomi terakhir 2 Januari 2025 sudah lebih dari 12 bulan",
    ),
    Code.NO_ASSESSMENT: ({}, "Belum ada asesmen ekonomi"),
    Code.NO_POVERTY_LINE: ({}, "Garis kemiskinan provinsi belum tercatat"),
    Code.DESIL_ABOVE_CEILING: ({"desil": 5, "ceiling": 4}, "Desil DTSEN 5 di atas batas desil 4"),
    Code.DESIL_WITHIN_CEILING: (
        {"desil": 2, "ceiling": 4},
        "Desil DTSEN 2 belum di atas batas desil 4",
    ),
    Code.NO_DESIL: ({"ceiling": 4}, "Belum ada desil DTSEN"),
    Code.YEARS_IN_PKH_REACHED: (
        YEARS,
        "Sudah 5 tahun di PKH sejak 1 Januari 2021 (tercapai 1 Januari 2026)",
    ),
    Code.YEARS_IN_PKH_BELOW: (
        {"entry_date": "2022-01-01", "max_years": 5, "reached_on": "2027-01-01"},
        "Belum 5 tahun di PKH: masuk 1 Januari 2022, genap 5 tahun pada 1 Januari 2027",
    ),
}
FALLBACK = "Alasan lain tercatat pada asesmen"


def stored(code: str, values: dict | None = None, holds: bool = False) -> dict:
    return {"code": code, "holds": holds, "status": "sejahtera", "values": values or {}}


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(Code)


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_code_reads_as_its_sentence(code):
    values, sentence = EXAMPLES[code]
    with translation.override("id"):
        assert reason_sentence(stored(code.value, values)) == sentence


def test_no_component_without_a_known_date():
    with translation.override("id"):
        assert reason_sentence(stored("no_component", {"since": None})) == (
            "Tidak ada komponen lagi"
        )


def test_one_component_is_counted_in_the_singular_form_too():
    with translation.override("id"):
        sentence = reason_sentence(stored("has_components", {"count": 1, "yearly": 900_000}))
    assert sentence == "Masih ada 1 komponen, Rp900.000 per tahun"


def test_the_reasons_the_rules_store_all_read_as_sentences():
    """Whatever assess() stores (through as_json) has a sentence, never the fallback."""
    on = date(2026, 7, 1)
    mother = Member(id=1, birth_date=date(1980, 5, 5), sex="P")
    child = Member(id=2, birth_date=date(2015, 5, 5), sex="L", school_level="SD")
    facts = [
        KpmFacts(kpm_id=1, entry_date=date(2019, 1, 1), members=(mother,)),
        KpmFacts(
            kpm_id=2,
            entry_date=date(2023, 2, 1),
            members=(mother, child),
            economic=EconomicFacts(date(2026, 3, 3), 3_000_000, 4, True),
            desil=5,
            poverty_line=609_160,
        ),
        KpmFacts(
            kpm_id=3,
            entry_date=date(2023, 2, 1),
            members=(mother, child),
            economic=EconomicFacts(date(2024, 3, 3), 3_000_000, 4, True),
            desil=2,
        ),
        KpmFacts(
            kpm_id=4,
            entry_date=date(2023, 2, 1),
            members=(mother, child),
            economic=EconomicFacts(date(2026, 3, 3), 3_000_000, 4, True),
        ),
    ]
    seen = set()
    with translation.override("id"):
        for f in facts:
            for reason in assess(f, on=on, policy=DEFAULT_POLICY).reasons:
                seen.add(reason.code)
                assert reason_sentence(reason.as_json()) != FALLBACK, reason
    assert len(seen) >= 8


def test_a_decimal_multiplier_straight_from_the_rules_reads_the_same():
    reason = Reason(
        Code.INCOME_AT_OR_ABOVE_LINE,
        True,
        Status.SEJAHTERA,
        {**INCOME, "assessed_on": date(2026, 3, 3), "multiplier": Decimal("1.0")},
    )
    with translation.override("id"):
        assert "× 1,00 (asesmen 3 Maret 2026)" in reason_sentence(reason.as_json())


@pytest.mark.parametrize(
    "reason",
    [
        {"code": "kode_baru", "holds": True, "values": {}},
        {"code": None},
        {},
        {"code": "desil_above_ceiling", "values": {"desil": "lima"}},
        {"code": "no_component", "values": {"since": "bukan tanggal"}},
        {"code": "has_components", "values": {"count": 3}},
        {"code": "income_below_line", "values": {**INCOME, "multiplier": "x"}},
        {"code": "years_in_pkh_reached", "values": "rusak"},
    ],
)
def test_an_unknown_or_damaged_reason_gets_a_neutral_sentence(reason):
    with translation.override("id"):
        assert reason_sentence(reason) == FALLBACK


def test_english_dates_follow_the_language_and_money_stays_indonesian():
    with translation.override("en"):
        sentence = reason_sentence(stored("income_at_or_above_line", INCOME))
        since = reason_sentence(stored("no_component", {"since": "2026-07-01"}))
    assert "3 March 2026" in sentence
    assert "Rp742.000" in sentence
    assert "× 1.00" in sentence
    assert "1 July 2026" in since


def test_reason_lines_keep_order_and_mark_the_holding_ones():
    reasons = [
        stored("has_components", {"count": 2, "yearly": 3_900_000}),
        stored("desil_above_ceiling", {"desil": 5, "ceiling": 4}, holds=True),
        "rusak",
    ]
    with translation.override("id"):
        lines = reason_lines(reasons)
    assert [(line.code, line.holds) for line in lines] == [
        ("has_components", False),
        ("desil_above_ceiling", True),
        ("", False),
    ]
    assert lines[1].sentence == "Desil DTSEN 5 di atas batas desil 4"
    assert lines[2].sentence == FALLBACK
    assert reason_lines(None) == []
    assert reason_lines({"code": "no_desil"}) == []
