"""Logging a home visit: one transaction writes the visit, the assessment, the KPM's last visit
and their audit rows; a refused visit writes nothing; a replayed key stores one visit."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from kpm.models import KpmStatus
from pendamping.models import AssessmentSource, BusinessStatus, EconomicAssessment, Visit
from pendamping.services.visits import photo_kind, visit_log
from tests.factories import AnggotaFactory

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def today() -> date:
    return timezone.localdate()


def log(world, **overrides):
    arguments = {
        "kpm": world.kpm_own,
        "actor": world.pendamping_kota.user,
        "visited_on": today(),
        "purposes": ["verifikasi_komitmen"],
        "notes": "Anak sekolah rutin.",
    }
    return visit_log(**{**arguments, **overrides})


def audit_of(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


def test_a_visit_is_stored_with_its_pendamping_and_audited(world):
    visit = log(world, latitude="-7.816895", longitude="112.011864", accuracy="14.6")

    assert visit.kpm == world.kpm_own
    assert visit.pendamping == world.pendamping_kota
    assert visit.created_by == world.pendamping_kota.user
    assert visit.purposes == ["verifikasi_komitmen"]
    assert (visit.latitude, visit.longitude) == (Decimal("-7.816895"), Decimal("112.011864"))
    assert visit.location_accuracy_m == 15
    [event] = audit_of(visit)
    assert event.action == "create"
    assert event.actor == world.pendamping_kota.user
    assert event.changes["visited_on"] == [None, today().isoformat()]
    assert event.changes["notes"] == [None, "Anak sekolah rutin."]
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.last_visit_on == today()
    [kpm_event] = audit_of(world.kpm_own)
    assert kpm_event.actor == world.pendamping_kota.user
    assert kpm_event.changes == {"last_visit_on": [None, today().isoformat()]}


def test_a_dinsos_officer_logs_a_visit_for_the_kpm_pendamping(world):
    visit = log(world, actor=world.dinsos_kota)

    assert visit.pendamping == world.pendamping_kota
    assert visit.created_by == world.dinsos_kota
    assert audit_of(visit)[0].actor == world.dinsos_kota


def test_the_assessment_is_linked_to_the_visit_and_counts_active_members_by_default(world):
    AnggotaFactory.create(kpm=world.kpm_own, jenis_kelamin="L", hubungan="suami")
    AnggotaFactory.create(kpm=world.kpm_own, status="pindah", hubungan="anak")

    visit = log(
        world,
        assessment={
            "household_income": 1_500_000,
            "member_count": None,
            "stable_income": True,
            "business_status": BusinessStatus.RUNNING,
            "housing_condition": "Semi permanen",
        },
    )

    assessment = EconomicAssessment.objects.get()
    assert assessment.visit == visit
    assert assessment.kpm == world.kpm_own
    assert assessment.source == AssessmentSource.VISIT
    assert assessment.created_by == world.pendamping_kota.user
    assert assessment.assessed_on == today()
    assert assessment.member_count == 2  # the member who moved out is not counted
    assert assessment.income_per_member == 750_000
    [event] = audit_of(assessment)
    assert event.actor == world.pendamping_kota.user
    assert event.changes["household_income"] == [None, 1_500_000]
    assert event.changes["visit_id"] == [None, visit.pk]


def test_a_given_member_count_is_kept(world):
    log(world, assessment={"household_income": 900_000, "member_count": 4, "stable_income": False})

    assert EconomicAssessment.objects.get().income_per_member == 225_000


@pytest.mark.parametrize(
    ("content", "name", "extension"),
    [(JPEG, "IMG_0001.JPG", ".jpg"), (PNG, "rumah.png", ".png"), (WEBP, "r.webp", ".webp")],
)
def test_a_photo_is_stored_under_a_new_name_with_its_kind(world, content, name, extension):
    visit = log(world, photo=SimpleUploadedFile(name, content))

    assert visit.photo.name.startswith("kunjungan/")
    assert visit.photo.name.endswith(extension)
    assert "IMG_0001" not in visit.photo.name
    with visit.photo.open("rb") as stored:
        assert stored.read() == content
    assert audit_of(visit)[0].changes["photo"] == [None, visit.photo.name]


def test_photo_kind_reads_the_first_bytes():
    assert [photo_kind(b[:12]) for b in (JPEG, PNG, WEBP, PDF)] == [".jpg", ".png", ".webp", None]


def _refused(world, match: str, **overrides) -> None:
    with pytest.raises(DomainError, match=match):
        log(world, **overrides)
    assert not Visit.objects.exists()
    assert not EconomicAssessment.objects.exists()
    assert not AuditEvent.objects.exists()
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.last_visit_on is None


def test_a_visit_in_the_future_is_refused(world):
    _refused(world, "sesudah hari ini", visited_on=today() + timedelta(days=1))


def test_a_visit_before_the_kpm_entered_pkh_is_refused(world):
    _refused(world, "sebelum KPM masuk PKH", visited_on=date(2019, 12, 31))


def test_a_visit_without_a_purpose_is_refused(world):
    _refused(world, "paling sedikit satu tujuan", purposes=[])


def test_an_unknown_purpose_is_refused(world):
    _refused(world, "tidak dikenal", purposes=["arisan"])


def test_a_pdf_renamed_jpg_is_refused_by_its_content(world):
    _refused(world, "bukan foto", photo=SimpleUploadedFile("foto.jpg", PDF))


def test_a_file_with_another_extension_is_refused(world):
    _refused(world, "JPG, PNG atau WebP", photo=SimpleUploadedFile("foto.gif", JPEG))


def test_a_photo_over_5_mb_is_refused(world):
    big = JPEG + b"\x00" * (6 * 1024 * 1024)
    _refused(world, "terlalu besar", photo=SimpleUploadedFile("besar.jpg", big))


def test_half_a_location_is_refused(world):
    _refused(world, "Lokasi", latitude="-7.8", longitude=None)


def test_a_location_out_of_range_is_refused(world):
    _refused(world, "di luar jangkauan", latitude="-97.8", longitude="112.0")


def test_a_negative_income_is_refused(world):
    _refused(
        world,
        "0 atau lebih",
        assessment={"household_income": -1, "member_count": 3, "stable_income": True},
    )


def test_an_assessment_without_stable_income_answer_is_refused(world):
    _refused(
        world,
        "penghasilannya tetap",
        assessment={"household_income": 100, "member_count": 3, "stable_income": None},
    )


def test_a_pendamping_cannot_log_a_visit_outside_their_caseload(world):
    _refused(world, "tidak berwenang", actor=world.pendamping_kota_other.user)


def test_a_ministry_user_who_sees_the_kpm_cannot_log_a_visit(world):
    _refused(world, "tidak berwenang", actor=world.kementerian_jatim)


def test_an_exited_kpm_gets_no_new_visit(world):
    world.kpm_own.status = KpmStatus.EXITED
    world.kpm_own.save()
    _refused(world, "sudah keluar")


def test_a_replayed_key_returns_the_first_visit_and_writes_nothing_more(world):
    key = uuid.uuid4()
    first = log(world, idempotency_key=key)
    events = AuditEvent.objects.count()

    again = [log(world, idempotency_key=key, notes="kirim ulang") for _ in range(2)]

    assert [v.pk for v in again] == [first.pk, first.pk]
    assert Visit.objects.count() == 1
    assert Visit.objects.get().notes == "Anak sekolah rutin."
    assert AuditEvent.objects.count() == events


def test_a_key_used_for_another_kpm_is_refused(world):
    key = uuid.uuid4()
    log(world, idempotency_key=key)

    with pytest.raises(DomainError, match="KPM lain"):
        log(world, kpm=world.kpm_graduated, idempotency_key=key)
    assert Visit.objects.count() == 1


def test_last_visit_moves_only_forward(world):
    recent, older = today() - timedelta(days=3), today() - timedelta(days=30)
    log(world, visited_on=recent)

    log(world, visited_on=older)

    world.kpm_own.refresh_from_db()
    assert world.kpm_own.last_visit_on == recent
    assert len(audit_of(world.kpm_own)) == 1
    log(world, visited_on=today())
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.last_visit_on == today()
    assert audit_of(world.kpm_own)[0].changes == {
        "last_visit_on": [recent.isoformat(), today().isoformat()]
    }


def test_a_graduated_family_can_still_be_visited(world):
    visit = log(world, kpm=world.kpm_graduated)

    assert visit.kpm == world.kpm_graduated
