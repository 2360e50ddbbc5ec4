"""The import pages: upload, check report, confirm; who may see which job; the async path."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpm.models import ImportJob, ImportStatus, Kpm
from tests.kpm.importing_helpers import SAMPLE, rows_of, sample_rows, to_csv


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, content: bytes = b"", name: str = "kpm.csv"):
    data = content or SAMPLE.read_bytes()
    return client.post(reverse("kpm:import_upload"), {"file": SimpleUploadedFile(name, data)})


def job_url(name: str, job: ImportJob) -> str:
    return reverse(f"kpm:{name}", args=[job.pk])


def test_dinsos_uploads_sees_the_check_report_then_confirms(client, world):
    client.force_login(world.dinsos_kota)

    response = upload(client)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url("import_detail", job)
    assert (job.status, job.row_count, job.uploaded_by) == (
        ImportStatus.AWAITING, 11, world.dinsos_kota,
    )  # fmt: skip
    assert not Kpm.objects.filter(kpm_id__startswith="KDR-0").exists()  # nothing saved yet
    response = client.get(job_url("import_detail", job))
    page = response.content.decode()
    assert "Hasil pemeriksaan (belum disimpan)" in page
    assert "Simpan 2 KPM" in page
    assert "1 KPM ditolak" in page
    assert [(e.line, e.kpm_id, e.column) for e in response.context["errors"]] == [
        (3, "KDR-000001", "nik")  # the NIK of KDR-OWN
    ]
    assert "sudah terdaftar sebagai anggota KPM KDR-OWN" in page

    response = client.post(job_url("import_confirm", job), follow=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.report["kpm_created"] == 2
    assert set(Kpm.objects.filter(kpm_id__startswith="KDR-0").values_list("kpm_id", flat=True)) == {
        "KDR-000002", "KDR-000003",
    }  # fmt: skip
    assert "Impor selesai." in response.content.decode()
    assert "Hasil impor" in response.content.decode()


def test_confirming_twice_imports_once(client, world):
    client.force_login(world.admin)
    upload(client)
    job = ImportJob.objects.get()
    client.post(job_url("import_confirm", job))

    response = client.post(job_url("import_confirm", job), follow=True)

    assert "sudah dijalankan atau dibatalkan" in response.content.decode()


def test_cancelled_import_saves_nothing_and_cannot_be_confirmed(client, world):
    client.force_login(world.dinsos_kota)
    upload(client)
    job = ImportJob.objects.get()

    client.post(job_url("import_cancel", job))
    client.post(job_url("import_confirm", job))

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not Kpm.objects.filter(kpm_id__startswith="KDR-0").exists()


@pytest.mark.parametrize("persona", ["pendamping", "kementerian_national", "agency"])
def test_other_roles_find_no_import_pages(client, world, persona):
    user = world.pendamping_kota.user if persona == "pendamping" else getattr(world, persona)
    job = ImportJob.objects.create(uploaded_by=world.dinsos_kota, file="x.csv", original_name="x")
    client.force_login(user)

    assert client.get(reverse("kpm:import_upload")).status_code == 404
    assert upload(client).status_code == 404
    assert client.get(job_url("import_detail", job)).status_code == 404
    assert client.post(job_url("import_confirm", job)).status_code == 404
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("kpm:import_upload"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_dinsos_officer_cannot_see_or_run_another_officers_job(client, world):
    client.force_login(world.dinsos_kota)
    upload(client)
    job = ImportJob.objects.get()
    client.force_login(world.dinsos_kab)

    for name in ("import_detail", "import_progress", "import_errors_csv"):
        assert client.get(job_url(name, job)).status_code == 404
    for name in ("import_confirm", "import_cancel"):
        assert client.post(job_url(name, job)).status_code == 404
    assert "kpm.csv" not in client.get(reverse("kpm:import_upload")).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.AWAITING


def test_admin_sees_every_officers_job(client, world):
    client.force_login(world.dinsos_kota)
    upload(client)
    client.force_login(world.admin)

    assert client.get(job_url("import_detail", ImportJob.objects.get())).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kpm.xlsx", b"PK\x03\x04 not a csv", "Hanya berkas .csv yang diterima"),
        ("kpm.csv", b"", "Berkas kosong"),
        ("kpm.csv", b"PK\x03\x04\x00\x00", "bukan berkas CSV"),
        ("kpm.csv", b"kpm_id,nama\nKDR-1,Sutrisno\n", "Kolom wajib tidak ada: no_kk"),
    ],
)
def test_a_file_that_cannot_be_imported_gets_an_indonesian_error_and_nothing_is_kept(
    client, world, tmp_path, name, content, message
):
    client.force_login(world.dinsos_kota)

    response = client.post(
        reverse("kpm:import_upload"), {"file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_no_file_chosen_is_an_error(client, world):
    client.force_login(world.dinsos_kota)

    response = client.post(reverse("kpm:import_upload"), {})

    assert "Pilih berkas CSV" in response.content.decode()


def test_error_table_shows_each_error_with_its_line_and_can_be_downloaded(client, world):
    rows = sample_rows()
    for row in rows_of(rows, "KDR-000002"):  # lines 5-8; reported once, on its first line
        row["desil"] = "0"
    client.force_login(world.admin)
    upload(client, to_csv(rows))
    job = ImportJob.objects.get()

    response = client.get(job_url("import_detail", job))
    download = client.get(job_url("import_errors_csv", job)).content.decode("utf-8-sig")

    shown = [(e.line, e.kpm_id, e.column) for e in response.context["errors"]]
    assert shown == [(3, "KDR-000001", "nik"), (5, "KDR-000002", "desil")]
    assert 'data-label="Baris">5</td>' in response.content.decode()
    assert "Desil harus angka 1 sampai 10, bukan &#x27;0&#x27;." in response.content.decode()
    assert download.splitlines()[0] == "baris,kpm_id,kolom,alasan"
    assert (
        download.splitlines()[2]
        == "5,KDR-000002,desil,\"Desil harus angka 1 sampai 10, bukan '0'.\""
    )


def test_large_file_runs_as_a_task_and_the_progress_partial_reports_it_done(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.KPM_IMPORT_ASYNC_ROWS = 5
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):  # the check, also a task here
        upload(client)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.AWAITING

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(job_url("import_confirm", job))
    job.refresh_from_db()
    assert (job.status, len(callbacks)) == (ImportStatus.RUNNING, 1)
    running = client.get(job_url("import_detail", job)).content.decode()
    assert 'hx-trigger="every 2s"' in running
    assert "vendor/htmx.min.js" in running

    callbacks[0]()  # the worker's turn: Celery runs in-process in tests

    job.refresh_from_db()
    assert (job.status, job.progress, job.report["kpm_created"]) == (ImportStatus.DONE, 11, 2)
    partial = client.get(job_url("import_progress", job), headers={"HX-Request": "true"})
    assert partial["HX-Refresh"] == "true"
    assert "Impor Selesai." in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()


def test_sample_file_can_be_downloaded_by_an_importer(client, world):
    client.force_login(world.dinsos_kota)

    response = client.get(reverse("kpm:import_sample"))

    assert b"".join(response.streaming_content) == SAMPLE.read_bytes()
