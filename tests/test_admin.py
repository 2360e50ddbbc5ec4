"""Every admin page loads for the superuser, lists cost a fixed number of queries, NIK is masked."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from kpm.models import (
    Anggota,
    DesilHistory,
    EnrolmentCandidate,
    EnrolmentProposal,
    FundedQuota,
    KpmStatus,
)
from kpm.rules import mask_nik
from pemberdayaan.models import FollowUp, Programme, Referral
from pendamping.models import EconomicAssessment, Submission, SubmissionKind
from pengguna.models import Notice
from tests.conftest import DESA_KOTA_KEDIRI, make_kpm
from wilayah.models import PovertyLine

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
PROJECT_APPS = ("audit", "wilayah", "pengguna", "kpm", "pendamping", "graduasi", "pemberdayaan")
# Every model of the project's own apps, so a new model without an admin fails this test.
EXPECTED = {
    (model._meta.app_label, model._meta.model_name)
    for label in PROJECT_APPS
    for model in apps.get_app_config(label).get_models()
}


@pytest.fixture
def full_world(world):
    """The world plus one row of every model that it does not already have."""
    DesilHistory.objects.create(
        kpm=world.kpm_own, desil=2, recorded_on=date(2025, 3, 1), source="import"
    )
    EconomicAssessment.objects.create(
        kpm=world.kpm_own,
        assessed_on=date(2025, 6, 1),
        household_income=2_000_000,
        member_count=4,
        stable_income=True,
        source="kunjungan",
    )
    PovertyLine.objects.get_or_create(
        provinsi_id="35", valid_from=date(2019, 9, 1), defaults={"amount": 400_000, "source": "uji"}
    )
    AuditEvent.objects.create(
        actor_label="sistem", action="create", object_type="kpm.kpm", object_id="1"
    )
    world.pendamping_kota.desa_served.add(DESA_KOTA_KEDIRI)
    _graduation_rows(world)
    return world


def _graduation_rows(world) -> None:
    """A referral and follow-up of the graduated KPM, a notice, a quota and an enrolment."""
    kpm = world.kpm_graduated
    Referral.objects.create(
        kpm=kpm, programme=Programme.objects.get(code="ppse"), consent_on=date(2026, 1, 5),
        consent_by=world.pendamping_kota.user, created_by=world.dinsos_kota,
    )  # fmt: skip
    FollowUp.objects.create(kpm=kpm, months_after=6, due_on=date(2026, 7, 5))
    Submission.objects.create(
        key=uuid.uuid4(), kind=SubmissionKind.COMMITMENT, actor=world.pendamping_kota.user,
        kpm=world.kpm_own, month=date(2026, 10, 1), written=1,
    )  # fmt: skip
    Notice.objects.create(user=world.pendamping_kota.user, message="Usulan disetujui.")
    FundedQuota.objects.create(kabupaten_id="35.71", valid_from=date(2026, 1, 1), funded_kpm=10)
    waiting = make_kpm("KDR-TUNGGU", DESA_KOTA_KEDIRI, None, status=KpmStatus.WAITING)
    enrolment = EnrolmentProposal.objects.create(
        kabupaten_id="35.71", proposed_by=world.dinsos_kota
    )
    EnrolmentCandidate.objects.create(
        proposal=enrolment, kpm=waiting, rank=1, desil=1, waiting_since=date(2026, 2, 1)
    )


@pytest.fixture
def superuser_client(client, world):
    client.force_login(world.admin)
    return client


def test_every_case_and_reference_model_is_registered():
    assert set(REGISTERED) >= EXPECTED


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_changelist_and_first_change_page_load(superuser_client, full_world, app_label, model_name):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = superuser_client.get(changelist)
    assert response.status_code == 200

    first = response.context["cl"].result_list[:1]
    if first:
        change = reverse(f"admin:{app_label}_{model_name}_change", args=[first[0].pk])
        assert superuser_client.get(change).status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_search_and_filters_answer(superuser_client, full_world, app_label, model_name):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = superuser_client.get(changelist, {"q": "35"})
    assert response.status_code == 200


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _more_kpm(world, count: int) -> None:
    for i in range(count):
        make_kpm(
            f"KDR-X{i:03d}",
            DESA_KOTA_KEDIRI,
            world.pendamping_kota_other,
            pengurus_nik=f"357101580878{i + 100:04d}",
        )


@pytest.mark.parametrize("model_name", ["kpm", "anggota"])
def test_kpm_and_anggota_lists_cost_the_same_queries_for_more_rows(
    superuser_client, world, model_name
):
    url = reverse(f"admin:kpm_{model_name}_changelist")
    few = _queries_for(superuser_client, url)
    _more_kpm(world, 30)
    many = _queries_for(superuser_client, url)
    assert many == few
    assert many <= 12


def test_anggota_list_masks_nik_and_change_form_shows_it(superuser_client, world):
    member = Anggota.objects.get(nik="3571015808780002")
    listing = superuser_client.get(reverse("admin:kpm_anggota_changelist")).content.decode()
    assert member.nik not in listing
    assert mask_nik(member.nik) in listing

    change = reverse("admin:kpm_anggota_change", args=[member.pk])
    assert member.nik in superuser_client.get(change).content.decode()


def test_kpm_list_filters_by_province_and_status(superuser_client, world):
    url = reverse("admin:kpm_kpm_changelist")

    def ids(**params: str) -> set[str]:
        response = superuser_client.get(url, params)
        return {k.kpm_id for k in response.context["cl"].result_list}

    assert ids(provinsi="35") == {"KDR-OWN", "KDR-SAME", "KAB-OTHER", "KDR-GRAD"}
    assert ids(provinsi="32") == set()
    assert ids(status="graduasi") == {"KDR-GRAD"}


def test_desa_autocomplete_finds_a_village_by_name(superuser_client, world):
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "kpm", "model_name": "kpm", "field_name": "desa", "term": "Bandar Lor"},
    )
    assert response.status_code == 200
    assert "35.71.01.1001" in {r["id"] for r in response.json()["results"]}


def test_staff_without_permissions_cannot_change_kpm(client, world):
    world.dinsos_kota.is_staff = True
    world.dinsos_kota.save()
    client.force_login(world.dinsos_kota)
    assert client.get(reverse("admin:kpm_kpm_changelist")).status_code == 403
