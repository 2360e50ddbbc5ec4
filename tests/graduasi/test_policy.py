"""The dated policy table: the seeded version, versions taking effect, audited admin edits."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from graduasi.models import PolicyVersion
from graduasi.rules import DEFAULT_POLICY
from graduasi.selectors import policy_on
from tests.audit.test_admin_audit import change_form_data

pytestmark = pytest.mark.django_db

SEEDED_FROM = date(2025, 1, 1)


def add_version(valid_from: date, **changes) -> PolicyVersion:
    values = asdict(replace(DEFAULT_POLICY, **changes))
    return PolicyVersion.objects.create(valid_from=valid_from, source="uji", **values)


def events_for(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="graduasi.policyversion", object_id=obj.pk))


def test_the_seeded_version_holds_the_default_policy():
    seeded = PolicyVersion.objects.get()
    assert seeded.valid_from == SEEDED_FROM
    assert seeded.source
    assert policy_on(SEEDED_FROM) == DEFAULT_POLICY
    assert policy_on(date(2030, 1, 1)) == DEFAULT_POLICY


def test_before_any_version_the_defaults_apply():
    PolicyVersion.objects.all().delete()
    assert policy_on(date(2026, 7, 1)) == DEFAULT_POLICY


def test_a_newer_version_takes_effect_from_its_date_and_not_before():
    add_version(date(2026, 1, 1), lansia_min_age=60, poverty_line_multiplier=Decimal("1.25"))

    before = policy_on(date(2025, 12, 31))
    from_then = policy_on(date(2026, 1, 1))

    assert before == DEFAULT_POLICY
    assert (from_then.lansia_min_age, from_then.poverty_line_multiplier) == (60, Decimal("1.25"))
    assert replace(from_then, lansia_min_age=70, poverty_line_multiplier=Decimal("1")) == (
        DEFAULT_POLICY
    )
    assert policy_on(date(2027, 6, 1)) == from_then


def test_the_latest_version_on_or_before_the_date_wins():
    add_version(date(2026, 1, 1), max_components=3)
    add_version(date(2027, 1, 1), max_components=5)
    assert [policy_on(date(y, 6, 1)).max_components for y in (2025, 2026, 2027)] == [4, 3, 5]


def test_two_versions_cannot_start_on_the_same_day():
    with pytest.raises(IntegrityError):
        add_version(SEEDED_FROM)


def test_zero_tahap_per_year_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        add_version(date(2026, 1, 1), tahap_per_year=0)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_changing_a_version_in_admin_writes_an_audit_row(admin_client, world):
    version = PolicyVersion.objects.get(valid_from=SEEDED_FROM)
    url = reverse("admin:graduasi_policyversion_change", args=[version.pk])
    data = change_form_data(admin_client.get(url))
    data["lansia_min_age"] = "65"
    data["poverty_line_multiplier"] = "1.10"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert policy_on(SEEDED_FROM).lansia_min_age == 65
    [event] = events_for(version)
    assert event.action == AuditAction.UPDATE
    assert event.actor == world.admin
    assert event.changes == {
        "lansia_min_age": [70, 65],
        "poverty_line_multiplier": ["1.00", "1.10"],
    }


def test_a_new_version_added_in_admin_starts_from_the_latest_values(admin_client, world):
    add_version(date(2026, 1, 1), amount_sd=1_000_000)
    url = reverse("admin:graduasi_policyversion_add")
    data = change_form_data(admin_client.get(url))
    assert data["amount_sd"] == "1000000"
    data.update(
        {"valid_from": "2027-01-01", "source": "Kepdirjen uji", "yearly_graduation_target": "12"}
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    version = PolicyVersion.objects.get(valid_from=date(2027, 1, 1))
    assert version.created_by == world.admin
    assert policy_on(date(2027, 1, 1)) == replace(
        DEFAULT_POLICY, amount_sd=1_000_000, yearly_graduation_target=12
    )
    [event] = events_for(version)
    assert event.action == AuditAction.CREATE
    assert event.changes["yearly_graduation_target"] == [None, 12]


@pytest.fixture
def ministry_staff(world):
    """The national and the provincial kementerian user, both allowed into the admin site."""
    for user in (world.kementerian_national, world.kementerian_jatim):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return world


def test_national_kementerian_staff_add_a_policy_version_in_admin(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)
    url = reverse("admin:graduasi_policyversion_add")
    data = change_form_data(client.get(url))
    data.update({"valid_from": "2027-01-01", "source": "Kepmensos uji", "lansia_min_age": "65"})

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    version = PolicyVersion.objects.get(valid_from=date(2027, 1, 1))
    assert version.created_by == ministry_staff.kementerian_national
    assert policy_on(date(2027, 1, 1)).lansia_min_age == 65
    assert [e.action for e in events_for(version)] == [AuditAction.CREATE]


def test_provincial_kementerian_staff_read_the_policy_but_cannot_change_it(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_jatim)
    version = PolicyVersion.objects.get(valid_from=SEEDED_FROM)

    assert client.get(reverse("admin:graduasi_policyversion_changelist")).status_code == 200
    assert client.get(reverse("admin:graduasi_policyversion_add")).status_code == 403
    change = reverse("admin:graduasi_policyversion_change", args=[version.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="lansia_min_age"' not in page.content
    assert client.post(change, {"lansia_min_age": "60"}).status_code == 403
    assert policy_on(SEEDED_FROM).lansia_min_age == 70


def test_kementerian_staff_see_nothing_else_in_admin(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:kpm_kpm_changelist")).status_code == 403
    assert client.get(reverse("admin:pengguna_user_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "versi kebijakan" in index.lower() or "Versi kebijakan" in index
    assert "kpm/kpm/" not in index


def test_a_kementerian_user_who_is_not_staff_cannot_enter_admin(client, world):
    client.force_login(world.kementerian_national)

    response = client.get(reverse("admin:graduasi_policyversion_changelist"))

    assert response.status_code == 302 and "/login/" in response["Location"]
