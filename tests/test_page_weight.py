"""A pendamping on a weak signal: after the first page (which brings CSS and htmx, cached
afterwards), no workspace page transfers more than 200 KB, even with a full caseload."""

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from kpm.models import Kpm, KpmStatus
from pendamping.models import MeetingStatus, P2k2Group, P2k2Meeting, P2k2Session
from tests.factories import AnggotaFactory, KpmFactory

LIMIT = 200 * 1024


@pytest.fixture
def full_caseload(world):
    """pendamping_kota with 60 KPM of four members each, a group and a meeting."""
    for _ in range(60):
        kpm = KpmFactory.create(pendamping=world.pendamping_kota, status=KpmStatus.ACTIVE)
        AnggotaFactory(kpm=kpm, pengurus=True)
        AnggotaFactory.create_batch(3, kpm=kpm)
    group = P2k2Group.objects.create(
        pendamping=world.pendamping_kota, name="Melati", desa_id=world.kpm_own.desa_id
    )
    group.members.set(Kpm.objects.filter(pendamping=world.pendamping_kota)[:30])
    session = P2k2Session.objects.order_by("id")[0]
    return P2k2Meeting.objects.create(
        group=group, session=session, scheduled_on=date(2026, 1, 5), status=MeetingStatus.PLANNED
    )


def test_workspace_pages_stay_under_200_kb(client, world, full_caseload):
    client.force_login(world.pendamping_kota.user)
    kpm_id = world.kpm_own.kpm_id
    urls = [
        reverse("home"),
        reverse("kpm:caseload"),
        reverse("kpm:profile", args=[kpm_id]),
        reverse("kunjungan:create", args=[kpm_id]),
        reverse("komitmen:grid", args=[kpm_id]),
        reverse("p2k2:groups"),
        reverse("p2k2:meeting", args=[full_caseload.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < LIMIT, f"{url}: {len(response.content)} bytes"


def test_the_assets_every_page_loads_are_small_and_local(client, world):
    from django.contrib.staticfiles import finders

    sizes = [
        Path(str(finders.find(p))).stat().st_size
        for p in ("css/app.css", "vendor/htmx.min.js", "js/luring.js")
    ]
    total = sum(sizes)
    assert total < LIMIT
