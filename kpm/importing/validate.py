"""Check every row and every KPM of an import file against the contract (DESIGN §7).

Pure: the facts from the database (known regions, who owns a NIK) come in a Context.
A KPM with any error is rejected whole; the others are returned as KpmRecord.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpm.importing.cells import Row, parse_date
from kpm.importing.parse import ASSESSMENT_COLUMNS, STATUS_COLUMN, Table
from kpm.importing.records import AssessmentRecord, KpmRecord, MemberRecord, RowError
from kpm.models import KpmStatus
from kpm.rules import nik_mismatch, nik_problem, no_kk_problem

KPM_COLUMNS = ("no_kk", "kode_desa", "alamat", "desil", "tanggal_masuk_pkh")
# A new KPM is active unless the file puts it on the waiting list; for a waiting household
# tanggal_masuk_pkh is the day it joined the waiting list.
STATUSES = {"": KpmStatus.ACTIVE.value, "aktif": KpmStatus.ACTIVE.value}
STATUSES["menunggu"] = KpmStatus.WAITING.value
SHOWN_STATUSES = "aktif, menunggu"
SEXES = {"l": "L", "p": "P"}
RELATIONSHIPS = {v: v for v in ("kepala", "istri", "suami", "anak", "orang_tua", "lainnya")}
SCHOOL_LEVELS = {"": "", "paud": "PAUD", "sd": "SD", "smp": "SMP", "sma": "SMA"}
SHOWN_RELATIONSHIPS = ", ".join(RELATIONSHIPS)
SHOWN_SCHOOL_LEVELS = gettext_lazy("kosong, PAUD, SD, SMP, SMA")
DESIL_REASON = gettext_lazy("Desil harus angka 1 sampai 10, bukan '%(raw)s'.")
INCOME_REASON = gettext_lazy(
    "Pendapatan harus angka bulat rupiah tanpa titik atau koma, mis. 1500000 (tertulis '%(raw)s')."
)
KPM_ID_MAX = 32
INCOME_MAX = 10**12  # a rupiah amount no household earns in a month: catches shifted columns


@dataclass(frozen=True)
class Context:
    """What the checks need to know beyond the file."""

    today: date
    known_kecamatan: Container[str]  # six-digit prefixes, e.g. "357101"
    known_desa: Container[str]  # codes like "35.71.01.1001"
    region_scope: str | None = None  # the importer's kabupaten; None imports anywhere
    nik_owner: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # kpm_id, kabupaten
    kpm_region: Mapping[str, str] = field(default_factory=dict)  # existing kpm_id -> kabupaten


@dataclass(frozen=True)
class Checked:
    records: list[KpmRecord]
    errors: list[RowError]
    rejected: int


def check_table(table: Table, ctx: Context) -> Checked:
    """Every KPM of the file, accepted as a record or rejected with its errors."""
    groups, errors = _group_rows(table)
    duplicates = _duplicate_niks(table)
    records: list[KpmRecord] = []
    rejected = 0
    for kpm_id, rows in groups.items():
        record = _check_kpm(kpm_id, rows, ctx, duplicates, table)
        if record is None:
            rejected += 1
            errors.extend(e for row in rows for e in row.errors)
        else:
            records.append(record)
    errors.sort(key=lambda e: e.line)
    return Checked(records=records, errors=errors, rejected=rejected)


def _group_rows(table: Table) -> tuple[dict[str, list[Row]], list[RowError]]:
    """Rows by kpm_id in file order; a row without kpm_id belongs to no KPM."""
    groups: dict[str, list[Row]] = {}
    orphans: list[RowError] = []
    names = [""] * table.width
    for name, index in table.columns.items():
        names[index] = name
    for line, cells in table.rows:
        row = Row(line, cells, names)
        if len(cells) < table.width or any(c.strip() for c in cells[table.width :]):
            row.fail(
                "-",
                _(
                    "Baris ini punya %(n)s kolom, baris judul %(w)s. Mungkin ada tanda pemisah "
                    "di dalam nama atau alamat: apit isinya dengan tanda kutip."
                )
                % {"n": len(cells), "w": table.width},
            )
        if not row.kpm_id:
            row.fail("kpm_id", _("Wajib diisi: baris ini tidak dapat dimasukkan ke KPM mana pun."))
            orphans.extend(row.errors)
            continue
        groups.setdefault(row.kpm_id, []).append(row)
    return groups, orphans


def _duplicate_niks(table: Table) -> dict[str, list[int]]:
    """Each NIK written on more than one line, with those lines."""
    index = table.columns["nik"]
    lines: dict[str, list[int]] = {}
    for line, cells in table.rows:
        nik = cells[index].strip() if index < len(cells) else ""
        if nik:
            lines.setdefault(nik, []).append(line)
    return {nik: found for nik, found in lines.items() if len(found) > 1}


def _check_kpm(
    kpm_id: str,
    rows: list[Row],
    ctx: Context,
    duplicates: Mapping[str, list[int]],
    table: Table,
) -> KpmRecord | None:
    """The KPM record when every one of its rows is sound; None (errors on the rows) if not."""
    sound = [row for row in rows if not row.errors]
    if not sound:
        return None
    first = sound[0]
    values = _kpm_values(first, ctx)
    assessment = _assessment(first, ctx) if table.has_assessment else None
    status = first.choice(STATUS_COLUMN, STATUSES, SHOWN_STATUSES) if table.has_status else None
    columns = KPM_COLUMNS + (ASSESSMENT_COLUMNS if table.has_assessment else ())
    columns += (STATUS_COLUMN,) if table.has_status else ()
    for row in sound[1:]:
        _agree(row, first, columns)
    members = [_member(row, ctx, duplicates) for row in sound]
    _check_pengurus(sound)
    if any(row.errors for row in rows) or values is None:
        return None
    return KpmRecord(
        kpm_id=kpm_id,
        first_line=first.line,
        values=values,
        members=tuple(m for m in members if m is not None),
        assessment=assessment,
        status=status or KpmStatus.ACTIVE.value,
    )


def _kpm_values(row: Row, ctx: Context) -> tuple | None:
    """(no_kk, desa, alamat, desil, entry date) from the KPM's first row."""
    if len(row.kpm_id) > KPM_ID_MAX:
        row.fail("kpm_id", _("ID KPM paling panjang %(n)s huruf.") % {"n": KPM_ID_MAX})
    no_kk = row.cell("no_kk")
    problem = no_kk_problem(no_kk, known_kecamatan=ctx.known_kecamatan) if no_kk else None
    if problem or not no_kk:
        row.fail("no_kk", problem or _("Wajib diisi."))
    desa = _desa(row, ctx)
    alamat = row.text("alamat", max_length=255, required=False)
    desil = row.whole_number("desil", low=1, high=10, reason=DESIL_REASON)
    entry = row.day("tanggal_masuk_pkh", required=True, not_after=ctx.today)
    if row.errors:
        return None
    return (no_kk, desa, alamat, desil, entry)


