"""Changes to case data made in the admin write their audit row in the same transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from kpm.models import Anggota, DesilHistory, Kpm
from pendamping.models import EconomicAssessment


def _field_data(form: Any) -> dict[str, Any]:
    """What a browser would post back for `form` left as it was rendered."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)
    return data


def change_form_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin change page, inlines included, as rendered."""
    assert response.status_code == 200
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def kpm_change_url(kpm: Kpm) -> str:
    return reverse("admin:kpm_kpm_change", args=[kpm.pk])


def events_for(obj: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


@pytest.fixture
def admin_client_for(client, world):
    client.force_login(world.admin)
    return client


def test_changing_kpm_alamat_in_admin_writes_one_audit_row(admin_client_for, world):
    kpm = world.kpm_own
    url = kpm_change_url(kpm)
    data = change_form_data(admin_client_for.get(url))
    data["alamat"] = "Jl. Dhoho 12"

    response = admin_client_for.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    kpm.refresh_from_db()
    assert kpm.alamat == "Jl. Dhoho 12"
    [event] = AuditEvent.objects.all()
    assert event.action == AuditAction.UPDATE
    assert event.actor == world.admin
    assert event.actor_label == "admin_pusat"
    assert (event.object_type, event.object_id) == ("kpm.kpm", str(kpm.pk))
    assert event.changes == {"alamat": ["Jl. Uji 1", "Jl. Dhoho 12"]}
    assert event.request_id  # carried from the request by audit.middleware


def test_saving_an_unchanged_kpm_writes_no_audit_row(admin_client_for, world):
    url = kpm_change_url(world.kpm_own)
    response = admin_client_for.post(url, change_form_data(admin_client_for.get(url)))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == 0


def test_editing_a_member_inline_audits_the_member(admin_client_for, world):
    kpm = world.kpm_own
    member = kpm.anggota.get()
    url = kpm_change_url(kpm)
    data = change_form_data(admin_client_for.get(url))
    data["anggota-0-nama"] = "Siti Aminah"

    assert admin_client_for.post(url, data).status_code == 302

    [event] = AuditEvent.objects.all()
    assert (event.object_type, event.object_id) == ("kpm.anggota", str(member.pk))
    assert event.action == AuditAction.UPDATE
    assert event.changes == {"nama": [f"Ibu {kpm.kpm_id}", "Siti Aminah"]}


def test_deleting_desil_history_in_admin_writes_a_delete_event(admin_client_for, world):
    row = DesilHistory.objects.create(
        kpm=world.kpm_own, desil=2, recorded_on=date(2025, 3, 1), source="manual"
    )
    url = reverse("admin:kpm_desilhistory_delete", args=[row.pk])

    response = admin_client_for.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not DesilHistory.objects.filter(pk=row.pk).exists()
    [event] = events_for(row)
    assert event.action == AuditAction.DELETE
    assert event.actor == world.admin
    assert event.changes["desil"] == [2, None]
    assert event.changes["recorded_on"] == ["2025-03-01", None]


def test_deleting_desil_history_inline_writes_a_delete_event(admin_client_for, world):
    kpm = world.kpm_own
    row = DesilHistory.objects.create(
        kpm=kpm, desil=3, recorded_on=date(2024, 1, 1), source="import"
    )
    url = kpm_change_url(kpm)
    data = change_form_data(admin_client_for.get(url))
    data["desil_history-0-DELETE"] = "on"

    assert admin_client_for.post(url, data).status_code == 302

    assert not DesilHistory.objects.filter(pk=row.pk).exists()
    [event] = AuditEvent.objects.all()
    assert (event.object_type, event.object_id) == ("kpm.desilhistory", str(row.pk))
    assert event.action == AuditAction.DELETE
    assert event.changes["desil"] == [3, None]


def test_adding_an_assessment_in_admin_writes_a_create_event(admin_client_for, world):
    url = reverse("admin:pendamping_economicassessment_add")
    data = {
        "kpm": str(world.kpm_own.pk),
        "assessed_on": "2025-06-30",
        "household_income": "2400000",
        "member_count": "4",
        "stable_income": "on",
        "business_status": "berjalan",
        "source": "kunjungan",
    }
    response = admin_client_for.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assessment = EconomicAssessment.objects.get()
    assert assessment.created_by == world.admin
    [event] = events_for(assessment)
    assert event.action == AuditAction.CREATE
    assert event.changes["household_income"] == [None, 2_400_000]
    assert event.changes["created_by_id"] == [None, world.admin.pk]


def test_changing_pendamping_desa_served_is_audited(admin_client_for, world):
    pendamping = world.pendamping_kota
    url = reverse("admin:pendamping_pendamping_change", args=[pendamping.pk])
    data = change_form_data(admin_client_for.get(url))
    data["desa_served"] = ["35.71.01.1001", "35.71.01.1002"]

    assert admin_client_for.post(url, data).status_code == 302

    [event] = events_for(pendamping)
    assert event.changes == {"desa_served": [[], ["35.71.01.1001", "35.71.01.1002"]]}


def test_a_failed_audit_write_undoes_the_change(admin_client_for, world, monkeypatch):
    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("audit.admin.audit_record", refuse)
    kpm = world.kpm_own
    url = kpm_change_url(kpm)
    data = change_form_data(admin_client_for.get(url))
    data["alamat"] = "Jl. Tidak Tersimpan"

    with pytest.raises(RuntimeError):
        admin_client_for.post(url, data)

    kpm.refresh_from_db()
    assert kpm.alamat == "Jl. Uji 1"


def test_kpm_added_in_admin_gets_region_codes_and_a_create_event(admin_client_for, world):
    url = reverse("admin:kpm_kpm_add")
    data = change_form_data(admin_client_for.get(url))
    data.update(
        {
            "kpm_id": "KDR-NEW",
            "no_kk": "3571032005100009",
            "desa": "35.71.03.1004",
            "alamat": "Jl. Baru 1",
            "desil": "1",
            "pkh_entry_date": "2024-07-01",
            "status": "aktif",
        }
    )
    response = admin_client_for.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    kpm = Kpm.objects.get(kpm_id="KDR-NEW")
    assert (kpm.kecamatan_code, kpm.kabupaten_code, kpm.provinsi_code) == (
        "35.71.03",
        "35.71",
        "35",
    )
    [event] = events_for(kpm)
    assert event.action == AuditAction.CREATE
    assert event.changes["kabupaten_code"] == [None, "35.71"]
    assert "updated_at" not in event.changes


def test_audit_admin_refuses_add_change_and_delete(admin_client_for, world):
    member = Anggota.objects.first()
    assert member is not None
    event = AuditEvent.objects.create(
        actor=world.admin,
        actor_label="admin_pusat",
        action=AuditAction.UPDATE,
        object_type="kpm.anggota",
        object_id=str(member.pk),
        changes={"nama": ["A", "B"]},
    )
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])

    assert admin_client_for.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert admin_client_for.get(change_url).status_code == 200  # read-only view
    assert admin_client_for.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert admin_client_for.post(change_url, {"action": "delete"}).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert admin_client_for.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = admin_client_for.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code == 200  # no such action offered: the list is shown again

    event.refresh_from_db()
    assert event.changes == {"nama": ["A", "B"]}
    assert AuditEvent.objects.count() == 1


def test_audit_list_is_searchable_by_object_id(admin_client_for, world):
    for object_id in ("111", "222"):
        AuditEvent.objects.create(
            actor_label="sistem", action="create", object_type="kpm.kpm", object_id=object_id
        )
    response = admin_client_for.get(reverse("admin:audit_auditevent_changelist"), {"q": "222"})
    assert [e.object_id for e in response.context["cl"].result_list] == ["222"]


def test_bulk_delete_action_audits_every_row(admin_client_for, world):
    rows = [
        DesilHistory.objects.create(
            kpm=world.kpm_own, desil=d, recorded_on=date(2020 + d, 1, 1), source="import"
        )
        for d in (1, 2, 3)
    ]
    response = admin_client_for.post(
        reverse("admin:kpm_desilhistory_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert response.status_code == 302
    assert DesilHistory.objects.count() == 0
    deleted = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="kpm.desilhistory")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(r.pk) for r in rows)


def test_deleting_a_kpm_audits_what_the_cascade_removes(admin_client_for, world):
    kpm = Kpm(
        kpm_id="KDR-EMPTY",
        no_kk="3571012005100007",
        alamat="Jl. Kosong",
        desil=2,
        pkh_entry_date=date(2021, 1, 1),
    )
    kpm.set_region_from_desa_code("35.71.01.1001")
    kpm.save()
    history = DesilHistory.objects.create(
        kpm=kpm, desil=2, recorded_on=date(2021, 1, 1), source="import"
    )
    response = admin_client_for.post(
        reverse("admin:kpm_kpm_delete", args=[kpm.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    audited = set(AuditEvent.objects.values_list("object_type", "object_id", "action"))
    assert audited == {
        ("kpm.kpm", str(kpm.pk), "delete"),
        ("kpm.desilhistory", str(history.pk), "delete"),
    }
