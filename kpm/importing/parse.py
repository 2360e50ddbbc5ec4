"""Read an import file into rows: encoding, delimiter, header and line numbers (DESIGN §7)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from kpm.importing.records import ImportFileError

REQUIRED_COLUMNS = (
    "kpm_id",
    "no_kk",
    "kode_desa",
    "alamat",
    "desil",
    "tanggal_masuk_pkh",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan",
    "pengurus",
    "hamil",
    "perkiraan_lahir",
    "jenjang_sekolah",
    "disabilitas_berat",
)
# The economic assessment is optional, but its three columns come together or not at all.
ASSESSMENT_COLUMNS = ("pendapatan_bulanan", "penghasilan_tetap", "tanggal_asesmen")
# Optional: `aktif` (blank or absent) or `menunggu` (the DTSEN waiting list) for a new KPM.
STATUS_COLUMN = "status"

Source = bytes | str | Path | BinaryIO


@dataclass(frozen=True)
class Table:
    """The data rows of a file: (line number, cells), with each known column's position."""

    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    width: int

    @property
    def has_assessment(self) -> bool:
        return ASSESSMENT_COLUMNS[0] in self.columns

    @property
    def has_status(self) -> bool:
        return STATUS_COLUMN in self.columns


def read_bytes(source: Source) -> bytes:
    """The raw bytes of a path, an open binary file or bytes."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise ImportFileError(
                _("Berkas %(name)s tidak dapat dibaca: %(why)s")
                % {"name": source, "why": exc.strerror or exc}
            ) from exc
    return source.read()


def read_table(source: Source) -> Table:
    """Parse the whole file, or raise ImportFileError saying what is wrong with it."""
    text = _decode(read_bytes(source))
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise ImportFileError(_("Berkas kosong: baris pertama harus berisi nama kolom."))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    columns = _columns(header)
    rows = _data_rows(reader)
    if not rows:
        raise ImportFileError(_("Berkas hanya berisi nama kolom, tanpa baris data."))
    return Table(columns=columns, rows=rows, delimiter=delimiter, width=len(header))


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(_("Berkas kosong."))
    if b"\x00" in data[:65536]:
        raise ImportFileError(_("Ini bukan berkas CSV (teks). Simpan data sebagai CSV UTF-8."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "Berkas bukan teks UTF-8 (huruf tidak terbaca di baris %(line)s). "
                "Simpan ulang sebagai 'CSV UTF-8'."
            )
            % {"line": line}
        ) from exc


def _columns(header: list[str]) -> dict[str, int]:
    """Position of each column by its lower-case name; unknown columns are kept but unused."""
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        raise ImportFileError(
            _("Kolom berikut muncul lebih dari sekali: %(cols)s.") % {"cols": ", ".join(duplicated)}
        )
    present = set(names)
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if any(c in present for c in ASSESSMENT_COLUMNS):
        missing += [c for c in ASSESSMENT_COLUMNS if c not in present]
    if missing:
        raise ImportFileError(
            _("Kolom wajib tidak ada: %(cols)s. Periksa baris judul (baris 1).")
            % {"cols": ", ".join(missing)}
        )
    return {name: i for i, name in enumerate(names) if name}


def _data_rows(reader: Any) -> list[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on (a quoted cell may span lines)."""
    rows: list[tuple[int, list[str]]] = []
    previous_end = reader.line_num
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(c.strip() for c in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        raise ImportFileError(
            _("Berkas CSV rusak di baris %(line)s: %(why)s") % {"line": reader.line_num, "why": exc}
        ) from exc
    return rows
