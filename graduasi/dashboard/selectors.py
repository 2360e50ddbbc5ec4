"""What a dashboard shows, read from the nightly summary tables only: the area's numbers,
its months and tahap, the regions one level down and the pendamping in the area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from graduasi.dashboard.areas import Area, area_url
from graduasi.models import PipelineRun, RegionLevel, RegionMonth, RegionSummary, RunStatus
from wilayah.models import Kabupaten, Kecamatan, Provinsi


def _pct(part: int | None, whole: int | None) -> float | None:
    """part / whole in percent, one decimal; None when there is no whole."""
    if not whole or part is None:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class Numbers:
    """One area's row of the summary table with the shares derived from it."""

    row: RegionSummary

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)

    @property
    def progress_pct(self) -> float | None:
        """Graduations approved this year against the target."""
        return _pct(self.row.approved, self.row.target)

    @property
    def on_track_pct(self) -> float | None:
        return _pct(self.row.pendamping_on_track, self.row.pendamping_count)

    @property
    def p2k2_coverage_pct(self) -> float | None:
        """Active KPM who attended a P2K2 meeting in the last 90 days."""
        return _pct(self.row.p2k2_attended, self.row.active_kpm)

    @property
    def p2k2_member_pct(self) -> float | None:
        return _pct(self.row.p2k2_members, self.row.active_kpm)

    @property
    def visited_pct(self) -> float | None:
        """Active KPM visited in the last 30 days."""
        return _pct(self.row.kpm_visited_30d, self.row.active_kpm)

    @property
    def returned(self) -> int:
        """Proposals returned to the pendamping for revision."""
        return self.row.pending - self.row.awaiting

    @property
    def referrals_total(self) -> int:
        return sum(count for _, count in self.referrals)

    @property
    def referrals(self) -> list[tuple[str, int]]:
        """(status, count) in the order a referral moves."""
        from pemberdayaan.models import ReferralStatus

        return [(s.value, getattr(self.row, f"referrals_{s.value}")) for s in ReferralStatus]


@dataclass(frozen=True)
class Month:
    month: int
    alamiah: int
    sejahtera: int
    mandiri: int
    exits: int

    @property
    def graduated(self) -> int:
        return self.alamiah + self.sejahtera + self.mandiri


@dataclass(frozen=True)
class Tahap:
    """The benefit committed in one tahap: from the last run within it, None before any."""

    tahap: int
    amount: int | None
    active_kpm: int | None
    recorded_on: Any
    current: bool


@dataclass(frozen=True)
class Child:
    """One row of the region table: a region one level down, linking to its dashboard."""

    code: str
    name: str
    url: str
    numbers: Numbers


@dataclass(frozen=True)
class Dashboard:
    area: Area
    year: int
    run: PipelineRun | None
    numbers: Numbers | None  # None: no nightly run has counted this area yet
    months: list[Month]
    tahaps: list[Tahap]
    histogram: list[int] | None

    @property
    def graduated_by_type(self) -> dict[str, int]:
        return {
            "alamiah": sum(m.alamiah for m in self.months),
            "sejahtera": sum(m.sejahtera for m in self.months),
            "mandiri": sum(m.mandiri for m in self.months),
        }


def latest_run() -> PipelineRun | None:
    """The last nightly run that finished: the "as of" of every dashboard."""
    return PipelineRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at").first()


def shown_year(run: PipelineRun | None) -> int:
    """The year the dashboards show: the one the last run counted, this year before any."""
    return run.as_of.year if run else timezone.localdate().year


def _area_q(area: Area) -> Q:
    return Q(level=area.level, region_code=area.code, pendamping_id=area.pendamping_id)


def _months(rows: list[RegionMonth]) -> list[Month]:
    by_month = {r.month: r for r in rows}
    empty = RegionMonth(graduated_alamiah=0, graduated_sejahtera=0, graduated_mandiri=0, exits=0)
    return [
        Month(
            month=m,
            alamiah=(r := by_month.get(m, empty)).graduated_alamiah,
            sejahtera=r.graduated_sejahtera,
            mandiri=r.graduated_mandiri,
            exits=r.exits,
        )
        for m in range(1, 13)
    ]


def _tahaps(rows: list[RegionMonth], *, current: int | None) -> list[Tahap]:
    """Each tahap's benefit as the last run within it recorded it."""
    result = []
    for tahap in range(1, 5):
        recorded = [
            r for r in rows if (r.month - 1) // 3 + 1 == tahap and r.snapshot_on is not None
        ]
        last = max(recorded, key=lambda r: r.month, default=None)
        result.append(
            Tahap(
                tahap=tahap,
                amount=last.tahap_benefit if last else None,
                active_kpm=last.active_kpm if last else None,
                recorded_on=last.snapshot_on if last else None,
                current=tahap == current,
            )
        )
    return result


