"""KPM import: a generated valid file of --rows member rows (about 4 per KPM), imported, then
imported again (must change nothing). Baseline: the plain way, each KPM and member saved with
the ORM one by one with its audit row, on a 5,000-row file, measured in the same run."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta

from bench.common import Measurement, timer

COLUMNS = [
    "kpm_id", "no_kk", "kode_desa", "alamat", "desil", "tanggal_masuk_pkh", "nik", "nama",
    "jenis_kelamin", "tanggal_lahir", "hubungan", "pengurus", "hamil", "perkiraan_lahir",
    "jenjang_sekolah", "disabilitas_berat", "pendapatan_bulanan", "penghasilan_tetap",
    "tanggal_asesmen",
]  # fmt: skip
BASELINE_ROWS = 5_000


class _Serials:
    """NIK serials that never repeat within a kecamatan (a NIK is one person)."""

    def __init__(self) -> None:
        self.next: dict[str, int] = defaultdict(int)

    def nik(self, prefix: str, born: date, sex: str) -> str:
        self.next[prefix] += 1
        day = born.day + (40 if sex == "P" else 0)
        return f"{prefix}{day:02d}{born:%m%y}{self.next[prefix]:04d}"


def _members(i: int, prefix: str, serials: _Serials) -> list[list[str]]:
    """Kepala, istri (pengurus) and children: 3 to 5 people, sometimes a pregnancy."""
    father = date(1970, 1, 1) + timedelta(days=(i * 37) % 7000)
    mother = father + timedelta(days=700)
    people = [  # the pengurus first, so a KPM cut short at the end of the file still has one
        ("Ibu", "P", mother, "istri", "1", "1" if i % 9 == 0 else "0", "", ""),
        ("Bapak", "L", father, "kepala", "0", "0", "", ""),
    ]
    for child in range(1 + i % 3):
        born = date(2008, 1, 1) + timedelta(days=(i * 13 + child * 900) % 5400)
        school = ("SMA", "SMP", "SD", "PAUD", "")[min(4, (born.year - 2008) // 3)]
        people.append((f"Anak {child + 1}", "L" if child % 2 else "P", born, "anak", "0", "0",
                       "", school))  # fmt: skip
    return [
        [serials.nik(prefix, born, sex), f"{name} {i}", sex, born.isoformat(), relation, pengurus,
         hamil, "2027-03-01" if hamil == "1" else "", school, "0"]
        for name, sex, born, relation, pengurus, hamil, _due, school in people
    ]  # fmt: skip


def generate(rows: int, desa_codes: list[str], *, id_prefix: str) -> bytes:
    """A valid import file of about `rows` member rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    serials, written, i = _Serials(), 0, 0
    while written < rows:
        desa = desa_codes[i % len(desa_codes)]
        prefix = desa[:8].replace(".", "")
        kpm = [f"{id_prefix}{i:07d}", f"{prefix}0101{i % 100:02d}{i % 10_000:04d}", desa,
               f"Jl. Contoh {i}", str(1 + i % 4), "2019-07-01"]  # fmt: skip
        assessment = ["2100000", "1", "2026-06-30"] if i % 3 == 0 else ["", "", ""]
        for member in _members(i, prefix, serials)[: rows - written]:
            writer.writerow(kpm + member + assessment)
            written += 1
        i += 1
    return out.getvalue().encode()


def _desa_codes(province: str, limit: int) -> list[str]:
    """One desa in each of `limit` kecamatan of a province."""
    from wilayah.models import Desa

    codes = Desa.objects.filter(code__startswith=f"{province}.").order_by("kecamatan_id", "code")
    first: dict[str, str] = {}
    for code, kecamatan in codes.values_list("code", "kecamatan_id"):
        first.setdefault(kecamatan, code)
    return list(first.values())[:limit]


def _save_kpm(kpm_id: str, first: dict[str, str]):
    """One KPM saved the plain way, with its audit row and first desil."""
    from audit.models import AuditAction
    from audit.services import audit_record, field_values
    from kpm.models import DesilHistory, Kpm

    kpm = Kpm(kpm_id=kpm_id, no_kk=first["no_kk"], alamat=first["alamat"],
              desil=int(first["desil"]), pkh_entry_date=first["tanggal_masuk_pkh"])  # fmt: skip
    kpm.set_region_from_desa_code(first["kode_desa"])
    kpm.save()
    changes = {k: [None, v] for k, v in field_values(kpm).items()}
    audit_record(actor=None, action=AuditAction.CREATE, obj=kpm, changes=changes)
    desil = int(first["desil"])
    DesilHistory.objects.create(kpm=kpm, desil=desil, recorded_on=date.today(), source="import")
    return kpm


def _save_member(kpm, row: dict[str, str]) -> None:
    """One anggota saved the plain way, with its audit row."""
    from audit.models import AuditAction
    from audit.services import audit_record, field_values
    from kpm.models import Anggota

    member = Anggota.objects.create(
        kpm=kpm, nik=row["nik"], nama=row["nama"], jenis_kelamin=row["jenis_kelamin"],
        tanggal_lahir=row["tanggal_lahir"], hubungan=row["hubungan"],
        is_pengurus=row["pengurus"] == "1", hamil=row["hamil"] == "1",
        perkiraan_lahir=row["perkiraan_lahir"] or None, jenjang_sekolah=row["jenjang_sekolah"],
    )  # fmt: skip
    changes = {k: [None, v] for k, v in field_values(member).items()}
    audit_record(actor=None, action=AuditAction.CREATE, obj=member, changes=changes)


def baseline(data: bytes) -> int:
    """The plain way: DictReader, the NIK rule, each KPM in its own transaction, ORM saves."""
    from django.db import transaction

    from kpm.rules import nik_problem
    from kpm.validators import kecamatan_prefixes

    known = kecamatan_prefixes()
    by_kpm: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(data.decode())):
        by_kpm[row["kpm_id"]].append(row)
    for kpm_id, rows in by_kpm.items():
        with transaction.atomic():
            kpm = _save_kpm(kpm_id, rows[0])
            for row in rows:
                assert nik_problem(row["nik"], known_kecamatan=known) is None
                _save_member(kpm, row)
    return sum(len(rows) for rows in by_kpm.values())


def run(options) -> list[Measurement]:
    from kpm.importing import import_kpm_file
    from wilayah.services import wilayah_load

    wilayah_load()
    rows = options.rows
    data = generate(rows, _desa_codes("35", 600), id_prefix="JTM")
    with timer() as first:
        report = import_kpm_file(data)
    assert report.errors == [], report.errors[:5]
    with timer() as second:
        again = import_kpm_file(data)
    base_data = generate(BASELINE_ROWS, _desa_codes("33", 600), id_prefix="JTG")
    with timer() as base:
        base_rows = baseline(base_data)
    base_rate = base_rows / base[0]
    written = again.kpm_created + again.kpm_updated + again.anggota_created + again.anggota_updated
    return [
        Measurement(
            name=f"import_kpm_file, {rows:,} rows ({report.kpm_created:,} KPM), first run",
            value=rows / first[0], unit="rows/s", baseline=base_rate,
            baseline_label=f"ORM save per object, {base_rows:,} rows", target=">= 5,000 rows/s",
            note=f"{first[0]:.1f} s; {report.anggota_created:,} anggota, "
                 f"{report.assessments_created:,} assessments, audit rows included",
        ),
        Measurement(
            name="import_kpm_file, same file again",
            value=rows / second[0], unit="rows/s", target="changes nothing",
            note=f"{second[0]:.1f} s; {written} rows written",
        ),
    ]  # fmt: skip
