"""CSV and XLSX exports of the dashboard tables: the same rows the page shows, streamed, scoped
(404 out of scope, 403 for roles without a dashboard), and an export naming pendamping logged
as an access to personal data with the ids it held."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.db import DatabaseError, transaction
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from graduasi.dashboard.areas import area_for_region
from graduasi.dashboard.exports import csv_stream
from graduasi.dashboard.selectors import dashboard_read, pendamping_rows, region_children
from graduasi.dashboard.tables import (
    Column,
    Table,
    pendamping_table,
    regions_table,
    summary_table,
)
from graduasi.models import ProposalStatus, RegionLevel
from kpm.models import KpmStatus
from pengguna.models import User
from tests.conftest import DESA_KAB_KEDIRI, World
from tests.factories import KpmFactory
from tests.graduasi.test_pipeline import propose, run_on, wib

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 15)


@pytest.fixture
def counted(world: World) -> World:
    """The world with graduations in both kabupaten, counted by one nightly run."""
    propose(world.kpm_graduated, world.pendamping_kota, ProposalStatus.APPROVED, wib(2026, 2, 10))
    for _ in range(2):  # Kabupaten Kediri's pendamping is on track; Kota Kediri's are not
        kpm = KpmFactory.create(
            desa_code=DESA_KAB_KEDIRI, pendamping=world.pendamping_kab, status=KpmStatus.GRADUATED
        )
        propose(kpm, world.pendamping_kab, ProposalStatus.APPROVED, wib(2026, 3, 2))
    run_on(AS_OF)
    return world


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export_url(table: str, fmt: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("dasbor:export", args=[table, fmt]) + (f"?{query}" if query else "")


def csv_rows(response: Any) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[arg-type]
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    assert isinstance(response, FileResponse)
    content = b"".join(response.streaming_content)  # type: ignore[arg-type]
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_csv(table: Table) -> list[list[str]]:
    """The table as the CSV should hold it: labels, then plain numbers and empty for None."""
    header = [str(c.label) for c in table.columns]
    return [header, *[["" if v is None else str(v) for v in row] for row in table.rows]]


# CSV --------------------------------------------------------------------------------------------


def test_summary_csv_streams_the_tables_rows_with_a_header_and_a_dated_filename(counted):
    response = signed_in(counted.dinsos_kota).get(export_url("ringkasan", "csv", wilayah="35.71"))

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pkh-ringkasan-35.71-2026-03-15.csv"'
    )
    rows = csv_rows(response)
    area = area_for_region(counted.dinsos_kota, "35.71")
    assert rows == as_csv(summary_table(dashboard_read(area)))
    measures = dict(rows[1:])
    assert (measures["KPM aktif"], measures["Graduasi disetujui tahun ini"]) == ("2", "1")
    assert measures["Target graduasi"] == "20"  # two pendamping of 10 each


def test_region_csv_follows_the_pages_sort(counted):
    user = counted.kementerian_jatim
    response = signed_in(user).get(export_url("wilayah", "csv", wilayah="35", urut="-graduasi"))

    rows = csv_rows(response)
    area = area_for_region(user, "35")
    children = region_children(area, year=2026, sort="-graduasi")
    assert rows == as_csv(regions_table(children, level_label=RegionLevel.KABUPATEN.label))
    assert [(r[0], r[3]) for r in rows[1:]] == [("35.06", "2"), ("35.71", "1")]


def test_pendamping_csv_lists_only_those_behind_schedule_when_asked(counted):
    response = signed_in(counted.kementerian_national).get(
        export_url("pendamping", "csv", tertinggal="1", urut="nama")
    )

    rows = csv_rows(response)
    assert rows[0][:3] == ["Nama pengguna", "Pendamping", "Kode kabupaten"]
    assert [r[0] for r in rows[1:]] == ["pendamping_kota", "pendamping_kota_lain"]
    event = AccessEvent.objects.get()
    expected = {counted.pendamping_kota.pk, counted.pendamping_kota_other.pk}
    assert set(map(int, event.record_ids)) == expected
    assert event.record_count == 2


def test_csv_neutralises_text_a_spreadsheet_would_run_as_a_formula():
    table = Table(
        key="uji",
        title="Uji",
        columns=(Column("name", "Nama", numeric=False), Column("n", "Jumlah")),
        rows=[['=HYPERLINK("http://x")', -3], ["Biasa", None], ["@SUM(A1)", 1.5]],
    )

    body = b"".join(csv_stream(table)).decode()

    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff")))) == [
        ["Nama", "Jumlah"],
        ['\'=HYPERLINK("http://x")', "-3"],
        ["Biasa", ""],
        ["'@SUM(A1)", "1.5"],
    ]


# XLSX -------------------------------------------------------------------------------------------


def test_pendamping_xlsx_is_a_file_response_that_holds_the_tables_rows(counted):
    user = counted.kementerian_national
    response = signed_in(user).get(export_url("pendamping", "xlsx"))

    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == (
        'attachment; filename="pkh-pendamping-nasional-2026-03-15.xlsx"'
    )
    rows = xlsx_rows(response)
    area = area_for_region(user, "")
    table = pendamping_table(pendamping_rows(area, year=2026))
    assert rows[0][0] == "Capaian pendamping — Nasional"
    assert rows[1] == [str(c.label) for c in table.columns]
    assert rows[2:] == [list(r) for r in table.rows]
    # behind schedule first, fewest graduations first
    assert [r[0] for r in rows[2:]] == ["pendamping_kota_lain", "pendamping_kota", "pendamping_kab"]


def test_pendamping_xlsx_export_is_logged_with_every_pendamping_it_held(counted):
    user = counted.dinsos_kota
    url = export_url("pendamping", "xlsx", wilayah="35.71")

    signed_in(user).get(url)

    event = AccessEvent.objects.get()
    assert (event.actor, event.endpoint, event.purpose) == (user, url, "ekspor dasbor: pendamping")
    assert event.object_type == "pendamping.pendamping"
    expected = {counted.pendamping_kota.pk, counted.pendamping_kota_other.pk}
    assert set(map(int, event.record_ids)) == expected
    assert event.detail == {"format": "xlsx", "area": "35.71"}


def test_one_pendamping_dashboards_export_holds_and_logs_only_that_pendamping(counted):
    pendamping = counted.pendamping_kab
    response = signed_in(counted.dinsos_kab).get(
        export_url("pendamping", "csv", pendamping=pendamping.pk)
    )

    assert [r[0] for r in csv_rows(response)[1:]] == ["pendamping_kab"]
    assert (
        f"pkh-pendamping-pendamping-{pendamping.pk}-2026-03-15.csv"
        in (response["Content-Disposition"])
    )
    assert AccessEvent.objects.get().record_ids == [str(pendamping.pk)]


@pytest.mark.parametrize("table", ["ringkasan", "bulanan", "sebaran", "tahap", "wilayah"])
def test_tables_without_names_of_people_are_not_logged(counted, table):
    response = signed_in(counted.kementerian_jatim).get(export_url(table, "xlsx", wilayah="35"))

    assert response.status_code == 200
    assert len(xlsx_rows(response)) >= 2  # title and header at least
    assert not AccessEvent.objects.exists()


def test_monthly_xlsx_holds_each_months_graduations_as_numbers(counted):
    response = signed_in(counted.dinsos_kab).get(export_url("bulanan", "xlsx", wilayah="35.06"))

    rows = xlsx_rows(response)
    assert len(rows) == 2 + 12
    assert rows[2 + 2] == ["Maret", 2, 0, 0, 2, 0]


# Scope and refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"wilayah": "35.06"},  # the other kabupaten
        {},  # the nation
        {"wilayah": "35"},  # the province
        {"wilayah": "35.06.01"},  # a kecamatan of the other kabupaten
        {"wilayah": "35.7"},  # malformed
        {"pendamping": "abc"},
    ],
)
def test_dinsos_cannot_export_outside_its_kabupaten(counted, params):
    response = signed_in(counted.dinsos_kota).get(export_url("ringkasan", "csv", **params))

    assert response.status_code == 404


def test_dinsos_cannot_export_another_kabupatens_pendamping(counted):
    url = export_url("pendamping", "csv", pendamping=counted.pendamping_kab.pk)

    assert signed_in(counted.dinsos_kota).get(url).status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_provincial_ministry_user_cannot_export_another_province(counted):
    url = export_url("wilayah", "csv", wilayah="35")

    assert signed_in(counted.kementerian_jabar).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["pendamping", "agency"])
def test_roles_without_a_dashboard_are_refused(counted, persona):
    user = counted.pendamping_kota.user if persona == "pendamping" else counted.agency

    response = signed_in(user).get(export_url("pendamping", "csv", wilayah="35.71"))

    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(counted):
    response = Client().get(export_url("ringkasan", "csv"))

    assert response.status_code == 302
    assert "/login" in response["Location"] or "masuk" in response["Location"]


@pytest.mark.parametrize(
    ("table", "fmt"), [("rahasia", "csv"), ("ringkasan", "pdf"), ("pendamping", "json")]
)
def test_unknown_tables_and_formats_are_not_found(counted, table, fmt):
    response = signed_in(counted.admin).get(export_url(table, fmt))

    assert response.status_code == 404


def test_a_kecamatan_has_no_region_table_to_export(counted):
    url = export_url("wilayah", "csv", wilayah="35.71.01")

    assert signed_in(counted.dinsos_kota).get(url).status_code == 404


def test_exports_are_read_only_requests(counted):
    response = signed_in(counted.admin).post(export_url("ringkasan", "csv"))

    assert response.status_code == 405


# The access log ---------------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_access_event(counted):
    signed_in(counted.admin).get(export_url("pendamping", "csv"))
    event = AccessEvent.objects.get()

    event.purpose = "diubah"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.get().purpose == "ekspor dasbor: pendamping"


def test_the_national_pendamping_export_takes_a_fixed_number_of_queries(
    counted, django_assert_max_num_queries
):
    client = signed_in(counted.admin)

    with django_assert_max_num_queries(8):
        response = client.get(export_url("pendamping", "csv"))
        csv_rows(response)
