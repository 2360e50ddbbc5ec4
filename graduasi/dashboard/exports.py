"""The dashboard tables as files: CSV streamed row by row, XLSX written row by row into a
temporary file (XlsxWriter's constant memory mode), so the national pendamping table of
tens of thousands of rows never sits in memory."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import Http404

from graduasi.dashboard.areas import Area
from graduasi.dashboard.selectors import (
    NAME_MODELS,
    dashboard_read,
    latest_run,
    pendamping_rows,
    region_children,
    shown_year,
)
from graduasi.dashboard.tables import (
    Table,
    months_table,
    pendamping_table,
    progress_table,
    regions_table,
    summary_table,
    tahap_table,
)
from graduasi.models import RegionLevel, RegionSummary

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
ROWS_PER_CHUNK = 500
# A text cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 50


@dataclass(frozen=True)
class Export:
    """A table ready to write, the day its figures are as of, and for a table naming people
    the queryset its rows come from (to log whose data left the system)."""

    table: Table
    as_of: date | None
    people: QuerySet[RegionSummary] | None = None


def _run_year() -> tuple[int, date | None]:
    """The year the dashboards show and the day of the run they come from (None: no run)."""
    run = latest_run()
    return shown_year(run), run.as_of if run else None


def _regions_export(area: Area, params: Mapping[str, str]) -> Export:
    if area.child_level not in NAME_MODELS:
        raise Http404  # a kecamatan's or a pendamping's dashboard has no region table
    year, as_of = _run_year()
    children = region_children(area, year=year, sort=params.get("urut"))
    label = RegionLevel(area.child_level).label
    return Export(regions_table(children, level_label=label), as_of)


def _pendamping_export(area: Area, params: Mapping[str, str]) -> Export:
    year, as_of = _run_year()
    behind_only = params.get("tertinggal") == "1"
    rows = pendamping_rows(area, year=year, sort=params.get("urut"), behind_only=behind_only)
    return Export(pendamping_table(rows), as_of, people=rows)


DASHBOARD_TABLES = {
    "ringkasan": summary_table,
    "bulanan": months_table,
    "sebaran": progress_table,
    "tahap": tahap_table,
}


def export_build(area: Area, key: str, params: Mapping[str, str]) -> Export:
    """The table `key` of the area's dashboard as the page shows it (with the page's ?urut=
    and ?tertinggal=1); 404 for a table the area's dashboard does not show."""
    if key == "wilayah":
        return _regions_export(area, params)
    if key == "pendamping":
        return _pendamping_export(area, params)
    if key not in DASHBOARD_TABLES:
        raise Http404
    dash = dashboard_read(area)
    return Export(DASHBOARD_TABLES[key](dash), dash.run.as_of if dash.run else None)


def export_filename(export: Export, area: Area, fmt: str, *, today: date) -> str:
    """pkh-<table>-<area>-<YYYY-MM-DD>.<fmt>, dated by the run the figures come from."""
    day = export.as_of or today
    return f"pkh-{export.table.key}-{area.slug}-{day.isoformat()}.{fmt}"


def _csv_cell(value: Any, numeric: bool) -> str:
    """A plain number (no thousands separator), empty for None, text made safe to open."""
    if value is None:
        return ""
    text = str(value)
    if not numeric and text.startswith(FORMULA_START):
        return "'" + text
    return text


class _Line:
    """A file-like object csv.writer writes into and that hands each line back."""

    def write(self, value: str) -> str:
        return value


def csv_stream(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM and a header row of the column labels, in chunks."""
    writer = csv.writer(_Line())
    numeric = [c.numeric for c in table.columns]
    yield (BOM + writer.writerow([str(c.label) for c in table.columns])).encode()
    chunk: list[str] = []
    for row in table.rows:
        chunk.append(writer.writerow([_csv_cell(v, n) for v, n in zip(row, numeric, strict=True)]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def xlsx_file(table: Table, *, title: str) -> IO[bytes]:
    """The table as an XLSX workbook in a temporary file, rewound; the file disappears when
    closed (FileResponse closes it once sent)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - it outlives this function, in the response
    try:
        _xlsx_write(out, table, title=title)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _xlsx_write(out: IO[bytes], table: Table, *, title: str) -> None:
    """A title row, a bold header row, then the rows; columns as wide as their text."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet(str(table.title)[:31])
    formats = (book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "0.0"}))
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 13}))
    bold = book.add_format({"bold": True})
    for col, column in enumerate(table.columns):
        sheet.write_string(1, col, str(column.label), bold)
    widths = [len(str(c.label)) for c in table.columns]
    last = _write_rows(sheet, table.rows, formats, widths, first=2)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(last, 1), len(table.columns) - 1)
    book.close()


def _write_rows(
    sheet: Any,
    rows: Iterable[list[Any]],
    formats: tuple[Any, Any],
    widths: list[int],
    *,
    first: int,
) -> int:
    """Write the rows from row `first` on, widening `widths` to fit; the last row's index."""
    row_index = first - 1
    for row_index, row in enumerate(rows, start=first):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row_index, col, value, formats[isinstance(value, float)])
                text = f"{value:,}"
            else:
                text = str(value)
                sheet.write_string(row_index, col, text)
            widths[col] = max(widths[col], len(text))
    return row_index
