"""Deterministic demo households for one kecamatan: pure Python, no database, no clock.

Each kecamatan has its own random stream (seed + kecamatan code), so its rows do not depend
on how the run is split into batches or processes. The first KPM of every kecamatan walk
through SHOWCASE, so each graduation rule of DESIGN §5 has a case even in a small run.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from kpm.demo.identity import SerialCounter, nik_birth_part
from kpm.demo.names import NamePools
from kpm.demo.plan import KecamatanPlan

# Values below are the stored values of the choices in kpm/models.py and pendamping/models.py.
KPM_COLUMNS = (
    "id", "kpm_id", "no_kk", "desa_id", "kecamatan_code", "kabupaten_code", "provinsi_code",
    "alamat", "desil", "pkh_entry_date", "status", "pendamping_id", "created_at", "updated_at",
)  # fmt: skip
ANGGOTA_COLUMNS = (
    "kpm_id", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "is_pengurus",
    "hamil", "perkiraan_lahir", "tanggal_persalinan", "jenjang_sekolah", "disabilitas_berat",
    "status", "status_changed_on", "created_at", "updated_at",
)  # fmt: skip
DESIL_COLUMNS = ("kpm_id", "desil", "recorded_on", "source", "created_at")
ASSESSMENT_COLUMNS = (
    "kpm_id", "assessed_on", "household_income", "member_count", "stable_income",
    "business_status", "housing_condition", "source", "created_by_id", "created_at",
)  # fmt: skip

T = TypeVar("T")
POVERTY_LINE = 609_160  # BPS national garis kemiskinan, March 2025 (DESIGN §4)
NIFAS_DAYS = 42  # DESIGN §5: a mother counts as nifas up to 42 days after delivery
LANSIA_AGE = 70  # DESIGN §5: the lansia component as paid in practice
PKH_FIRST_ENTRY = date(2015, 1, 1)
PKH_LAST_ENTRY = date(2025, 12, 31)
ISSUE_FROM = date(2010, 1, 1).toordinal()  # earliest No KK issue date


class Weights:
    """Keys with relative weights, prepared once for fast weighted draws."""

    def __init__(self, weights: dict) -> None:
        self.keys = tuple(weights)
        self.cum_weights = tuple(itertools.accumulate(weights.values()))
        self.total = self.cum_weights[-1]


SHAPES = {  # household shape: weight in the random mix
    "keluarga": 44, "ibu_tunggal": 9, "hamil": 6, "nifas": 3, "lansia": 10,
    "lansia_tunggal": 4, "disabilitas": 5, "tanpa_komponen": 9, "banyak_anak": 5,
    "anak_sma": 5,
}  # fmt: skip
STATUSES = {"aktif": 93, "graduasi": 3, "keluar": 2, "menunggu": 2}
INCOMES = {"": 62, "bawah": 22, "atas": 9, "atas_tidak_tetap": 4, "atas_lama": 3}
DESIL_WEIGHTS = {1: 30, 2: 28, 3: 18, 4: 11, 5: 8, 6: 5}
HOUSING = (
    "Rumah permanen, lantai keramik", "Semi permanen, lantai semen", "Dinding bambu, lantai tanah",
    "Rumah kayu, atap seng", "Menumpang di rumah keluarga", "Kontrak, satu kamar",
)  # fmt: skip
BUSINESS = ("tidak_ada", "rintisan", "berjalan", "berkembang")
_SHAPES, _STATUSES, _INCOMES, _DESIL = (
    Weights(w) for w in (SHAPES, STATUSES, INCOMES, DESIL_WEIGHTS)
)


@dataclass(frozen=True)
class Case:
    """What one KPM is meant to show: household shape and the graduation facts around it."""

    shape: str = "keluarga"
    status: str = "aktif"
    income: str = ""  # "", bawah, atas, atas_tidak_tetap, atas_lama (over 12 months old)
    desil: tuple[int, ...] = ()  # DTSEN desil path, oldest first; () draws one
    years: str = ""  # "", lama (5+ years in PKH), baru (under 5)


SHOWCASE: tuple[Case, ...] = (
    Case("keluarga"),
    Case("tanpa_komponen", years="baru"),
    Case("hamil"),
    Case("nifas"),
    Case("lansia"),
    Case("disabilitas"),
    Case("banyak_anak"),
    Case("keluarga", income="atas", years="baru"),
    Case("keluarga", desil=(2, 5), years="baru"),
    Case("keluarga", years="lama"),
    Case("keluarga", status="graduasi", income="atas"),
    Case("keluarga", status="keluar"),
    Case("keluarga", status="menunggu"),
    Case("keluarga", income="atas_lama", years="baru"),
    Case("keluarga", status="graduasi", desil=(5, 2)),
    Case("ibu_tunggal"),
    Case("lansia_tunggal"),
    Case("anak_sma", income="atas_tidak_tetap"),
    Case("keluarga", desil=(6,), years="baru"),
    Case("keluarga", income="bawah"),
)


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


@dataclass
class KecamatanRows:
    """Rows for the four tables, values in column order (dates as ISO strings)."""

    kpm: list[tuple] = field(default_factory=list)
    anggota: list[tuple] = field(default_factory=list)
    desil: list[tuple] = field(default_factory=list)
    assessment: list[tuple] = field(default_factory=list)


# Formatting a date costs more than generating it, and a run touches only some 40,000 days.
_DAYS: dict[int, tuple[str, str, str]] = {}


class Stream:
    """Everything one kecamatan's generation needs: its random stream and date helpers."""

    def __init__(self, seed: int, today: date, plan: KecamatanPlan, pools: NamePools) -> None:
        self.rng = random.Random(f"{seed}:{plan.code}")
        self.random = self.rng.random
        self.today = today.toordinal()
        self.plan = plan
        self.pools = pools
        self.prefix = plan.code.replace(".", "")
        self.niks = SerialCounter(plan.taken_niks)
        self.kks = SerialCounter()
        self.stamp = f"{today.isoformat()} 00:00:00+07"
        self.age_floor = [_years_before(today, n).toordinal() for n in range(121)]

    def day(self, ordinal: int) -> tuple[str, str, str]:
        """ISO text of a date ordinal and its DDMMYY in a man's and in a woman's NIK."""
        parts = _DAYS.get(ordinal)
        if parts is None:
            day = date.fromordinal(ordinal)
            parts = (day.isoformat(), nik_birth_part(day, "L"), nik_birth_part(day, "P"))
            _DAYS[ordinal] = parts
        return parts

    def iso(self, ordinal: int | None) -> str | None:
        """ISO text of a date ordinal; None stays None."""
        return None if ordinal is None else self.day(ordinal)[0]

    def between(self, low: int, high: int) -> int:
        """A whole number from `low` to `high` inclusive (randint without its slow checks)."""
        return low + int(self.random() * (high - low + 1))

    def item(self, items: Sequence[T]) -> T:
        """One of `items`, evenly."""
        return items[int(self.random() * len(items))]

    def birth(self, age: int) -> int:
        """A birth date ordinal for someone exactly `age` years old today."""
        return self.between(self.age_floor[age + 1] + 1, self.age_floor[age])

    def pick(self, weights: Weights) -> Any:
        """One key of `weights`, drawn in proportion to its weight."""
        return weights.keys[bisect.bisect(weights.cum_weights, self.random() * weights.total)]


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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


