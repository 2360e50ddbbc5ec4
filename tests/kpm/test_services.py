"""Caseload assignment: one transaction with its audit row; refusals write nothing."""

import pytest

from audit.context import request_id
from audit.models import AuditEvent
from config.errors import DomainError
from kpm.services import kpm_assign


def test_assign_moves_kpm_and_records_who_did_it_in_which_request(world):
    token = request_id.set("req-123")
    try:
        kpm = kpm_assign(
            kpm=world.kpm_own, pendamping=world.pendamping_kota_other, actor=world.dinsos_kota
        )
    finally:
        request_id.reset(token)
    assert kpm.pendamping == world.pendamping_kota_other
    event = AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(kpm.pk))
    assert event.actor == world.dinsos_kota
    assert event.request_id == "req-123"
    assert event.changes == {
        "pendamping_id": [world.pendamping_kota.pk, world.pendamping_kota_other.pk]
    }


def test_assign_to_pendamping_of_another_kabupaten_is_refused(world):
    with pytest.raises(DomainError, match="kabupaten/kota lain"):
        kpm_assign(kpm=world.kpm_own, pendamping=world.pendamping_kab, actor=world.dinsos_kota)
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.pendamping == world.pendamping_kota
    assert not AuditEvent.objects.exists()


def test_assign_to_inactive_pendamping_is_refused(world):
    world.pendamping_kota_other.is_active = False
    world.pendamping_kota_other.save()
    with pytest.raises(DomainError, match="tidak aktif"):
        kpm_assign(
            kpm=world.kpm_own, pendamping=world.pendamping_kota_other, actor=world.dinsos_kota
        )


def test_assigning_the_same_pendamping_writes_nothing(world):
    kpm_assign(kpm=world.kpm_own, pendamping=world.pendamping_kota, actor=world.dinsos_kota)
    assert not AuditEvent.objects.exists()
