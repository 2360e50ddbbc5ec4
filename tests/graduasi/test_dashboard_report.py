"""The printable monthly kabupaten report: the chosen month's flows and the year so far from the
month rows, the state as of the last run, every pendamping listed and the listing logged,
scoped to the kabupaten, a bad or future month explained, and a bounded number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from graduasi.dashboard.report import MonthError, month_parse
from graduasi.models import ProposalStatus
from kpm.models import KpmStatus
from pengguna.models import User
from tests.conftest import DESA_KAB_KEDIRI, World
from tests.factories import KpmFactory
from tests.graduasi.test_pipeline import propose, run_on, wib

pytestmark = pytest.mark.django_db

FEBRUARY_RUN = date(2026, 2, 20)
AS_OF = date(2026, 3, 15)


@pytest.fixture
def counted(world: World) -> World:
    """Kota Kediri: an alamiah graduation in February, a sejahtera one and an exit in March;
    a run in February and one in March, so February keeps the state its run saw."""
    propose(world.kpm_graduated, world.pendamping_kota, ProposalStatus.APPROVED, wib(2026, 2, 10))
    march = KpmFactory.create(pendamping=world.pendamping_kota_other, status=KpmStatus.GRADUATED)
    proposal = propose(march, world.pendamping_kota_other, ProposalStatus.APPROVED, wib(2026, 3, 3))
    proposal.type = "sejahtera"
    proposal.save()
    kab = KpmFactory.create(
        desa_code=DESA_KAB_KEDIRI, pendamping=world.pendamping_kab, status=KpmStatus.GRADUATED
    )
    propose(kab, world.pendamping_kab, ProposalStatus.APPROVED, wib(2026, 3, 2))
    run_on(FEBRUARY_RUN)
    world.kpm_own.status = KpmStatus.EXITED
    world.kpm_own.exited_on = date(2026, 3, 1)
    world.kpm_own.save()
    run_on(AS_OF)
    return world


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_url(code: str, month: str | None = None) -> str:
    url = reverse("dasbor:report", args=[code])
    return f"{url}?bulan={month}" if month is not None else url


def by_testid(html: str, name: str) -> str:
    """The text inside the element marked data-testid=<name>."""
    found = re.search(rf'data-testid="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


# The month's numbers ----------------------------------------------------------------------------


def test_the_report_opens_on_the_last_runs_month(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71"))

    assert response.status_code == 200
    html = response.content.decode()
    assert by_testid(html, "report-title") == (
        "Laporan Bulanan Graduasi PKH — KOTA KEDIRI — Maret 2026"
    )
    report = response.context["report"]
    assert report.month == date(2026, 3, 1)
    assert (by_testid(html, "flow-graduated"), by_testid(html, "flow-sejahtera")) == ("1", "1")
    assert (by_testid(html, "flow-alamiah"), by_testid(html, "flow-exits")) == ("0", "1")
    assert (by_testid(html, "ytd-graduated"), by_testid(html, "ytd-target")) == ("2", "20")
    assert by_testid(html, "ytd-progress") == "10%"
    assert "15 Maret 2026" in by_testid(html, "report-asof")


def test_a_past_month_shows_its_own_flows_its_year_so_far_and_its_kept_state(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71", "2026-02"))

    html = response.content.decode()
    assert by_testid(html, "report-title").endswith("Februari 2026")
    assert (by_testid(html, "flow-graduated"), by_testid(html, "flow-alamiah")) == ("1", "1")
    assert by_testid(html, "flow-exits") == "0"
    assert (by_testid(html, "ytd-graduated"), by_testid(html, "ytd-progress")) == ("1", "5%")
    report = response.context["report"]
    assert report.past_month
    assert report.snapshot.snapshot_on == FEBRUARY_RUN
    assert "per 20 Februari 2026" in html  # the month's own state, as the February run saw it


def test_the_state_tiles_come_from_the_last_runs_summary(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71", "2026-02"))

    html = response.content.decode()
    numbers = response.context["report"].dash.numbers
    assert by_testid(html, "state-active") == str(numbers.active_kpm) == "1"  # own exited in March
    assert by_testid(html, "state-candidates") == str(numbers.candidates)
    assert "Keadaan per 15 Maret 2026" in html
    assert response.context["report"].referrals[0] == ("Dirujuk", numbers.referrals_dirujuk)


def test_every_pendamping_of_the_kabupaten_is_listed_behind_schedule_first(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71"))

    rows = response.context["report"].pendamping.rows
    assert [r[0].text for r in rows] == ["pendamping_kota", "pendamping_kota_lain"]
    kecamatan = response.context["report"].kecamatan
    assert [r[0].text for r in kecamatan.rows] == ["35.71.01", "35.71.03"]
    columns = [c.key for c in kecamatan.table.columns]
    assert "active_kpm" in columns
    assert "target" not in columns  # a kecamatan has no target: the empty column is left out


def test_the_report_is_logged_as_an_access_to_the_pendamping_it_lists(counted):
    user = counted.dinsos_kota
    url = report_url("35.71", "2026-03")

    signed_in(user).get(url)

    event = AccessEvent.objects.get()
    assert (event.actor, event.endpoint) == (user, url)
    assert (event.purpose, event.object_type) == (
        "laporan bulanan kabupaten",
        "pendamping.pendamping",
    )
    expected = {counted.pendamping_kota.pk, counted.pendamping_kota_other.pk}
    assert set(map(int, event.record_ids)) == expected
    assert event.detail == {"area": "35.71", "bulan": "2026-03"}


def test_the_page_prints_with_its_own_css_and_script_and_a_signature_block(counted):
    html = signed_in(counted.dinsos_kota).get(report_url("35.71")).content.decode()

    assert "css/report.css" in html
    assert re.search(r'<script src="[^"]*js/print\.js"', html)
    assert "<script>" not in html  # no inline script
    assert re.search(r"<button[^>]*data-print", html)
    assert "Kepala Dinas Sosial KOTA KEDIRI" in html
    assert "Mengetahui," in html


# Bad and missing months -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-13", "maret", "2026-3", "1999-12", "2026-03-01"])
def test_a_month_that_is_not_one_is_explained_with_a_400(counted, value):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71", value))

    assert response.status_code == 400
    assert "tidak dikenali" in by_testid(response.content.decode(), "report-error")
    assert "report" not in response.context
    assert not AccessEvent.objects.exists()


def test_a_month_after_the_last_run_has_no_data_yet(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71", "2026-04"))

    assert response.status_code == 200
    message = by_testid(response.content.decode(), "report-unavailable")
    assert message == (
        "Belum ada data untuk April 2026: proses malam terakhir dijalankan per 15 Maret 2026."
    )
    assert not AccessEvent.objects.exists()


def test_a_year_the_roll_up_never_counted_has_no_data(counted):
    response = signed_in(counted.dinsos_kota).get(report_url("35.71", "2024-05"))

    assert response.status_code == 200
    assert by_testid(response.content.decode(), "report-unavailable") == (
        "Tidak ada data untuk Mei 2024."
    )


def test_before_any_nightly_run_the_report_says_so(world):
    response = signed_in(world.dinsos_kota).get(report_url("35.71"))

    assert response.status_code == 200
    assert "Belum ada proses malam" in by_testid(response.content.decode(), "report-unavailable")


def test_month_parse_reads_a_month_and_falls_back_to_the_default():
    assert month_parse("2026-02", default=date(2026, 3, 15)) == date(2026, 2, 1)
    assert month_parse("", default=date(2026, 3, 15)) == date(2026, 3, 1)
    with pytest.raises(MonthError):
        month_parse("2026-00", default=date(2026, 3, 15))


# Scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("dinsos_kota", "35.06"),  # the other kabupaten
        ("kementerian_jatim", "32.73"),  # a kabupaten of another province
        ("kementerian_jabar", "35.71"),
        ("admin", "35"),  # a province is no kabupaten
        ("admin", "35.71.01"),  # nor is a kecamatan
        ("admin", "99.99"),  # no such kabupaten
    ],
)
def test_the_report_is_not_found_outside_scope_or_for_anything_but_a_kabupaten(
    counted, persona, code
):
    response = signed_in(getattr(counted, persona)).get(report_url(code))

    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_provincial_ministry_user_opens_a_kabupaten_of_its_province(counted):
    response = signed_in(counted.kementerian_jatim).get(report_url("35.06"))

    assert response.status_code == 200
    assert [r[0].text for r in response.context["report"].pendamping.rows] == ["pendamping_kab"]


def test_a_pendamping_is_refused(counted):
    response = signed_in(counted.pendamping_kota.user).get(report_url("35.71"))

    assert response.status_code == 403


def test_the_report_takes_a_bounded_number_of_queries(counted, django_assert_max_num_queries):
    client = signed_in(counted.dinsos_kota)

    with django_assert_max_num_queries(20):
        response = client.get(report_url("35.71", "2026-02"))
    assert response.status_code == 200