def draw_case(s: Stream, index: int) -> Case:
    """The showcase case for the first KPM of a kecamatan, a random one after that."""
    if index < len(SHOWCASE):
        return SHOWCASE[index]
    return Case(shape=s.pick(_SHAPES), status=s.pick(_STATUSES), income=s.pick(_INCOMES))


def entry_date(s: Stream, case: Case) -> int:
    """PKH entry date 2015-2025 (and not after today); `lama` is 5+ years ago, `baru` less."""
    five_years = s.age_floor[5]
    first, last = PKH_FIRST_ENTRY.toordinal(), min(PKH_LAST_ENTRY.toordinal(), s.today)
    if case.status == "menunggu":
        return s.today - s.between(0, 120)
    if case.years == "lama":
        last = min(last, five_years - 1)
    elif case.years == "baru":
        first = max(first, five_years + 1)
    return s.between(first, max(first, last))


def desil_path(s: Stream, case: Case) -> tuple[tuple[int, ...], bool]:
    """The KPM's DTSEN desil, oldest first (the last is current), and whether it is on record."""
    if case.desil:
        return case.desil, True
    current: int = s.pick(_DESIL)
    roll = s.random()
    if roll < 0.12:
        earlier = min(6, max(1, current + s.item((-2, -1, 1, 2))))
        if earlier != current:
            return (earlier, current), True
    return (current,), roll < 0.5


def desil_rows(s: Stream, kpm_pk: int, path: tuple[int, ...], entered: int) -> list[tuple]:
    """DesilHistory rows for a path, dated between PKH entry and today, in order."""
    span = max(0, s.today - entered)
    days = sorted(entered + s.between(0, span) for _ in path)
    return [(kpm_pk, d, s.iso(o), "import", s.stamp) for d, o in zip(path, days, strict=True)]


