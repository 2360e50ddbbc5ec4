"""Household shapes: who lives in a demo KPM, with ages, schooling, pregnancy and disability.

Stored values are those of the choices in kpm/models.py (Relationship, SchoolLevel, Sex).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kpm.demo.stream import Stream

NIFAS_DAYS = 42  # DESIGN §5: a mother counts as nifas up to 42 days after delivery
LANSIA_AGE = 70  # DESIGN §5: the lansia component as paid in practice


@dataclass(slots=True)
class Person:
    """One member before names and NIKs are given."""

    sex: str
    birth: int  # date ordinal
    age: int
    hubungan: str
    jenjang: str = ""
    pengurus: bool = False
    hamil_until: int | None = None  # perkiraan lahir, date ordinal
    delivered: int | None = None  # tanggal persalinan, date ordinal
    disabled: bool = False
    died_on: int | None = None


def school_level(age: int, rng: random.Random) -> str:
    """Current enrolment for a child of `age`: PAUD 4-6, SD 7-12, SMP 13-15, SMA 16-18."""
    if 4 <= age <= 6:
        return "PAUD" if rng.random() < 0.6 else ""
    if 7 <= age <= 12:
        return "SD" if rng.random() < 0.97 else ""
    if 13 <= age <= 15:
        return "SMP" if rng.random() < 0.9 else ""
    if 16 <= age <= 18:
        return "SMA" if rng.random() < 0.8 else ""
    return ""


def _adult(s: Stream, sex: str, lo: int, hi: int, hubungan: str) -> Person:
    age = s.between(lo, hi)
    return Person(sex=sex, birth=s.birth(age), age=age, hubungan=hubungan)


def _child(s: Stream, age: int, *, enrolled: bool | None = None) -> Person:
    """A child of `age`; enrolment drawn by age unless `enrolled` forces it."""
    level = school_level(age, s.rng)
    if enrolled is True and not level and 7 <= age <= 18:
        level = "SD" if age <= 12 else "SMP" if age <= 15 else "SMA"
    elif enrolled is False:
        level = ""
    sex = "L" if s.random() < 0.51 else "P"
    return Person(sex=sex, birth=s.birth(age), age=age, hubungan="anak", jenjang=level)


def _couple(s: Stream, wife_lo: int, wife_hi: int) -> list[Person]:
    """Husband (kepala) and wife (istri, the pengurus)."""
    wife = _adult(s, "P", wife_lo, wife_hi, "istri")
    wife.pengurus = True
    husband_age = min(wife.age + s.between(0, 8), LANSIA_AGE - 1)
    husband = Person(sex="L", birth=s.birth(husband_age), age=husband_age, hubungan="kepala")
    return [husband, wife]


def _children(s: Stream, mother: Person, count: int, *, max_age: int = 24) -> list[Person]:
    """Up to `count` children born when the mother was 18 or older."""
    oldest = min(mother.age - 18, max_age)
    if oldest < 0:
        return []
    ages = sorted({s.between(0, oldest) for _ in range(count)}, reverse=True)
    return [_child(s, age) for age in ages]


def _mark_recent_birth(s: Stream, mother: Person, kids: list[Person]) -> None:
    """A mother's last delivery is on record when her youngest is under two."""
    young = [k for k in kids if k.age < 2]
    if young and s.random() < 0.5:
        mother.delivered = min(young, key=lambda k: k.age).birth


def shape_keluarga(s: Stream) -> list[Person]:
    """Husband, wife and one to four children of mixed ages."""
    people = _couple(s, 22, 50)
    kids = _children(s, people[1], s.between(1, 4))
    _mark_recent_birth(s, people[1], kids)
    return people + kids


def shape_ibu_tunggal(s: Stream) -> list[Person]:
    """A mother heading the household alone with one to three children."""
    mother = _adult(s, "P", 24, 52, "kepala")
    mother.pengurus = True
    return [mother, *_children(s, mother, s.between(1, 3))]


def shape_hamil(s: Stream) -> list[Person]:
    """A pregnant wife with a due date ahead, and up to two young children."""
    people = _couple(s, 20, 38)
    people[1].hamil_until = s.today + s.between(14, 270)
    return people + _children(s, people[1], s.between(0, 2), max_age=12)


def shape_nifas(s: Stream) -> list[Person]:
    """A mother who delivered within the last 42 days, the newborn and maybe siblings."""
    people = _couple(s, 20, 38)
    delivered = s.today - s.between(0, NIFAS_DAYS - 2)
    people[1].delivered = delivered
    baby = _child(s, 0)
    baby.birth = delivered
    return [*people, baby, *_children(s, people[1], s.between(0, 2), max_age=12)]


def shape_lansia(s: Stream) -> list[Person]:
    """A family living with an elderly parent aged 70 or more."""
    people = shape_keluarga(s)
    elder = _adult(s, "P" if s.random() < 0.6 else "L", LANSIA_AGE + 1, 88, "orang_tua")
    if s.random() < 0.04:
        elder.died_on = s.today - s.between(10, 400)
    return [*people, elder]


def shape_lansia_tunggal(s: Stream) -> list[Person]:
    """An elderly widow heading the household, sometimes with a grown child."""
    elder = _adult(s, "P", LANSIA_AGE + 1, 90, "kepala")
    elder.pengurus = True
    if s.random() < 0.4:
        return [elder, _adult(s, "L" if s.random() < 0.5 else "P", 30, 50, "anak")]
    return [elder]


def shape_disabilitas(s: Stream) -> list[Person]:
    """A family with one member living with a severe disability."""
    people = shape_keluarga(s)
    member = s.item(people)
    member.disabled = True
    if member.hubungan == "anak" and s.random() < 0.5:
        member.jenjang = ""
    return people


def shape_tanpa_komponen(s: Stream) -> list[Person]:
    """Adults only, all under 70: grown children out of school, no pregnancy, no disability."""
    people = _couple(s, 42, 60)
    grown = [_child(s, age, enrolled=False) for age in {s.between(19, 28) for _ in range(2)}]
    return people + grown[: s.between(0, 2)]


def shape_banyak_anak(s: Stream) -> list[Person]:
    """Five or six children of PAUD to SMA age, all enrolled: more than four components."""
    people = _couple(s, 36, 44)
    ages = s.rng.sample(range(1, 18), s.between(5, 6))
    kids = [_child(s, age, enrolled=True) for age in sorted(ages, reverse=True)]
    if s.random() < 0.3:
        people[1].hamil_until = s.today + s.between(14, 270)
    return people + kids


def shape_anak_sma(s: Stream) -> list[Person]:
    """Parents and one teenager close to leaving SMA: the last component is ending."""
    people = _couple(s, 38, 52)
    return [*people, _child(s, 18, enrolled=True)]


SHAPE_BUILDERS = {
    "keluarga": shape_keluarga, "ibu_tunggal": shape_ibu_tunggal, "hamil": shape_hamil,
    "nifas": shape_nifas, "lansia": shape_lansia, "lansia_tunggal": shape_lansia_tunggal,
    "disabilitas": shape_disabilitas, "tanpa_komponen": shape_tanpa_komponen,
    "banyak_anak": shape_banyak_anak, "anak_sma": shape_anak_sma,
}  # fmt: skip
