"""Regions load from the shipped CSVs; a second run writes nothing; poverty line is seeded."""

from datetime import date

import pytest
from django.core.management import call_command

from wilayah.models import Desa, Kabupaten, Kecamatan, PovertyLine, Provinsi
from wilayah.selectors import poverty_line_on
from wilayah.services import DATA_DIR, wilayah_load

pytestmark = pytest.mark.django_db


def test_every_level_is_loaded_with_its_parent():
    assert (Provinsi.objects.count(), Kabupaten.objects.count()) == (38, 514)
    assert (Kecamatan.objects.count(), Desa.objects.count()) == (7_277, 83_763)
    kelurahan = Desa.objects.select_related("kecamatan__kabupaten__provinsi").get(
        code="35.71.01.1001"
    )
    assert kelurahan.kecamatan.kabupaten.name == "KOTA KEDIRI"
    assert kelurahan.kecamatan.kabupaten.is_kota and kelurahan.is_kelurahan
    assert kelurahan.kecamatan.kabupaten.provinsi.name == "JAWA TIMUR"


def test_a_name_with_a_quote_inside_is_kept_as_written():
    assert Desa.objects.get(code="35.13.15.2017").name == 'Soka"an'


def test_second_load_writes_nothing():
    assert sum(level.written for level in wilayah_load()) == 0


def test_a_renamed_desa_is_corrected_by_the_next_load():
    Desa.objects.filter(code="35.71.01.1001").update(name="Salah")
    results = {level.table: level.written for level in wilayah_load()}
    assert results["wilayah_desa"] == 1
    assert Desa.objects.get(code="35.71.01.1001").name != "Salah"


def test_command_reports_in_indonesian(capsys):
    call_command("load_wilayah")
    assert "Wilayah dimuat" in capsys.readouterr().out


def test_licence_and_attribution_ship_beside_the_data():
    assert (DATA_DIR / "LICENSE-ODbL.md").read_text().startswith("# Open Database License")
    assert "idn-area-data" in (DATA_DIR / "SOURCE.md").read_text()


def test_national_poverty_line_is_seeded_and_used_for_every_province():
    assert PovertyLine.objects.get(provinsi=None).amount == 609_160
    assert poverty_line_on("35", date(2026, 1, 1)) == 609_160
    assert poverty_line_on("35", date(2025, 2, 28)) is None


def test_a_province_line_takes_precedence_from_its_date():
    PovertyLine.objects.create(
        provinsi_id="35", valid_from=date(2025, 9, 1), amount=590_000, source="BPS Jatim"
    )
    assert poverty_line_on("35", date(2025, 8, 31)) == 609_160
    assert poverty_line_on("35", date(2025, 9, 1)) == 590_000
    assert poverty_line_on("32", date(2025, 9, 1)) == 609_160
