"""Import files for tests: the shipped sample, and variations of it built row by row."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "kpm" / "importing" / "sample.csv"
TODAY = date(2026, 11, 24)


def sample_rows() -> list[dict[str, str]]:
    """The sample's rows as dicts, in file order (line n+2 is rows[n])."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def to_csv(rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    """A file with the columns of the first row, in that order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


def rows_of(rows: list[dict[str, str]], kpm_id: str) -> list[dict[str, str]]:
    return [r for r in rows if r["kpm_id"] == kpm_id]
