"""Dinsos bulk reassignment from the caseload: all or nothing, one audit row per KPM, and only
Dinsos officers and admins may do it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from config.errors import DomainError
from kpm.models import Kpm
from kpm.services.caseload import kpm_reassign_bulk
from tests.conftest import make_pendamping

REASSIGN = reverse("kpm:reassign")
CASELOAD = reverse("kpm:caseload")


def pendamping_of(*kpm: Kpm) -> list[int | None]:
    return [Kpm.objects.get(pk=k.pk).pendamping_id for k in kpm]


def post(client, kpm_ids: list[str], pendamping, kembali: str = ""):
    data = {"kpm_ids": kpm_ids, "pendamping": getattr(pendamping, "pk", pendamping)}
    return client.post(REASSIGN, {**data, "kembali": kembali})


def test_dinsos_moves_ticked_kpm_and_the_new_pendamping_sees_them(client, world):
    client.force_login(world.dinsos_kota)
    target = world.pendamping_kota_other

    response = post(client, ["KDR-OWN", "KDR-GRAD"], target, kembali="status=aktif&q=kdr")

    assert response.status_code == 302
    assert response["Location"] == f"{CASELOAD}?status=aktif&q=kdr"
    assert pendamping_of(world.kpm_own, world.kpm_graduated) == [target.pk, target.pk]
    events = AuditEvent.objects.filter(object_type="kpm.kpm").order_by("object_id")
    assert [(e.object_id, e.actor, e.changes) for e in events] == [
        (str(k.pk), world.dinsos_kota, {"pendamping_id": [world.pendamping_kota.pk, target.pk]})
        for k in sorted([world.kpm_own, world.kpm_graduated], key=lambda k: k.pk)
    ]
    page = client.get(CASELOAD).content.decode()
    assert "2 KPM dipindahkan ke Pendamping_Kota_Lain." in page

    client.force_login(target.user)
    rows = client.get(CASELOAD).context["rows"]
    assert [r.kpm.kpm_id for r in rows] == ["KDR-GRAD", "KDR-OWN", "KDR-SAME"]
    client.force_login(world.pendamping_kota.user)
    assert client.get(CASELOAD).context["rows"] == []


def test_a_kpm_out_of_the_officers_region_refuses_the_whole_move(client, world):
    client.force_login(world.dinsos_kota)

    response = post(client, ["KDR-OWN", "KAB-OTHER"], world.pendamping_kota_other)

    assert response.status_code == 400
    page = response.content.decode()
    assert "KPM berikut tidak ditemukan di wilayah Anda: KAB-OTHER" in page
    assert "Tidak ada yang dipindah" in page
    assert pendamping_of(world.kpm_own, world.kpm_other_district) == [
        world.pendamping_kota.pk,
        world.pendamping_kab.pk,
    ]
    assert not AuditEvent.objects.exists()
    # What was ticked and chosen is kept on the page.
    assert 'value="KDR-OWN" checked' in page
    form = response.context["reassign_form"]
    assert form["pendamping"].value() == str(world.pendamping_kota_other.pk)


def test_a_pendamping_of_another_kabupaten_is_not_a_choice(client, world):
    client.force_login(world.dinsos_kota)
    response = post(client, ["KDR-OWN"], world.pendamping_kab)
    assert response.status_code == 400
    assert "Pendamping itu tidak ada di wilayah Anda atau tidak aktif." in (
        response.content.decode()
    )
    assert pendamping_of(world.kpm_own) == [world.pendamping_kota.pk]


def test_an_inactive_pendamping_is_not_a_choice(client, world):
    world.pendamping_kota_other.is_active = False
    world.pendamping_kota_other.save()
    client.force_login(world.dinsos_kota)
    response = post(client, ["KDR-OWN"], world.pendamping_kota_other)
    assert response.status_code == 400
    assert pendamping_of(world.kpm_own) == [world.pendamping_kota.pk]


def test_nothing_ticked_is_explained(client, world):
    client.force_login(world.dinsos_kota)
    response = post(client, [], world.pendamping_kota_other)
    assert response.status_code == 400
    assert "Centang paling sedikit satu KPM di daftar." in response.content.decode()


def test_no_pendamping_chosen_is_explained(client, world):
    client.force_login(world.dinsos_kota)
    response = post(client, ["KDR-OWN"], "")
    assert response.status_code == 400
    assert "Pilih pendamping tujuan." in response.content.decode()


@pytest.mark.parametrize("persona", ["pendamping_kota", "kementerian_jatim", "agency"])
def test_other_roles_may_not_reassign(client, world, persona):
    who = getattr(world, persona)
    client.force_login(getattr(who, "user", who))
    response = post(client, ["KDR-OWN"], world.pendamping_kota_other)
    assert response.status_code == 403
    assert pendamping_of(world.kpm_own) == [world.pendamping_kota.pk]


def test_anonymous_is_sent_to_sign_in(client, world):
    response = post(client, ["KDR-OWN"], world.pendamping_kota_other)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert pendamping_of(world.kpm_own) == [world.pendamping_kota.pk]


def test_get_is_not_allowed(client, world):
    client.force_login(world.dinsos_kota)
    assert client.get(REASSIGN).status_code == 405


def test_admin_may_reassign(client, world):
    client.force_login(world.admin)
    response = post(client, ["KAB-OTHER"], make_pendamping("pendamping_kab_2", "35.06"))
    assert response.status_code == 302
    moved = Kpm.objects.select_related("pendamping__user").get(kpm_id="KAB-OTHER")
    assert moved.pendamping is not None
    assert moved.pendamping.user.username == "pendamping_kab_2"


def test_the_return_address_cannot_leave_the_caseload(client, world):
    client.force_login(world.dinsos_kota)
    response = post(client, ["KDR-OWN"], world.pendamping_kota_other, kembali="//evil.example/x")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{CASELOAD}?")
    assert "evil.example/" not in response["Location"].split("?")[0]


def test_the_caseload_offers_ticks_and_pendamping_only_to_dinsos(client, world):
    client.force_login(world.dinsos_kota)
    page = client.get(CASELOAD).content.decode()
    assert 'name="kpm_ids" value="KDR-OWN"' in page
    assert f'action="{REASSIGN}"' in page
    client.force_login(world.pendamping_kota.user)
    page = client.get(CASELOAD).content.decode()
    assert 'name="kpm_ids"' not in page
    assert f'action="{REASSIGN}"' not in page


# --- the service -------------------------------------------------------------------------


def test_service_keeps_the_same_kabupaten_rule_for_admins(world):
    with pytest.raises(DomainError, match="kabupaten/kota lain"):
        kpm_reassign_bulk(
            kpm_ids=["KDR-OWN", "KAB-OTHER"], pendamping=world.pendamping_kab, actor=world.admin
        )
    assert pendamping_of(world.kpm_own, world.kpm_other_district) == [
        world.pendamping_kota.pk,
        world.pendamping_kab.pk,
    ]
    assert not AuditEvent.objects.exists()


def test_service_refuses_a_pendamping_actor(world):
    with pytest.raises(DomainError) as refused:
        kpm_reassign_bulk(
            kpm_ids=["KDR-OWN"], pendamping=world.pendamping_kota_other,
            actor=world.pendamping_kota.user,
        )  # fmt: skip
    assert refused.value.code == "forbidden"


def test_service_writes_nothing_for_kpm_already_with_that_pendamping(world):
    moved = kpm_reassign_bulk(
        kpm_ids=["KDR-OWN", "KDR-SAME", "KDR-OWN"],
        pendamping=world.pendamping_kota,
        actor=world.dinsos_kota,
    )
    assert moved == 1  # only KDR-SAME changed; the repeated id counts once
    assert AuditEvent.objects.count() == 1
    assert pendamping_of(world.kpm_same_district) == [world.pendamping_kota.pk]


def test_service_refuses_an_unknown_id_and_an_empty_list(world):
    with pytest.raises(DomainError, match="TIDAK-ADA"):
        kpm_reassign_bulk(
            kpm_ids=["KDR-OWN", "TIDAK-ADA"], pendamping=world.pendamping_kota_other,
            actor=world.dinsos_kota,
        )  # fmt: skip
    with pytest.raises(DomainError) as refused:
        kpm_reassign_bulk(kpm_ids=[], pendamping=world.pendamping_kota, actor=world.dinsos_kota)
    assert refused.value.code == "nothing_chosen"
    assert pendamping_of(world.kpm_own) == [world.pendamping_kota.pk]
