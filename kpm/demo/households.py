"""Deterministic demo households for one kecamatan: pure Python, no database, no clock.

Each kecamatan has its own random stream (seed + kecamatan code), so its rows do not depend
on how the run is split into batches or processes. The first KPM of every kecamatan walk
through SHOWCASE, so each graduation rule of DESIGN §5 has a case even in a small run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kpm.demo.names import NamePools
from kpm.demo.plan import KecamatanPlan
from kpm.demo.shapes import SHAPE_BUILDERS, Person
from kpm.demo.stream import Stream, Weights

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

POVERTY_LINE = 609_160  # BPS national garis kemiskinan, March 2025 (DESIGN §4)
PKH_FIRST_ENTRY = date(2015, 1, 1)
PKH_LAST_ENTRY = date(2025, 12, 31)
ISSUE_FROM = date(2010, 1, 1).toordinal()  # earliest No KK issue date


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


@dataclass
class KecamatanRows:
    """Rows for the four tables, values in column order (dates as ISO strings)."""

    kpm: list[tuple] = field(default_factory=list)
    anggota: list[tuple] = field(default_factory=list)
    desil: list[tuple] = field(default_factory=list)
    assessment: list[tuple] = field(default_factory=list)


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
    """DesilHistory rows for a path on distinct days from PKH entry (or a month before
    today, for a family that entered later) to today, so the last is clearly the latest."""
    start = min(entered, s.today - 30)
    days = sorted(s.rng.sample(range(start, s.today + 1), len(path)))
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


def assessment_rows(
    s: Stream, case: Case, kpm_pk: int, members: int, user_pk: int | None
) -> list[tuple]:
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


def _assessment(
    s: Stream,
    kpm_pk: int,
    members: int,
    user_pk: int | None,
    income: int,
    stable: bool,
    assessed: int,
) -> tuple:
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