def _desa(row: Row, ctx: Context) -> str | None:
    """The desa code, checked against the region list and the importer's kabupaten."""
    code = row.cell("kode_desa")
    if code not in ctx.known_desa:
        reason = _("Kode desa '%(code)s' tidak ada dalam daftar wilayah Kemendagri.")
        row.fail("kode_desa", reason % {"code": code} if code else _("Wajib diisi."))
        return None
    scope = ctx.region_scope
    if scope is not None and not code.startswith(f"{scope}."):
        row.fail(
            "kode_desa",
            _("Desa %(code)s di luar kabupaten/kota Anda (%(scope)s); KPM ini tidak diimpor.")
            % {"code": code, "scope": scope},
        )
        return None
    registered = ctx.kpm_region.get(row.kpm_id)
    if scope is not None and registered is not None and registered != scope:
        row.fail(
            "kpm_id",
            _(
                "KPM ini sudah terdaftar di kabupaten/kota lain (%(kab)s); hanya Dinsos di sana "
                "yang dapat mengubahnya."
            )
            % {"kab": registered},
        )
    return code


def _assessment(row: Row, ctx: Context) -> AssessmentRecord | None:
    """The optional economic assessment: all three cells, or none."""
    filled = [c for c in ASSESSMENT_COLUMNS if row.cell(c)]
    if not filled:
        return None
    if len(filled) < len(ASSESSMENT_COLUMNS):
        for column in (c for c in ASSESSMENT_COLUMNS if c not in filled):
            row.fail(
                column,
                _(
                    "Asesmen ekonomi harus lengkap: isi pendapatan_bulanan, penghasilan_tetap dan "
                    "tanggal_asesmen, atau kosongkan ketiganya."
                ),
            )
        return None
    income = row.whole_number(
        "pendapatan_bulanan",
        low=0,
        high=INCOME_MAX,
        reason=INCOME_REASON,
    )
    stable = row.flag("penghasilan_tetap")
    assessed_on = row.day("tanggal_asesmen", required=True, not_after=ctx.today)
    if income is None or stable is None or assessed_on is None:
        return None
    return AssessmentRecord(income=income, stable=stable, assessed_on=assessed_on)


