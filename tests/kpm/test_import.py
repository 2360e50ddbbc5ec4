"""The KPM import: contract of DESIGN §7, upsert semantics, audit, scope and errors by line."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from config.errors import DomainError
from kpm.importing import ImportFileError, import_kpm_file
from kpm.importing import service as import_service
from kpm.models import Anggota, DesilHistory, Kpm
from pendamping.models import EconomicAssessment
from tests.kpm.importing_helpers import SAMPLE, TODAY, rows_of, sample_rows, to_csv


def run(source, **kwargs):
    return import_kpm_file(source, today=TODAY, **kwargs)


def where(report) -> list[tuple[int, str, str]]:
    return [(e.line, e.kpm_id, e.column) for e in report.errors]


def test_sample_imports_three_kpm_eleven_anggota_with_history_assessment_and_audit(db):
    report = run(SAMPLE)

    assert (report.rows, report.kpm_created, report.anggota_created) == (11, 3, 11)
    assert (report.kpm_rejected, report.errors, report.assessments_created) == (0, [], 1)
    kpm = Kpm.objects.get(kpm_id="KDR-000002")
    assert (kpm.desa_id, kpm.kecamatan_code, kpm.kabupaten_code, kpm.provinsi_code) == (
        "35.71.03.1004", "35.71.03", "35.71", "35",
    )  # fmt: skip
    assert kpm.anggota.get(is_pengurus=True).nama == "Dewi Lestari"
    assert str(kpm.anggota.get(nama="Dewi Lestari").perkiraan_lahir) == "2027-01-15"
    assert list(kpm.desil_history.values_list("desil", "recorded_on", "source")) == [
        (1, TODAY, "import")
    ]
    assessment = EconomicAssessment.objects.get(kpm__kpm_id="KDR-000003")
    assert (assessment.household_income, assessment.member_count, assessment.source) == (
        4_000_000, 4, "import",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="create").count() == 3 + 11 + 1
    event = AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(kpm.pk))
    assert event.actor_label == "sistem"
    assert event.changes["desil"] == [None, 1]


def test_reimporting_the_same_file_changes_nothing_and_writes_no_audit_rows(db):
    run(SAMPLE)
    stamps = dict(Anggota.objects.values_list("nik", "updated_at"))
    audit_rows = AuditEvent.objects.count()

    report = run(SAMPLE)

    assert (report.kpm_created, report.kpm_updated, report.kpm_unchanged) == (0, 0, 3)
    assert (report.anggota_created, report.anggota_updated, report.anggota_unchanged) == (0, 0, 11)
    assert (report.assessments_created, report.desil_changes) == (0, 0)
    assert not report.changed_anything
    assert AuditEvent.objects.count() == audit_rows
    assert DesilHistory.objects.count() == 3
    assert dict(Anggota.objects.values_list("nik", "updated_at")) == stamps


def test_dry_run_reports_the_same_numbers_and_writes_nothing(db):
    preview = run(SAMPLE, dry_run=True)

    assert preview.dry_run
    assert (preview.kpm_created, preview.anggota_created, preview.assessments_created) == (3, 11, 1)
    assert not Kpm.objects.exists()
    assert not Anggota.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not DesilHistory.objects.exists()


def test_bad_kpm_are_rejected_whole_and_named_by_line_while_good_kpm_import(db):
    rows = sample_rows()
    for row in rows:
        row["catatan"] = "kolom tak dikenal"
    rows[0]["nik"] = "357101100574000"  # 15 digits, line 2
    for row in rows_of(rows, "KDR-000002"):
        row["kode_desa"] = "35.71.03.9999"  # no such kelurahan, lines 5-8
    rows[7]["pengurus"] = "1"  # Sumiati, line 9: a second pengurus beside line 10
    good = dict(rows[8], kpm_id="KDR-000004", no_kk="3571021107090004", nik="3571024703860019")
    report = run(to_csv([*rows, good]))

    assert where(report) == [
        (2, "KDR-000001", "nik"),
        (5, "KDR-000002", "kode_desa"),
        (10, "KDR-000003", "pengurus"),
    ]
    assert "16 angka" in report.errors[0].reason
    assert "35.71.03.9999" in report.errors[1].reason
    assert "baris 9, 10" in report.errors[2].reason
    assert (report.kpm_created, report.kpm_rejected, report.anggota_created) == (1, 3, 1)
    assert list(Kpm.objects.values_list("kpm_id", flat=True)) == ["KDR-000004"]
    assert Anggota.objects.get().nama == "Rina Wati"


def test_semicolon_delimiter_and_byte_order_mark_are_accepted(db):
    report = run(to_csv(sample_rows(), delimiter=";", bom=True))

    assert (report.kpm_created, report.anggota_created, report.errors) == (3, 11, [])


def test_day_first_dates_with_slashes_or_dashes_mean_the_same_day(db):
    rows = sample_rows()
    for row in rows:
        year, month, day = row["tanggal_lahir"].split("-")
        row["tanggal_lahir"] = f"{day}/{month}/{year}"
        year, month, day = row["tanggal_masuk_pkh"].split("-")
        row["tanggal_masuk_pkh"] = f"{day}-{month}-{year}"
    rows[1]["tanggal_masuk_pkh"] = "2018-03-01"  # ISO on one row of KDR-000001 agrees too
    report = run(to_csv(rows))

    assert report.errors == []
    assert str(Anggota.objects.get(nama="Putri Ayu").tanggal_lahir) == "2022-06-15"
    assert str(Kpm.objects.get(kpm_id="KDR-000001").pkh_entry_date) == "2018-03-01"
    assert run(SAMPLE).kpm_unchanged == 3


def test_changed_desil_on_reimport_appends_history_and_audits_before_after(db):
    run(SAMPLE)
    rows = sample_rows()
    for row in rows_of(rows, "KDR-000002"):
        row["desil"] = "3"

    report = run(to_csv(rows))

    assert (report.kpm_updated, report.kpm_unchanged, report.desil_changes) == (1, 2, 1)
    kpm = Kpm.objects.get(kpm_id="KDR-000002")
    assert kpm.desil == 3
    assert list(kpm.desil_history.values_list("desil", flat=True)) == [3, 1]
    event = AuditEvent.objects.get(object_id=str(kpm.pk), object_type="kpm.kpm", action="update")
    assert event.changes == {"desil": [1, 3]}


def test_pengurus_moves_to_another_member_on_reimport(db):
    run(SAMPLE)
    rows = sample_rows()
    rows[0]["pengurus"], rows[1]["pengurus"] = "1", "0"  # Sutrisno takes over from Siti

    report = run(to_csv(rows))

    assert (report.anggota_updated, report.anggota_unchanged) == (2, 9)
    kpm = Kpm.objects.get(kpm_id="KDR-000001")
    assert kpm.anggota.get(is_pengurus=True).nama == "Sutrisno"


def test_pengurus_left_out_of_the_file_loses_the_flag_but_stays_a_member(db):
    run(SAMPLE)
    rows = [r for r in sample_rows() if r["nama"] != "Siti Aminah"]
    rows[0]["pengurus"] = "1"

    report = run(to_csv(rows))

    siti = Anggota.objects.get(nama="Siti Aminah")
    assert not siti.is_pengurus
    assert siti.kpm.kpm_id == "KDR-000001"
    assert report.anggota_updated == 2
    event = AuditEvent.objects.get(
        object_id=str(siti.pk), object_type="kpm.anggota", action="update"
    )
    assert event.changes == {"is_pengurus": [True, False]}


def test_members_in_the_database_but_not_in_the_file_are_left_alone(db):
    run(SAMPLE)
    rows = [r for r in sample_rows() if r["nama"] != "Ahmad Fauzi"]

    report = run(to_csv(rows))

    assert not report.changed_anything
    assert Anggota.objects.filter(nama="Ahmad Fauzi", kpm__kpm_id="KDR-000001").exists()


def test_nik_of_a_member_of_another_kpm_is_refused(world):
    # world.kpm_own (KDR-OWN) holds NIK 3571015808780002, Siti Aminah's in the sample.
    report = run(SAMPLE)

    assert where(report) == [(3, "KDR-000001", "nik")]
    assert "KDR-OWN" in report.errors[0].reason
    assert (report.kpm_created, report.kpm_rejected) == (2, 1)
    assert not Kpm.objects.filter(kpm_id="KDR-000001").exists()


def test_nik_written_twice_in_the_file_rejects_both_kpm(db):
    rows = sample_rows()
    rows[4]["nik"] = rows[9]["nik"]  # Eko (KDR-000002) given Dimas's NIK (KDR-000003)
    rows[4].update(tanggal_lahir="2011-10-14", hubungan="kepala")

    report = run(to_csv(rows))

    assert where(report) == [(6, "KDR-000002", "nik"), (11, "KDR-000003", "nik")]
    assert "baris 11" in report.errors[0].reason
    assert report.kpm_created == 1


def test_missing_required_columns_are_a_whole_file_error_naming_them(db):
    rows = [{k: v for k, v in r.items() if k not in ("nik", "hubungan")} for r in sample_rows()]

    with pytest.raises(ImportFileError, match="nik, hubungan"):
        run(to_csv(rows))
    assert not Kpm.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "kosong"),
        (b"kpm_id,no_kk\n", "Kolom wajib tidak ada"),
        (SAMPLE.read_bytes().split(b"\n")[0] + b"\n", "tanpa baris data"),
        (b"PK\x03\x04\x00\x00binary", "bukan berkas CSV"),
        ("kpm_id;nama\nKDR;Sutrisno\n".encode("utf-16"), "bukan berkas CSV"),
        ("kpm_id,nama\nKDR,Sútrisno\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(db, content, message):
    with pytest.raises(ImportFileError, match=message):
        run(content)


def test_kpm_columns_must_agree_on_every_row_of_the_kpm(db):
    rows = sample_rows()
    rows[2]["alamat"] = "Jl. Lain 1"

    report = run(to_csv(rows))

    assert where(report) == [(4, "KDR-000001", "alamat")]
    assert "baris 2" in report.errors[0].reason


@pytest.mark.parametrize(
    ("line", "changes", "column"),
    [
        (2, {"desil": "11"}, "desil"),
        (2, {"no_kk": "9999012005100001"}, "no_kk"),
        (2, {"tanggal_masuk_pkh": "2030-01-01"}, "tanggal_masuk_pkh"),
        (2, {"tanggal_lahir": "1974-05-11"}, "nik"),  # NIK says the 10th
        (2, {"jenis_kelamin": "P"}, "nik"),  # NIK of a man
        (2, {"jenis_kelamin": "X"}, "jenis_kelamin"),
        (2, {"nama": ""}, "nama"),
        (2, {"hubungan": "sepupu"}, "hubungan"),
        (2, {"hamil": "1", "perkiraan_lahir": "2027-02-01"}, "hamil"),  # a man
        (5, {"perkiraan_lahir": ""}, "perkiraan_lahir"),  # pregnant, no due date
        (8, {"jenjang_sekolah": "S1"}, "jenjang_sekolah"),
        (2, {"disabilitas_berat": "ya"}, "disabilitas_berat"),
        (2, {"tanggal_lahir": "31-02-1974"}, "tanggal_lahir"),
    ],
)
def test_each_wrong_cell_rejects_its_kpm_with_line_and_column(db, line, changes, column):
    rows = sample_rows()
    rows[line - 2].update(changes)

    report = run(to_csv(rows))

    assert (line, rows[line - 2]["kpm_id"], column) in where(report)
    assert report.kpm_rejected == 1
    assert report.kpm_created == 2


def test_school_level_is_case_insensitive(db):
    rows = sample_rows()
    rows[6]["jenjang_sekolah"] = "sd"

    assert run(to_csv(rows)).errors == []
    assert Anggota.objects.get(nama="Bayu Saputra").jenjang_sekolah == "SD"


def test_economic_assessment_needs_all_three_columns_filled(db):
    rows = sample_rows()
    for row in rows_of(rows, "KDR-000003"):
        row["tanggal_asesmen"] = ""

    report = run(to_csv(rows))

    assert where(report) == [(9, "KDR-000003", "tanggal_asesmen")]
    assert not EconomicAssessment.objects.exists()


def test_a_corrected_assessment_of_the_same_day_is_updated_not_duplicated(db):
    run(SAMPLE)
    rows = sample_rows()
    for row in rows_of(rows, "KDR-000003"):
        row["pendapatan_bulanan"] = "4500000"

    report = run(to_csv(rows))

    assert (report.assessments_created, report.assessments_updated) == (0, 1)
    assert EconomicAssessment.objects.get().household_income == 4_500_000


def test_dinsos_cannot_import_kpm_outside_their_kabupaten(world):
    report = run(SAMPLE, actor=world.dinsos_kab)  # Kabupaten Kediri; the sample is Kota Kediri

    assert report.kpm_rejected == 3
    desa_errors = [e for e in report.errors if e.column == "kode_desa"]
    assert [e.line for e in desa_errors] == [2, 5, 9]
    assert all("di luar kabupaten/kota Anda" in e.reason for e in desa_errors)
    # The NIK on line 3 belongs to KDR-OWN of Kota Kediri: not named to an outsider.
    nik_error = next(e for e in report.errors if e.column == "nik")
    assert (nik_error.line, "KDR-OWN" in nik_error.reason) == (3, False)
    assert not Kpm.objects.filter(kpm_id__startswith="KDR-0").exists()


def test_dinsos_imports_into_own_kabupaten_and_is_the_audited_actor(world):
    report = run(SAMPLE, actor=world.dinsos_kota)

    assert (report.kpm_created, report.kpm_rejected) == (2, 1)  # KDR-000001: NIK of KDR-OWN
    kpm = Kpm.objects.get(kpm_id="KDR-000002")
    assert AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(kpm.pk)).actor == (
        world.dinsos_kota
    )


def test_dinsos_cannot_move_a_kpm_of_another_kabupaten_into_theirs(world):
    rows = rows_of(sample_rows(), "KDR-000002")
    for row in rows:
        row["kpm_id"] = "KAB-OTHER"

    report = run(to_csv(rows), actor=world.dinsos_kota)

    assert where(report) == [(2, "KAB-OTHER", "kpm_id")]
    assert Kpm.objects.get(kpm_id="KAB-OTHER").kabupaten_code == "35.06"


def test_admin_imports_anywhere_and_other_roles_may_not_import(world):
    assert run(SAMPLE, actor=world.admin, dry_run=True).kpm_created == 2
    with pytest.raises(DomainError):
        run(SAMPLE, actor=world.pendamping_kota.user)
    with pytest.raises(DomainError):
        run(SAMPLE, actor=world.kementerian_national)


def test_import_in_small_chunks_gives_the_same_result_and_reports_progress(db, monkeypatch):
    monkeypatch.setattr(import_service, "CHUNK_ROWS", 2)
    seen: list[int] = []

    report = run(SAMPLE, progress=seen.append)

    assert (report.kpm_created, report.anggota_created) == (3, 11)
    assert seen == sorted(seen)
    assert seen[-1] == 11
    assert len(seen) == 3
    assert run(SAMPLE).kpm_unchanged == 3


def test_row_without_kpm_id_or_with_too_many_cells_is_reported(db):
    rows = sample_rows()
    rows[0]["kpm_id"] = ""
    text = to_csv(rows).decode().replace("Gg. Melati 3", "Gg. Melati 3,RT 1", 1)

    report = run(text.encode())

    assert (2, "", "kpm_id") in where(report)
    assert (9, "KDR-000003", "-") in where(report)
    assert report.kpm_rejected == 1  # KDR-000003; KDR-000001's other rows are sound


def test_command_imports_the_sample_then_reports_no_change(db):
    from io import StringIO

    from django.core.management import call_command

    first, second = StringIO(), StringIO()
    call_command("import_kpm", str(SAMPLE), stdout=first)
    call_command("import_kpm", str(SAMPLE), stdout=second)

    assert "KPM: 3 baru, 0 diubah, 0 tetap, 0 ditolak" in first.getvalue()
    assert "Anggota: 11 baru, 0 diubah, 0 tetap" in first.getvalue()
    assert "KPM: 0 baru, 0 diubah, 3 tetap, 0 ditolak" in second.getvalue()
    assert "Anggota: 0 baru, 0 diubah, 11 tetap" in second.getvalue()
    assert Kpm.objects.count() == 3


def test_command_names_each_error_by_line_and_still_imports_good_kpm(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    rows = sample_rows()
    rows[0]["nik"] = "3571011005740000"  # serial 0000
    for row in rows_of(rows, "KDR-000002"):
        row["kode_desa"] = "35.71.03.9999"
    rows[7]["pengurus"] = "1"
    good = dict(rows[8], kpm_id="KDR-000004", no_kk="3571021107090004", nik="3571024703860019")
    path = tmp_path / "salah.csv"
    path.write_bytes(to_csv([*rows, good]))
    out = StringIO()

    call_command("import_kpm", str(path), "--dry-run", stdout=out)
    call_command("import_kpm", str(path), stdout=out)

    text = out.getvalue()
    assert "Uji coba: tidak ada yang disimpan." in text
    assert "baris 2 (KPM KDR-000001, nik): 4 angka terakhir NIK tidak boleh 0000." in text
    assert "baris 5 (KPM KDR-000002, kode_desa): Kode desa '35.71.03.9999'" in text
    assert "baris 10 (KPM KDR-000003, pengurus): Pengurus lebih dari satu (baris 9, 10)" in text
    assert list(Kpm.objects.values_list("kpm_id", flat=True)) == ["KDR-000004"]


def test_command_refuses_an_unreadable_file(db, tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="tidak dapat dibaca"):
        call_command("import_kpm", str(tmp_path / "tidak-ada.csv"))
    with pytest.raises(CommandError, match="Kolom wajib tidak ada"):
        (tmp_path / "a.csv").write_text("kpm_id\nKDR-1\n")
        call_command("import_kpm", str(tmp_path / "a.csv"))
