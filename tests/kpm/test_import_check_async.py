"""A large upload is kept at once and checked by a task, so the upload request stays short."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpm.importing.jobs import count_data_rows, import_job_cancel, import_job_confirm
from kpm.models import ImportJob, ImportStatus, Kpm
from pengguna.models import Role
from tests.conftest import make_user
from tests.kpm.importing_helpers import SAMPLE


@pytest.fixture(autouse=True)
def _large_means_more_than_one_row(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KPM_IMPORT_ASYNC_ROWS = 1


def upload(client, data: bytes = b"", name: str = "kpm.csv"):
    data = data or SAMPLE.read_bytes()
    return client.post(reverse("kpm:import_upload"), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def tasks_queued(monkeypatch):
    """Celery no longer runs tasks in-process; sending import_check records its job instead."""
    from config.celery import app
    from kpm import tasks

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    calls: list[int] = []
    monkeypatch.setattr(
        tasks.import_check, "apply_async", lambda args=(), **_: calls.append(args[0])
    )
    return calls


def test_data_rows_are_counted_from_the_bytes():
    assert count_data_rows(SAMPLE.read_bytes()) == 11
    assert count_data_rows(b"kpm_id,nama\nA,B") == 1
    assert count_data_rows(b"kpm_id,nama\r\nA,B\r\nC,D\r\n") == 2
    assert count_data_rows(b"kpm_id,nama\n") == 0
    assert count_data_rows(b"") == 0


@pytest.mark.django_db
def test_large_upload_is_checked_by_the_task_then_awaits_confirmation(
    client, django_capture_on_commit_callbacks
):
    officer = make_user("admin_impor", Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client)

    job = ImportJob.objects.get()
    assert len(callbacks) == 1
    assert response["Location"] == reverse("kpm:import_detail", args=[job.pk])
    assert (job.status, job.row_count) == (ImportStatus.AWAITING, 11)
    assert (job.report["kpm_created"], job.report["kpm_rejected"]) == (3, 0)
    assert not Kpm.objects.filter(kpm_id__startswith="KDR-0").exists()  # a check saves nothing
    page = client.get(reverse("kpm:import_detail", args=[job.pk])).content.decode()
    assert "Hasil pemeriksaan (belum disimpan)" in page
    assert "Simpan 3 KPM" in page
    assert "sedang diperiksa" not in page


def test_while_the_check_is_queued_the_page_waits_and_nothing_can_be_confirmed(
    client, world, tasks_queued, django_capture_on_commit_callbacks
):
    client.force_login(world.dinsos_kota)

    with django_capture_on_commit_callbacks(execute=True):
        upload(client)

    job = ImportJob.objects.get()
    assert tasks_queued == [job.pk]
    assert (job.status, job.row_count, job.report) == (ImportStatus.CHECKING, 11, {})
    detail = reverse("kpm:import_detail", args=[job.pk])
    page = client.get(detail).content.decode()
    assert "Berkas sedang diperiksa…" in page
    assert 'hx-trigger="every 2s"' in page
    assert "vendor/htmx.min.js" in page
    assert "Simpan" not in page
    partial = client.get(
        reverse("kpm:import_progress", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert "HX-Refresh" not in partial
    assert "Berkas sedang diperiksa…" in partial.content.decode()

    response = client.post(reverse("kpm:import_confirm", args=[job.pk]), follow=True)

    assert "masih diperiksa" in response.content.decode()
    client.post(reverse("kpm:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING
    for refused in (import_job_confirm, import_job_cancel):
        with pytest.raises(Exception, match="masih diperiksa"):
            refused(job=job)

    from kpm.tasks import import_check

    assert import_check.run(job.pk) == ImportStatus.AWAITING  # the worker's turn
    partial = client.get(
        reverse("kpm:import_progress", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert partial["HX-Refresh"] == "true"
    assert "Simpan 2 KPM" in client.get(detail).content.decode()


def test_a_large_file_that_is_not_utf8_ends_failed_with_an_indonesian_message(
    client, world, django_capture_on_commit_callbacks
):
    data = SAMPLE.read_bytes() + "KDR-000009,Ibu Rukmini Sökarno\n".encode("cp1252")
    client.force_login(world.dinsos_kota)

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.finished_at is not None
    assert "Berkas bukan teks UTF-8 (huruf tidak terbaca di baris 13)" in job.report["failure"]
    page = client.get(reverse("kpm:import_detail", args=[job.pk])).content.decode()
    assert "Berkas bukan teks UTF-8" in page
    assert reverse("kpm:import_confirm", args=[job.pk]) not in page
    assert "sedang diperiksa" not in page


def test_a_small_file_is_still_checked_in_the_request(client, world, settings):
    settings.KPM_IMPORT_ASYNC_ROWS = 11
    client.force_login(world.dinsos_kota)

    upload(client)

    assert ImportJob.objects.get().status == ImportStatus.AWAITING