def _agree(row: Row, first: Row, columns: tuple[str, ...]) -> None:
    """KPM columns repeat on every member row and must say the same thing each time."""
    same = itemgetter(*columns)  # sound rows have every column
    if same(row.values) == same(first.values):
        return
    for column in columns:
        mine, theirs = row.cell(column), first.cell(column)
        if mine == theirs or _same_date(mine, theirs):
            continue
        row.fail(
            column,
            _(
                "Berbeda dengan baris %(line)s ('%(value)s') untuk KPM yang sama; data KPM harus "
                "sama di setiap baris anggotanya."
            )
            % {"line": first.line, "value": theirs},
        )


def _same_date(a: str, b: str) -> bool:
    """2024-03-01 and 01/03/2024 say the same thing."""
    day = parse_date(a)
    return day is not None and day == parse_date(b)


def _check_pengurus(rows: list[Row]) -> None:
    """Exactly one member of the KPM receives the money."""
    lines = [row for row in rows if row.cell("pengurus") == "1"]
    if not lines:
        rows[0].fail(
            "pengurus",
            _("KPM ini tidak punya pengurus: tandai tepat satu anggota dengan pengurus = 1."),
        )
    for row in lines[1:]:
        row.fail(
            "pengurus",
            _("Pengurus lebih dari satu (baris %(lines)s); tandai tepat satu anggota.")
            % {"lines": ", ".join(str(r.line) for r in lines)},
        )


def _member(row: Row, ctx: Context, duplicates: Mapping[str, list[int]]) -> MemberRecord | None:
    """One anggota; None (with errors on the row) when any of its cells is wrong."""
    nama = row.text("nama", max_length=150)
    sex = row.choice("jenis_kelamin", SEXES, "L, P")
    born = row.day("tanggal_lahir", required=True, not_after=ctx.today)
    relation = row.choice("hubungan", RELATIONSHIPS, SHOWN_RELATIONSHIPS)
    pengurus = row.flag("pengurus")
    hamil = row.flag("hamil")
    due = row.day("perkiraan_lahir", required=False, not_after=None)
    school = row.choice("jenjang_sekolah", SCHOOL_LEVELS, SHOWN_SCHOOL_LEVELS)
    disabled = row.flag("disabilitas_berat")
    nik = _nik(row, ctx, duplicates, born=born, sex=sex)
    if hamil and sex == "L":
        row.fail("hamil", _("Hanya anggota perempuan (P) yang dapat ditandai hamil = 1."))
    if hamil and due is None and not row.cell("perkiraan_lahir"):
        row.fail("perkiraan_lahir", _("Anggota yang hamil wajib punya perkiraan lahir."))
    if row.errors or nik is None:
        return None
    values = (nama, sex, born, relation, pengurus, hamil, due, school, disabled)
    return MemberRecord(line=row.line, nik=nik, values=values)


def _nik(
    row: Row,
    ctx: Context,
    duplicates: Mapping[str, list[int]],
    *,
    born: date | None,
    sex: str | None,
) -> str | None:
    """The NIK when it is well-formed, matches the person and is this KPM's to use."""
    nik = row.cell("nik")
    problem = nik_problem(nik, known_kecamatan=ctx.known_kecamatan) if nik else _("Wajib diisi.")
    if problem is None and born is not None and sex is not None:
        problem = nik_mismatch(nik, birth_date=born, sex=sex)
    if problem is None and nik in duplicates:
        others = ", ".join(str(n) for n in duplicates[nik] if n != row.line)
        problem = _(
            "NIK ini juga tertulis di baris %(lines)s; satu orang hanya boleh tercatat sekali."
        ) % {"lines": others}
    if problem is None:
        problem = _owner_problem(row.kpm_id, ctx.nik_owner.get(nik), ctx.region_scope)
    if problem is not None:
        row.fail("nik", problem)
        return None
    return nik


def _owner_problem(kpm_id: str, owner: tuple[str, str] | None, scope: str | None) -> str | None:
    """A NIK already belonging to a member of another KPM cannot join this one."""
    if owner is None or owner[0] == kpm_id:
        return None
    if scope is not None and owner[1] != scope:
        return _("NIK ini sudah terdaftar sebagai anggota KPM lain di luar wilayah Anda.")
    return _("NIK ini sudah terdaftar sebagai anggota KPM %(other)s.") % {"other": owner[0]}
