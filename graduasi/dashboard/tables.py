"""Every table a dashboard shows, as plain columns and rows: the page renders them, the
charts draw them, the CSV and XLSX exports stream them, the monthly report prints them.
A table that names people (the pendamping table) says so, and its export is logged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from graduasi.dashboard.selectors import Child, Dashboard, Numbers
from graduasi.models import PROGRESS_BUCKETS, RegionSummary
from pemberdayaan.models import ReferralStatus

MONTH_NAMES = (
    _("Januari"), _("Februari"), _("Maret"), _("April"), _("Mei"), _("Juni"), _("Juli"),
    _("Agustus"), _("September"), _("Oktober"), _("November"), _("Desember"),
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    """A table by key (the export's name: ?table=<key>), with its columns and rows. `rows`
    may be a generator (the pendamping table of the whole country is streamed)."""

    key: str
    title: Any
    columns: tuple[Column, ...]
    rows: Iterable[list[Any]]
    personal: bool = False  # holds names of people: exports are logged (UU PDP)


# Keys of the tables a dashboard shows, in page order.
TABLE_KEYS = ("ringkasan", "bulanan", "sebaran", "tahap", "wilayah", "pendamping")

COMMON_COLUMNS = (
    Column("active_kpm", _("KPM aktif")),
    Column("approved", _("Graduasi tahun ini")),
    Column("target", _("Target")),
    Column("progress_pct", _("Capaian (%)")),
    Column("on_track_pct", _("Pendamping sesuai jadwal (%)")),
    Column("candidates", _("Calon tanpa usulan")),
    Column("awaiting", _("Usulan menunggu keputusan")),
    Column("awaiting_median_days", _("Median umur usulan (hari)")),
    Column("at_risk", _("Berisiko kembali miskin")),
    Column("p2k2_coverage_pct", _("Cakupan P2K2 90 hari (%)")),
    Column("visited_pct", _("KPM dikunjungi 30 hari (%)")),
    Column("yearly_benefit", _("Bantuan per tahun (Rp)")),
)


def _values(numbers: Numbers, columns: Iterable[Column]) -> list[Any]:
    return [getattr(numbers, c.key) for c in columns]


def summary_table(dash: Dashboard) -> Table:
    """The tiles as one list of (measure, value)."""
    n = dash.numbers
    rows: list[list[Any]] = []
    if n is not None:
        rows = [
            [str(_("KPM aktif")), n.active_kpm],
            [str(_("Graduasi disetujui tahun ini")), n.approved],
            [str(_("Target graduasi")), n.target],
            [str(_("Capaian target (%)")), n.progress_pct],
            [str(_("Pendamping aktif")), n.pendamping_count],
            [str(_("Pendamping sesuai jadwal (%)")), n.on_track_pct],
            [str(_("Calon alamiah tanpa usulan")), n.candidates_alamiah],
            [str(_("Calon sejahtera tanpa usulan")), n.candidates_sejahtera],
            [str(_("Usulan menunggu keputusan")), n.awaiting],
            [str(_("Median umur usulan (hari)")), n.awaiting_median_days],
            [str(_("Usulan dikembalikan untuk perbaikan")), n.returned],
            *[
                [str(_("Rujukan %(status)s") % {"status": ReferralStatus(s).label}), c]
                for s, c in n.referrals
            ],
            [str(_("KPM graduasi berisiko kembali miskin")), n.at_risk],
            [str(_("KPM aktif hadir P2K2 dalam 90 hari")), n.p2k2_attended],
            [str(_("Cakupan P2K2 (%)")), n.p2k2_coverage_pct],
            [str(_("Kunjungan dalam 30 hari")), n.visits_30d],
            [str(_("KPM aktif dikunjungi dalam 30 hari (%)")), n.visited_pct],
            [str(_("Bantuan per tahun (Rp)")), n.yearly_benefit],
        ]
    return Table(
        key="ringkasan",
        title=_("Ringkasan"),
        columns=(Column("measure", _("Ukuran"), numeric=False), Column("value", _("Nilai"))),
        rows=rows,
    )


def months_table(dash: Dashboard) -> Table:
    """Graduations approved per month by type, and exits (the stacked chart's numbers)."""
    return Table(
        key="bulanan",
        title=_("Graduasi per bulan menurut jenis"),
        columns=(
            Column("month", _("Bulan"), numeric=False),
            Column("alamiah", _("Alamiah")),
            Column("sejahtera", _("Sejahtera")),
            Column("mandiri", _("Mandiri")),
            Column("graduated", _("Jumlah graduasi")),
            Column("exits", _("Keluar bukan graduasi")),
        ),
        rows=[
            [str(MONTH_NAMES[m.month - 1]), m.alamiah, m.sejahtera, m.mandiri, m.graduated, m.exits]
            for m in dash.months
        ],
    )


def bucket_label(bucket: int) -> str:
    last = PROGRESS_BUCKETS - 1
    return f"{last}+" if bucket == last else str(bucket)


def progress_table(dash: Dashboard) -> Table:
    """How many pendamping have 0, 1, ... 10+ graduations this year (the histogram)."""
    counts = dash.histogram or []
    return Table(
        key="sebaran",
        title=_("Sebaran capaian pendamping menuju target"),
        columns=(
            Column("approved", _("Graduasi disetujui"), numeric=False),
            Column("pendamping", _("Jumlah pendamping")),
        ),
        rows=[[bucket_label(b), count] for b, count in enumerate(counts)],
    )


def tahap_table(dash: Dashboard) -> Table:
    """The benefit committed in each tahap of the year, as the last run within it recorded."""
    return Table(
        key="tahap",
        title=_("Bantuan per tahap"),
        columns=(
            Column("tahap", _("Tahap"), numeric=False),
            Column("amount", _("Bantuan (Rp)")),
            Column("active_kpm", _("KPM aktif")),
            Column("recorded_on", _("Tercatat per"), numeric=False),
        ),
        rows=[
            [
                str(t.tahap),
                t.amount,
                t.active_kpm,
                date_format(t.recorded_on, "SHORT_DATE_FORMAT") if t.recorded_on else None,
            ]
            for t in dash.tahaps
        ],
    )


def regions_table(children: list[Child], *, level_label: Any) -> Table:
    """The region table: one row per region one level down."""
    return Table(
        key="wilayah",
        title=_("Wilayah"),
        columns=(
            Column("code", _("Kode"), numeric=False),
            Column("name", level_label, numeric=False),
            *COMMON_COLUMNS,
        ),
        rows=[[c.code, c.name, *_values(c.numbers, COMMON_COLUMNS)] for c in children],
    )


PENDAMPING_COLUMNS = (
    Column("active_kpm", _("KPM aktif")),
    Column("approved", _("Graduasi tahun ini")),
    Column("target", _("Target")),
    Column("progress_pct", _("Capaian (%)")),
    Column("on_track", _("Sesuai jadwal"), numeric=False),
    Column("candidates", _("Calon tanpa usulan")),
    Column("awaiting", _("Usulan menunggu keputusan")),
    Column("at_risk", _("Berisiko kembali miskin")),
    Column("visited_pct", _("KPM dikunjungi 30 hari (%)")),
)


def _pendamping_row(row: RegionSummary) -> list[Any]:
    n, pendamping = Numbers(row), row.pendamping
    assert pendamping is not None  # pendamping rows always name one
    on_track = str(_("ya")) if row.pendamping_on_track else str(_("tidak"))
    values = {**{c.key: getattr(n, c.key, None) for c in PENDAMPING_COLUMNS}, "on_track": on_track}
    return [
        pendamping.user.get_username(),
        str(pendamping),
        row.region_code,
        *[values[c.key] for c in PENDAMPING_COLUMNS],
    ]


def pendamping_table(rows: QuerySet[RegionSummary]) -> Table:
    """The pendamping progress table: a list to act on, not a ranking. Names people."""

    def stream() -> Iterator[list[Any]]:
        for row in rows.iterator(chunk_size=2_000):
            yield _pendamping_row(row)

    return Table(
        key="pendamping",
        title=_("Capaian pendamping"),
        columns=(
            Column("username", _("Nama pengguna"), numeric=False),
            Column("name", _("Pendamping"), numeric=False),
            Column("kabupaten", _("Kode kabupaten"), numeric=False),
            *PENDAMPING_COLUMNS,
        ),
        rows=stream(),
        personal=True,
    )
