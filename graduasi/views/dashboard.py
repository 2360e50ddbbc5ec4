"""Dashboard pages for Dinsos and the ministry: one page per area (the nation, a provinsi, a
kabupaten, a kecamatan, one pendamping's caseload) that follows the user's scope, read from
the nightly summary tables only, and the record of each nightly run. Every chart's numbers
are on the page as a table, so it reads without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from graduasi.dashboard.areas import Area, area_for_pendamping, area_for_region, area_root
from graduasi.dashboard.selectors import (
    Dashboard,
    Numbers,
    dashboard_read,
    pendamping_rows,
    region_children,
    sort_key,
)
from graduasi.dashboard.tables import (
    PENDAMPING_COLUMNS,
    TABLE_KEYS,
    Column,
    Table,
    months_table,
    progress_table,
    regions_table,
    tahap_table,
)
from graduasi.models import PipelineRun, RegionLevel, RegionSummary
from kpm.views.caseload import role_required
from pemberdayaan.models import ReferralStatus
from pengguna.models import Role, User
from pengguna.scoping import DASHBOARD_ROLES
from pengguna.templatetags.humanize_id import angka, rupiah

PER_PAGE = 50
DASHBOARD_VIEW_ROLES = (Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)
MONEY_KEYS = frozenset({"yearly_benefit", "amount"})
REGION_LEVELS = (RegionLevel.NATION, RegionLevel.PROVINSI, RegionLevel.KABUPATEN)
# Each table sorts by its own parameter, so sorting one keeps the other's order.
REGION_SORT, PENDAMPING_SORT = "urut", "urut_pendamping"
# Table columns and the ?urut= key that sorts them (selectors.SORT_KEYS); others do not sort.
COLUMN_SORT = {
    "name": "nama",
    "active_kpm": "aktif",
    "approved": "graduasi",
    "progress_pct": "capaian",
    "on_track_pct": "sesuai",
    "on_track": "sesuai",
    "candidates": "calon",
    "awaiting": "menunggu",
    "at_risk": "berisiko",
    "p2k2_coverage_pct": "p2k2",
    "visited_pct": "kunjungan",
}


@dataclass(frozen=True)
class Header:
    label: str
    numeric: bool
    url: str = ""  # empty: the column does not sort
    aria_sort: str = ""  # "ascending" / "descending" on the column the table is sorted by


@dataclass(frozen=True)
class Cell:
    label: str  # the column's name, shown before the value on a phone
    text: str
    numeric: bool
    tag: str = ""  # a CSS class: the value is shown as a badge


@dataclass(frozen=True)
class Row:
    name: str
    url: str
    cells: list[Cell]


def display(key: str, value: Any) -> str:
    """A value the Indonesian way: 1.234, 12,5, Rp1.234.000; a dash when there is none."""
    if value is None:
        return "–"
    if key in MONEY_KEYS:
        return rupiah(value)
    if isinstance(value, float):
        return number_format(value, 1)
    if isinstance(value, int):
        return angka(value)
    return str(value)


def money_short(value: int | None) -> str:
    """A large rupiah amount for a tile: Rp12,2 miliar; the exact amount sits beside it."""
    if value is None:
        return "–"
    for size, unit in ((10**12, _("triliun")), (10**9, _("miliar")), (10**6, _("juta"))):
        if value >= size:
            return f"Rp{number_format(round(value / size, 1), 1)} {unit}"
    return rupiah(value)


def _seconds(value: float | None) -> str:
    return "–" if value is None else number_format(value, 2)


# Sorting -----------------------------------------------------------------------------------


def _sort_url(params: QueryDict, value: str, anchor: str, param: str) -> str:
    query = params.copy()
    if param == PENDAMPING_SORT:
        query.pop("halaman", None)
    query[param] = value
    return f"?{query.urlencode()}#{anchor}"


def _headers(
    columns: tuple[Column, ...], params: QueryDict, *, default: str, anchor: str, param: str
) -> list[Header]:
    """Column headers; a sortable one links to the page sorted by it (again: reversed)."""
    current, descending = sort_key(params.get(param), default=default)
    headers = []
    for column in columns:
        key = COLUMN_SORT.get(column.key)
        if key is None:
            headers.append(Header(label=str(column.label), numeric=column.numeric))
            continue
        active = key == current
        next_value = f"-{key}" if active and not descending else key
        headers.append(
            Header(
                label=str(column.label),
                numeric=column.numeric,
                url=_sort_url(params, next_value, anchor, param),
                aria_sort=("descending" if descending else "ascending") if active else "",
            )
        )
    return headers


# Tables ------------------------------------------------------------------------------------


def _cells(columns: tuple[Column, ...], values: list[Any]) -> list[Cell]:
    return [
        Cell(label=str(c.label), text=display(c.key, v), numeric=c.numeric)
        for c, v in zip(columns, values, strict=True)
    ]


def _chart_table(table: Table) -> dict[str, Any]:
    """A chart's numbers as a table for the page."""
    return {
        "key": table.key,
        "title": str(table.title),
        "headers": [Header(label=str(c.label), numeric=c.numeric) for c in table.columns],
        "rows": [_cells(table.columns, list(row)) for row in table.rows],
    }