def dashboard_read(area: Area) -> Dashboard:
    """The area's numbers, months and tahap from the last run; three queries."""
    run = latest_run()
    year = shown_year(run)
    row = RegionSummary.objects.filter(_area_q(area), year=year).first()
    months = list(RegionMonth.objects.filter(_area_q(area), year=year))
    current = (run.as_of.month - 1) // 3 + 1 if run else None
    return Dashboard(
        area=area,
        year=year,
        run=run,
        numbers=Numbers(row) if row else None,
        months=_months(months),
        tahaps=_tahaps(months, current=current),
        histogram=row.progress_histogram if row else None,
    )


# The region table -------------------------------------------------------------------------

NAME_MODELS: dict[str, Any] = {
    RegionLevel.PROVINSI: Provinsi,
    RegionLevel.KABUPATEN: Kabupaten,
    RegionLevel.KECAMATAN: Kecamatan,
}

# Columns the region and pendamping tables sort on: ?urut=<key> or ?urut=-<key>.
SORT_KEYS: dict[str, Any] = {
    "nama": lambda c: c.name.lower(),
    "aktif": lambda c: c.numbers.active_kpm,
    "graduasi": lambda c: c.numbers.approved,
    "capaian": lambda c: c.numbers.progress_pct or 0,
    "sesuai": lambda c: c.numbers.on_track_pct or 0,
    "calon": lambda c: c.numbers.candidates,
    "menunggu": lambda c: c.numbers.awaiting,
    "berisiko": lambda c: c.numbers.at_risk,
    "p2k2": lambda c: c.numbers.p2k2_coverage_pct or 0,
    "kunjungan": lambda c: c.numbers.visited_pct or 0,
}


def sort_key(value: str | None, *, default: str = "nama") -> tuple[str, bool]:
    """(key, descending) from a ?urut= value; unknown keys fall back to the default."""
    value = value or default
    key, descending = value.removeprefix("-"), value.startswith("-")
    return (key, descending) if key in SORT_KEYS else (default, False)


def region_children(area: Area, *, year: int, sort: str | None = None) -> list[Child]:
    """The regions one level below `area` that have KPM, sorted; two queries."""
    level = area.child_level
    if level not in NAME_MODELS:
        return []
    rows = RegionSummary.objects.filter(level=level, year=year)
    if area.code:
        rows = rows.filter(region_code__startswith=f"{area.code}.")
    rows_list = list(rows)
    names = dict(
        NAME_MODELS[level]
        .objects.filter(code__in=[r.region_code for r in rows_list])
        .values_list("code", "name")
    )
    children = [
        Child(
            code=r.region_code,
            name=names.get(r.region_code, r.region_code),
            url=area_url(level, r.region_code),
            numbers=Numbers(r),
        )
        for r in rows_list
    ]
    key, descending = sort_key(sort)
    return sorted(children, key=SORT_KEYS[key], reverse=descending)


# The pendamping table ---------------------------------------------------------------------

PENDAMPING_ORDER: dict[str, tuple[Any, ...]] = {
    "nama": (Lower("pendamping__user__first_name"), Lower("pendamping__user__username")),
    "aktif": (F("active_kpm"),),
    "graduasi": (F("approved"),),
    "capaian": (F("approved"),),
    "sesuai": (F("pendamping_on_track"), F("approved")),
    "calon": (F("candidates"),),
    "menunggu": (F("awaiting"),),
    "berisiko": (F("at_risk"),),
    "p2k2": (F("p2k2_attended"),),
    "kunjungan": (F("kpm_visited_30d"),),
}


def pendamping_rows(
    area: Area, *, year: int, sort: str | None = None, behind_only: bool = False
) -> QuerySet[RegionSummary]:
    """The pendamping working in `area` with their year so far, behind schedule first unless
    sorted otherwise; a queryset to page through."""
    rows = RegionSummary.objects.filter(level=RegionLevel.PENDAMPING, year=year).select_related(
        "pendamping__user"
    )
    match area.level:
        case RegionLevel.PROVINSI:
            rows = rows.filter(region_code__startswith=f"{area.code}.")
        case RegionLevel.KABUPATEN:
            rows = rows.filter(region_code=area.code)
        case RegionLevel.KECAMATAN:
            rows = rows.filter(kecamatan_codes__contains=[area.code])
        case RegionLevel.PENDAMPING:
            rows = rows.filter(Q(pendamping_id=area.pendamping_id))
    if behind_only:  # an inactive pendamping who still has families has no target to be behind
        rows = rows.filter(pendamping_on_track=0, pendamping_count__gt=0)
    key, descending = sort_key(sort, default="sesuai")
    order = [e.desc() if descending else e.asc() for e in PENDAMPING_ORDER[key]]
    return rows.order_by(*order, "pendamping_id")
