"""The monthly report of a kabupaten for the head of its Dinas Sosial: the month's
graduations and exits, the year so far against the target, the state as of the last nightly
run, and the kecamatan and pendamping tables. Read from the summary tables only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from graduasi.dashboard.areas import Area
from graduasi.dashboard.selectors import (
    Dashboard,
    Month,
    dashboard_read,
    pendamping_rows,
    region_children,
)
from graduasi.dashboard.tables import (
    MONTH_NAMES,
    Table,
    pendamping_table,
    regions_table,
    tahap_table,
)
from graduasi.models import PipelineRun, RegionLevel, RegionMonth, RegionSummary
from pemberdayaan.models import ReferralStatus

MONTH_VALUE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")


class MonthError(ValueError):
    """A ?bulan= value that names no month; the message is shown to the user."""


def month_parse(value: str | None, *, default: date) -> date:
    """The first day of the month named by ?bulan=YYYY-MM, `default` when it is absent."""
    if not value:
        return default.replace(day=1)
    found = MONTH_VALUE.fullmatch(value.strip())
    if not found or not 1 <= int(found["month"]) <= 12 or int(found["year"]) < 2000:
        raise MonthError(
            _("Bulan “%(value)s” tidak dikenali. Pilih bulan dengan format TTTT-BB, mis. 2026-03.")
            % {"value": value[:20]}
        )
    return date(int(found["year"]), int(found["month"]), 1)


def month_label(month: date) -> str:
    """Maret 2026."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool


def cell_text(value: Any) -> str:
    """A figure as the report prints it: 1.234, 12,5, or a dash for no value."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, force_grouping=True)
    return str(value)


def printed_rows(table: Table) -> list[list[Cell]]:
    """The table's rows as the text each cell prints, numbers in the user's language."""
    numeric = [c.numeric for c in table.columns]
    return [
        [Cell(cell_text(v), n) for v, n in zip(row, numeric, strict=True)] for row in table.rows
    ]


@dataclass(frozen=True)
class Printed:
    table: Table
    rows: list[list[Cell]]


@dataclass(frozen=True)
class MonthlyReport:
    area: Area
    month: date  # its first day
    dash: Dashboard  # the state as of the last run (dash.run), its tahap and targets
    flows: Month  # graduations by type and exits recorded in the month
    year_to_date: Month  # the same, from January through the month
    target: int | None  # the month's year's target
    snapshot: RegionMonth | None  # the month's own state, kept by the last run within it
    tahaps: Printed
    kecamatan: Printed
    pendamping: Printed  # every pendamping of the kabupaten: the report prints them all
    pendamping_ids: list[int]

    @property
    def progress_pct(self) -> float | None:
        if not self.target:
            return None
        return round(100 * self.year_to_date.graduated / self.target, 1)

    @property
    def referrals(self) -> list[tuple[str, int]]:
        """(status label, count) in the order a referral moves."""
        n = self.dash.numbers
        return [(str(ReferralStatus(s).label), count) for s, count in n.referrals] if n else []

    @property
    def past_month(self) -> bool:
        """The month ended before the run the state figures come from."""
        run = self.dash.run
        return run is not None and (self.month.year, self.month.month) < (
            run.as_of.year,
            run.as_of.month,
        )


def _region_q(area: Area) -> Q:
    return Q(level=area.level, region_code=area.code, pendamping__isnull=True)


def _sum(rows: list[RegionMonth], month: int) -> Month:
    """Graduations by type and exits of the months up to and including `month`."""
    upto = [r for r in rows if r.month <= month]
    return Month(
        month=month,
        alamiah=sum(r.graduated_alamiah for r in upto),
        sejahtera=sum(r.graduated_sejahtera for r in upto),
        mandiri=sum(r.graduated_mandiri for r in upto),
        exits=sum(r.exits for r in upto),
    )


def _year_target(area: Area, dash: Dashboard, year: int) -> int | None:
    if year == dash.year:
        return dash.numbers.target if dash.numbers else None
    row = RegionSummary.objects.filter(_region_q(area), year=year).only("target").first()
    return row.target if row else None


def report_has_data(area: Area, month: date) -> bool:
    """Whether the nightly roll-up counted the kabupaten in the month's year."""
    return RegionMonth.objects.filter(_region_q(area), year=month.year).exists()


def report_read(area: Area, *, month: date) -> MonthlyReport:
    """Everything the monthly report of a kabupaten prints; a fixed number of queries."""
    dash = dashboard_read(area)
    rows = list(RegionMonth.objects.filter(_region_q(area), year=month.year))
    own = next((r for r in rows if r.month == month.month), None)
    people = pendamping_rows(area, year=dash.year)
    children = region_children(area, year=dash.year)
    return MonthlyReport(
        area=area,
        month=month,
        dash=dash,
        flows=_sum([own] if own else [], month.month),
        year_to_date=_sum(rows, month.month),
        target=_year_target(area, dash, month.year),
        snapshot=own if own and own.snapshot_on else None,
        tahaps=_printed(tahap_table(dash)),
        kecamatan=_printed(
            regions_table(children, level_label=RegionLevel.KECAMATAN.label), drop_empty=True
        ),
        pendamping=_printed(pendamping_table(people)),
        pendamping_ids=list(people.values_list("pendamping_id", flat=True)),
    )


def _printed(table: Table, *, drop_empty: bool = False) -> Printed:
    """The table with its rows read once, as the text each cell prints; with `drop_empty`,
    without the columns that hold no value in any row (a kecamatan has no target)."""
    rows = [list(row) for row in table.rows]
    keep = list(range(len(table.columns)))
    if drop_empty and rows:
        keep = [i for i in keep if any(row[i] is not None for row in rows)]
    kept = Table(
        key=table.key,
        title=table.title,
        columns=tuple(table.columns[i] for i in keep),
        rows=[[row[i] for i in keep] for row in rows],
        personal=table.personal,
    )
    return Printed(table=kept, rows=printed_rows(kept))


def latest_month(run: PipelineRun | None, today: date) -> date:
    """The month the report opens on: the last run's, or the current one before any run."""
    return (run.as_of if run else today).replace(day=1)
