"""A change to a member, a visit's economic assessment or a desil re-assesses that KPM once
the change commits (a Celery task; in-process in tests); a refused change re-assesses
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from graduasi.models import KpmAssessment
from kpm.importing import import_kpm_file
from kpm.models import Anggota, Kpm
from kpm.services.household import anggota_change_school, anggota_record_pregnancy
from pendamping.services.visits import visit_log
from tests.factories import AnggotaFactory
from tests.kpm.importing_helpers import SAMPLE
from wilayah.models import PovertyLine


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def status_of(kpm: Kpm) -> str | None:
    row = KpmAssessment.objects.filter(kpm=kpm).first()
    return row.status if row else None


def test_a_recorded_pregnancy_reassesses_the_kpm_after_commit(
    world, django_capture_on_commit_callbacks
):
    mother = world.kpm_own.anggota.get()  # the pengurus, 48 years old: no component
    world.kpm_own.pkh_entry_date = timezone.localdate() - timedelta(days=30)
    world.kpm_own.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        anggota_record_pregnancy(
            anggota=mother,
            actor=world.pendamping_kota.user,
            perkiraan_lahir=timezone.localdate() + timedelta(days=90),
        )

    assert len(callbacks) == 1
    row = KpmAssessment.objects.get(kpm=world.kpm_own)
    assert (row.status, row.component_count, row.yearly_benefit) == ("belum", 1, 3_000_000)


def test_a_school_change_moves_the_assessment(world, django_capture_on_commit_callbacks):
    child = AnggotaFactory.create(
        kpm=world.kpm_own, tanggal_lahir=timezone.localdate() - timedelta(days=365 * 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        anggota_change_school(anggota=child, actor=world.pendamping_kota.user, jenjang_sekolah="")
    assert status_of(world.kpm_own) == "alamiah"  # a 10-year-old out of school: no component

    with django_capture_on_commit_callbacks(execute=True):
        anggota_change_school(anggota=child, actor=world.pendamping_kota.user, jenjang_sekolah="SD")
    row = KpmAssessment.objects.get(kpm=world.kpm_own)
    assert (row.status, row.yearly_benefit) == ("tinjau", 900_000)  # in PKH since 2020


def test_a_refused_change_reassesses_nothing(world, django_capture_on_commit_callbacks):
    other = world.kpm_other_district.anggota.get()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DomainError),
    ):
        anggota_record_pregnancy(
            anggota=other,
            actor=world.pendamping_kota.user,  # not their KPM
            perkiraan_lahir=timezone.localdate() + timedelta(days=90),
        )
    assert callbacks == []
    assert not KpmAssessment.objects.exists()


def test_a_visit_with_an_economic_assessment_reassesses(world, django_capture_on_commit_callbacks):
    PovertyLine.objects.update_or_create(
        provinsi_id="35", valid_from=date(2020, 1, 1), defaults={"amount": 500_000, "source": "uji"}
    )
    AnggotaFactory(kpm=world.kpm_own, tanggal_lahir=timezone.localdate() - timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        visit_log(
            kpm=world.kpm_own,
            actor=world.pendamping_kota.user,
            visited_on=timezone.localdate(),
            purposes=["asesmen_graduasi"],
            assessment={"household_income": 1_000_000, "member_count": 2, "stable_income": True},
        )
    assert len(callbacks) == 1
    row = KpmAssessment.objects.get(kpm=world.kpm_own)
    income = next(r for r in row.reasons if r["status"] == "sejahtera" and "line" in r["values"])
    assert income["code"] == "income_at_or_above_line"
    assert row.status == "sejahtera"


def test_a_visit_without_an_assessment_reassesses_nothing(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        visit_log(
            kpm=world.kpm_own,
            actor=world.pendamping_kota.user,
            visited_on=timezone.localdate(),
            purposes=["verifikasi_komitmen"],
        )
    assert callbacks == []


def test_an_import_reassesses_the_kpm_it_touched_and_a_reimport_none(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_kpm_file(SAMPLE)
    imported = set(Kpm.objects.values_list("pk", flat=True))
    assert len(callbacks) == 1
    assert set(KpmAssessment.objects.values_list("kpm_id", flat=True)) == imported

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_kpm_file(SAMPLE)
    assert callbacks == []
    assert Anggota.objects.filter(kpm_id__in=imported).exists()


def test_an_admin_edit_of_the_desil_reassesses_the_kpm(
    client, world, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.audit.test_admin_audit import change_form_data

    client.force_login(world.admin)
    url = reverse("admin:kpm_kpm_change", args=[world.kpm_own.pk])
    data = change_form_data(client.get(url))
    data["desil"] = "6"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302
    row = KpmAssessment.objects.get(kpm=world.kpm_own)
    desil = next(r for r in row.reasons if r["code"].startswith("desil"))
    assert desil["code"] == "desil_above_ceiling" and desil["values"]["desil"] == 6