def household_income(s: Stream, case: Case, members: int) -> tuple[int, bool, int]:
    """Monthly income, whether it is stable, and the assessment date ordinal."""
    above = case.income.startswith("atas")
    per_member = s.between(620_000, 1_150_000) if above else s.between(140_000, 560_000)
    stable = case.income == "atas" or (not above and s.random() < 0.2)
    if case.income == "atas_lama":
        stable, assessed = True, s.today - s.between(380, 700)
    elif case.income == "atas":
        assessed = s.today - s.between(5, 170)
    else:
        assessed = s.today - s.between(5, 540)
    income = per_member * members + s.between(0, 9) * 10_000
    return income // 1_000 * 1_000, stable, assessed


def assessment_rows(s: Stream, case: Case, kpm_pk: int, members: int, user_pk: int | None):
    """Zero, one or two economic assessments; the latest carries the case's income."""
    if not case.income:
        return []
    rows = []
    if s.random() < 0.25:
        older = household_income(s, Case(income="bawah"), members)
        rows.append(_assessment(s, kpm_pk, members, user_pk, older[0], False, older[2] - 400))
    income, stable, assessed = household_income(s, case, members)
    rows.append(_assessment(s, kpm_pk, members, user_pk, income, stable, assessed))
    return rows


def _assessment(s, kpm_pk, members, user_pk, income, stable, assessed) -> tuple:
    business = "berjalan" if stable else s.item(BUSINESS)
    housing = s.item(HOUSING)
    return (
        kpm_pk, s.iso(assessed), income, members, stable, business, housing, "kunjungan",
        user_pk, s.stamp,
    )  # fmt: skip


def member_row(s: Stream, kpm_pk: int, p: Person) -> tuple:
    """An Anggota row: a name from the pools and a NIK unique within the kecamatan."""
    pools = s.pools
    first, last = (
        (pools.male_first, pools.male_last)
        if p.sex == "L"
        else (pools.female_first, pools.female_last)
    )
    nama = f"{s.item(first)} {s.item(last)}"
    born = s.day(p.birth)
    nik = s.niks.number(s.prefix + (born[1] if p.sex == "L" else born[2]))
    status, changed = ("meninggal", s.iso(p.died_on)) if p.died_on else ("aktif", None)
    return (
        kpm_pk, nik, nama, p.sex, born[0], p.hubungan, p.pengurus,
        p.hamil_until is not None, s.iso(p.hamil_until), s.iso(p.delivered), p.jenjang,
        p.disabled, status, changed, s.stamp, s.stamp,
    )  # fmt: skip


def no_kk(s: Stream) -> str:
    """A No KK issued in the kecamatan some day since 2010."""
    issued = s.day(s.between(ISSUE_FROM, s.today))
    return s.kks.number(s.prefix + issued[1])


def alamat(s: Stream) -> str:
    streets = s.pools.streets
    street = s.item(streets)
    rt, rw = s.between(1, 12), s.between(1, 8)
    return f"{street} No. {s.between(1, 150)}, RT {rt:03d}/RW {rw:03d}"


def add_kpm(s: Stream, index: int, desa: str, out: KecamatanRows) -> None:
    """The `index`-th KPM of the kecamatan, with its members, desil history and assessments."""
    plan, case = s.plan, draw_case(s, index)
    pk, serial = plan.first_kpm_pk + index, plan.first_serial + index
    staff = None if case.status == "menunggu" else plan.pendamping_for(serial)
    people = SHAPE_BUILDERS[case.shape](s)
    entered = entry_date(s, case)
    path, recorded = desil_path(s, case)
    out.kpm.append((
        pk, f"{plan.kabupaten_code.replace('.', '')}-{serial:07d}", no_kk(s), desa, plan.code,
        plan.kabupaten_code, plan.code[:2], alamat(s), path[-1], s.iso(entered), case.status,
        staff[0] if staff else None, s.stamp, s.stamp,
    ))  # fmt: skip
    out.anggota += [member_row(s, pk, p) for p in people]
    if recorded:
        out.desil += desil_rows(s, pk, path, entered)
    living = sum(1 for p in people if p.died_on is None)
    out.assessment += assessment_rows(s, case, pk, living, staff[1] if staff else None)


def generate_kecamatan(
    seed: int, today: date, plan: KecamatanPlan, pools: NamePools
) -> KecamatanRows:
    """All rows of one kecamatan; the same arguments always give the same rows."""
    stream = Stream(seed, today, plan, pools)
    out = KecamatanRows()
    index = 0
    for desa, count in plan.desa_counts:
        for _ in range(count):
            add_kpm(stream, index, desa, out)
            index += 1
    return out