def _chart_data(table: Table, series: tuple[str, ...], *, stacked: bool) -> dict[str, Any]:
    """What dashboard.js draws: the first column as labels, the `series` columns as bars."""
    rows = [list(row) for row in table.rows]
    index = {c.key: i for i, c in enumerate(table.columns)}
    return {
        "labels": [row[0] for row in rows],
        "stacked": stacked,
        "x_title": str(table.columns[0].label),
        "money": any(key in MONEY_KEYS for key in series),
        "datasets": [
            {
                "label": str(table.columns[index[key]].label),
                "data": [row[index[key]] for row in rows],
            }
            for key in series
        ],
    }


def _charts(dash: Dashboard, downloads: dict[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """The stacked graduations per month, the progress histogram (areas with pendamping
    counted) and the benefit per tahap, each with its table."""
    months, progress, tahap = months_table(dash), progress_table(dash), tahap_table(dash)
    charts: list[tuple[Table, tuple[str, ...], bool]] = [
        (months, ("alamiah", "sejahtera", "mandiri"), True)
    ]
    if dash.histogram:
        charts.append((progress, ("pendamping",), False))
    charts.append((tahap, ("amount",), False))
    return [
        {
            **_chart_table(table),
            "json_id": f"data-{table.key}",
            "data": _chart_data(table, series, stacked=stacked),
            "links": downloads[table.key],
        }
        for table, series, stacked in charts
    ]


def _region_table(area: Area, dash: Dashboard, params: QueryDict) -> dict[str, Any] | None:
    """The regions one level down, each linking to its own dashboard."""
    if area.level not in REGION_LEVELS or area.child_level is None:
        return None
    children = region_children(area, year=dash.year, sort=params.get(REGION_SORT))
    level_label = RegionLevel(area.child_level).label
    table = regions_table(children, level_label=level_label)
    columns = table.columns[1:]  # the code sits in the link, not in a column of its own
    rows = [
        Row(name=child.name, url=child.url, cells=_cells(columns[1:], values[2:]))
        for child, values in zip(children, table.rows, strict=True)
    ]
    return {
        "level_label": level_label,
        "headers": _headers(columns, params, default="nama", anchor="wilayah", param=REGION_SORT),
        "rows": rows,
    }


def _pendamping_cells(row: RegionSummary) -> list[Cell]:
    numbers = Numbers(row)
    cells = []
    for column in PENDAMPING_COLUMNS:
        if column.key == "on_track":
            on_track = bool(row.pendamping_on_track)
            text = _("Sesuai jadwal") if on_track else _("Belum sesuai jadwal")
            tag = "tag tag-good" if on_track else "tag tag-bad"
            if not row.pendamping_count:  # deactivated, with families still assigned
                text, tag = _("Tidak aktif"), "tag"
            cells.append(Cell(label=str(column.label), text=text, numeric=False, tag=tag))
        else:
            value = getattr(numbers, column.key)
            cells.append(Cell(str(column.label), display(column.key, value), column.numeric))
    return cells


def _page_url(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["halaman"] = str(number)
    return f"?{query.urlencode()}#pendamping"


def _pendamping_table(area: Area, dash: Dashboard, params: QueryDict) -> dict[str, Any] | None:
    """The pendamping in the area, behind schedule first: a list to act on, 50 a page."""
    if area.level == RegionLevel.PENDAMPING:
        return None
    behind_only = params.get("tertinggal") == "1"
    sort = params.get(PENDAMPING_SORT)
    rows = pendamping_rows(area, year=dash.year, sort=sort, behind_only=behind_only)
    page: Page[RegionSummary] = Paginator(rows, PER_PAGE).get_page(params.get("halaman"))
    filter_query = params.copy()
    filter_query.pop("halaman", None)
    if behind_only:
        filter_query.pop("tertinggal", None)
    else:
        filter_query["tertinggal"] = "1"
    name_column = Column("name", _("Pendamping"), numeric=False)
    return {
        "headers": _headers(
            (name_column, *PENDAMPING_COLUMNS),
            params,
            default="sesuai",
            anchor="pendamping",
            param=PENDAMPING_SORT,
        ),
        "rows": [
            Row(name=str(r.pendamping), url=_pendamping_url(r), cells=_pendamping_cells(r))
            for r in page.object_list
        ],
        "page": page,
        "behind_only": behind_only,
        "filter_url": f"?{filter_query.urlencode()}#pendamping",
        "prev_url": _page_url(params, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(params, page.number + 1) if page.has_next() else "",
    }


def _pendamping_url(row: RegionSummary) -> str:
    return reverse("dasbor:pendamping", args=[row.pendamping_id])


def _downloads(area: Area, params: QueryDict) -> dict[str, list[tuple[str, str]]]:
    """CSV and XLSX links per table; the region and pendamping tables as sorted and filtered
    (the export takes each table's order as ?urut=)."""
    listed = {key: QueryDict(mutable=True) for key in ("wilayah", "pendamping")}
    if value := params.get(REGION_SORT):
        listed["wilayah"]["urut"] = value
    if value := params.get(PENDAMPING_SORT):
        listed["pendamping"]["urut"] = value
    if value := params.get("tertinggal"):
        listed["pendamping"]["tertinggal"] = value
    links = {}
    for key in TABLE_KEYS:
        extra = listed[key].urlencode() if key in listed else ""
        query = "&".join(q for q in (area.query, extra) if q)
        links[key] = [
            (label, reverse("dasbor:export", kwargs={"table": key, "fmt": fmt}) + f"?{query}")
            for label, fmt in ((_("Unduh CSV"), "csv"), (_("Unduh XLSX"), "xlsx"))
        ]
    return links


# Views -------------------------------------------------------------------------------------


def _contents(
    area: Area, dash: Dashboard, numbers: Numbers, params: QueryDict, downloads: dict[str, Any]
) -> dict[str, Any]:
    """Tiles, charts and tables of an area the last run counted."""
    return {
        "n": numbers,
        "benefit_short": money_short(numbers.yearly_benefit),
        "referrals": [(ReferralStatus(s).label, count) for s, count in numbers.referrals],
        "charts": _charts(dash, downloads),
        "regions": _region_table(area, dash, params),
        "pendamping": _pendamping_table(area, dash, params),
    }


def _dashboard(request: HttpRequest, area: Area) -> HttpResponse:
    dash = dashboard_read(area)
    downloads = _downloads(area, request.GET)
    context = {
        "area": area,
        "dash": dash,
        "level_label": RegionLevel(area.level).label,
        "downloads": downloads,
        "report_url": (
            reverse("dasbor:report", args=[area.code])
            if area.level == RegionLevel.KABUPATEN
            else ""
        ),
    }
    if dash.numbers is not None:
        context |= _contents(area, dash, dash.numbers, request.GET, downloads)
    return render(request, "graduasi/dashboard.html", context)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@role_required(*DASHBOARD_VIEW_ROLES)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Dasbor: the user's own area, their kabupaten, their province or the nation."""
    return redirect(area_root(_user(request)).url)


@role_required(*DASHBOARD_VIEW_ROLES)
@require_GET
def nation(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, area_for_region(_user(request), ""))


@role_required(*DASHBOARD_VIEW_ROLES)
@require_GET
def region(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, area_for_region(_user(request), code))


@role_required(*DASHBOARD_VIEW_ROLES)
@require_GET
def pendamping(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, area_for_pendamping(_user(request), pk))


@login_required
@require_GET
def run_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The record of one nightly run: when, how, how long each stage took, what it counted."""
    if _user(request).role not in DASHBOARD_ROLES:
        raise Http404
    run = get_object_or_404(PipelineRun, pk=pk)
    stages = [
        (_("Asesmen"), run.assess_seconds),
        (_("Target"), run.target_seconds),
        (_("Rekap wilayah"), run.rollup_seconds),
        (_("Risiko kembali miskin"), run.risk_seconds),
    ]
    counts = [
        (_("KPM diases"), run.assessed),
        (_("Asesmen berubah"), run.changed),
        (_("KPM gagal diases"), run.failed),
        (_("Capaian target berubah"), run.targets_changed),
        (_("Rekap wilayah berubah"), run.summaries_changed),
        (_("Tanda risiko berubah"), run.risks_changed),
    ]
    context = {
        "run": run,
        "stages": [(name, _seconds(s)) for name, s in stages],
        "counts": [(name, display("", c)) for name, c in counts],
        "duration": _seconds(run.duration_seconds),
    }
    return render(request, "graduasi/dashboard_run.html", context)
