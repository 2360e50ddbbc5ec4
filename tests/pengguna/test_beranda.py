"""The Beranda of a pendamping (today's work) and of a Dinsos officer (the kabupaten's counts);
other roles keep their summary. Query counts do not follow the caseload's size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpm.models import Kpm, SchoolLevel
from kpm.selectors import years_before
from pendamping.models import (
    CommitmentVerification,
    MeetingStatus,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
)
from tests.conftest import DESA_KOTA_KEDIRI
from tests.factories import AnggotaFactory, KpmFactory

HOME = reverse("home")
TODAY = timezone.localdate()


def visited(kpm: Kpm, days_ago: int | None) -> Kpm:
    kpm.last_visit_on = None if days_ago is None else TODAY - timedelta(days=days_ago)
    kpm.save()
    return kpm


def pupil(kpm: Kpm):
    return AnggotaFactory.create(
        kpm=kpm, tanggal_lahir=years_before(TODAY, 10), hubungan="anak",
        jenjang_sekolah=SchoolLevel.SD,
    )  # fmt: skip


def meeting(group: P2k2Group, days_ahead: int, status=MeetingStatus.PLANNED) -> P2k2Meeting:
    return P2k2Meeting.objects.create(
        group=group,
        session=P2k2Session.objects.order_by("module__order", "number")[0],
        scheduled_on=TODAY + timedelta(days=days_ahead),
        status=status,
    )


@pytest.fixture
def busy(world):
    """pendamping_kota: KDR-OWN never visited with a pupil not verified this month; KDR-RECENT
    visited 5 days ago, its pupil verified; KDR-OLD visited 45 days ago; KDR-GRAD graduated.
    Two planned meetings ahead, one past, one held, and one of another pendamping."""
    own = world.pendamping_kota
    pupil(world.kpm_own)
    recent = visited(KpmFactory.create(kpm_id="KDR-RECENT", pendamping=own), 5)
    verified = pupil(recent)
    CommitmentVerification.objects.create(
        kpm=recent, anggota=verified, month=TODAY.replace(day=1), kind="sekolah",
        attendance_pct=95, compliant=True, recorded_by=own.user,
    )  # fmt: skip
    old = visited(KpmFactory.create(kpm_id="KDR-OLD", pendamping=own), 45)
    old.noncompliant = True
    old.save()
    visited(world.kpm_graduated, None)
    group = P2k2Group.objects.create(pendamping=own, name="Melati", desa_id=DESA_KOTA_KEDIRI)
    other = P2k2Group.objects.create(
        pendamping=world.pendamping_kota_other, name="Anggrek", desa_id=DESA_KOTA_KEDIRI
    )
    world.meetings = [meeting(group, 0), meeting(group, 7)]
    meeting(group, -3)
    meeting(group, 2, status=MeetingStatus.HELD)
    meeting(other, 1)
    return world


def test_pendamping_sees_todays_work(client, busy):
    client.force_login(busy.pendamping_kota.user)
    response = client.get(HOME)
    assert response.status_code == 200
    work = response.context["work"]
    assert [k.kpm_id for k in work.visit_due] == ["KDR-OWN", "KDR-OLD"]  # never visited first
    assert [k.kpm_id for k in work.commitment_due] == ["KDR-OWN"]
    assert work.meetings == busy.meetings
    assert (work.visit_due_total, work.commitment_due_total, work.meetings_total) == (2, 1, 2)
    assert work.noncompliant_total == 1
    page = response.content.decode()
    assert reverse("kpm:profile", args=["KDR-OWN"]) in page
    assert reverse("kpm:profile", args=["KDR-OLD"]) in page
    assert "Melati" in page
    assert "Anggrek" not in page


def test_pendamping_sees_counts_per_desa(client, busy):
    client.force_login(busy.pendamping_kota.user)
    (desa,) = client.get(HOME).context["work"].per_desa
    assert desa.desa_code == DESA_KOTA_KEDIRI
    assert (desa.active, desa.visit_due, desa.commitment_due, desa.noncompliant) == (3, 2, 1, 1)


def test_the_counts_link_to_the_filtered_caseload(client, busy):
    client.force_login(busy.pendamping_kota.user)
    page = client.get(HOME).content.decode()
    assert f'href="{reverse("kpm:caseload")}?status=aktif&amp;kunjungan=perlu"' in page
    response = client.get(reverse("kpm:caseload"), {"status": "aktif", "kunjungan": "perlu"})
    assert [r.kpm.kpm_id for r in response.context["rows"]] == ["KDR-OLD", "KDR-OWN"]
    response = client.get(reverse("kpm:caseload"), {"status": "aktif", "verifikasi": "belum"})
    assert [r.kpm.kpm_id for r in response.context["rows"]] == ["KDR-OWN"]


def test_dinsos_sees_the_kabupaten_counts_and_the_links(client, busy):
    client.force_login(busy.dinsos_kota)
    response = client.get(HOME)
    work = response.context["work"]
    # KDR-SAME (the other pendamping's, never visited) counts for the kabupaten too.
    assert (work.active_total, work.visit_due_total, work.commitment_due_total) == (4, 3, 1)
    assert work.meetings_total == 3
    assert response.context["show_lists"] is False
    page = response.content.decode()
    assert 'data-testid="list-visit-due"' not in page
    assert reverse("kpm:import_upload") in page
    assert reverse("kpm:caseload") in page
    assert 'data-testid="per-desa"' in page


def test_dinsos_of_another_kabupaten_counts_only_its_own(client, busy):
    client.force_login(busy.dinsos_kab)
    work = client.get(HOME).context["work"]
    assert (work.active_total, work.meetings_total) == (1, 0)


@pytest.mark.parametrize("persona", ["kementerian_national", "agency", "admin"])
def test_other_roles_keep_their_summary(client, busy, persona):
    client.force_login(getattr(busy, persona))
    response = client.get(HOME)
    assert response.status_code == 200
    assert "work" not in response.context
    assert 'data-testid="kpm-count"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "caseload", "p2k2"),
    [
        ("pendamping_kota", True, True),
        ("dinsos_kota", True, True),
        ("kementerian_jatim", True, False),
        ("admin", True, False),
        ("agency", False, False),
    ],
)
def test_the_menu_links_by_role(client, world, persona, caseload, p2k2):
    who = getattr(world, persona)
    client.force_login(getattr(who, "user", who))
    page = client.get(HOME).content.decode()
    assert (f'href="{reverse("kpm:caseload")}">Daftar KPM<' in page) is caseload
    assert (f'href="{reverse("p2k2:groups")}">P2K2<' in page) is p2k2


def test_the_meeting_count_links_to_the_p2k2_groups(client, busy):
    client.force_login(busy.pendamping_kota.user)
    page = client.get(HOME).content.decode()
    assert f'<a href="{reverse("p2k2:groups")}" data-testid="count-meetings">' in page


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HOME).status_code == 200
    return len(ctx.captured_queries)


def add_work(world, count: int, start: int) -> None:
    group, _ = P2k2Group.objects.get_or_create(
        pendamping=world.pendamping_kota, name="Mawar", defaults={"desa_id": DESA_KOTA_KEDIRI}
    )
    for n in range(start, start + count):
        kpm = KpmFactory.create(kpm_id=f"KDR-W{n:03d}", pendamping=world.pendamping_kota)
        AnggotaFactory.create(kpm=kpm, pengurus=True)
        pupil(kpm)
        meeting(group, n % 20)


@pytest.mark.parametrize("persona", ["pendamping_kota", "dinsos_kota"])
def test_query_count_does_not_follow_the_caseload(client, world, persona):
    who = getattr(world, persona)
    client.force_login(getattr(who, "user", who))
    add_work(world, 3, 0)
    few = home_queries(client)
    add_work(world, 40, 3)
    assert home_queries(client) == few
