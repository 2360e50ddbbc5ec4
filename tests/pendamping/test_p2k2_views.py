"""P2K2 pages: who sees and writes what, one roll-call POST for the group, bounded queries."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pendamping.models import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
)
from tests.conftest import DESA_KAB_KEDIRI, DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2
from tests.factories import AnggotaFactory, KpmFactory
from tests.pendamping.test_p2k2 import p2k2_catalogue  # noqa: F401  (autouse)

TODAY = timezone.localdate()


def login(client, world, persona):
    user = getattr(world, persona)
    client.force_login(getattr(user, "user", user))


def group_of(pendamping, members, *, name="Melati", desa=DESA_KOTA_KEDIRI):
    group = P2k2Group.objects.create(pendamping=pendamping, name=name, desa_id=desa)
    group.members.set(members)
    return group


def meeting_of(group, *, number=1, status=MeetingStatus.PLANNED, on=TODAY):
    session = P2k2Session.objects.get(module__code="kesehatan", number=number)
    return P2k2Meeting.objects.create(group=group, session=session, scheduled_on=on, status=status)


@pytest.fixture
def melati(world):
    """pendamping_kota's group with kpm_own and one more KPM of the same desa."""
    extra = KpmFactory.create(pendamping=world.pendamping_kota)
    AnggotaFactory(kpm=extra, pengurus=True)
    return group_of(world.pendamping_kota, [world.kpm_own, extra])


# --- the list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "sees"),
    [
        ("pendamping_kota", 200, {"Melati"}),
        ("pendamping_kota_other", 200, {"Kenanga"}),
        ("pendamping_kab", 200, {"Mawar"}),
        ("dinsos_kota", 200, {"Melati", "Kenanga"}),
        ("dinsos_kab", 200, {"Mawar"}),
        ("kementerian_national", 403, None),
        ("agency", 403, None),
        ("admin", 200, {"Melati", "Kenanga", "Mawar"}),
    ],
)
def test_the_group_list_shows_only_groups_in_scope(client, world, melati, persona, status, sees):
    group_of(
        world.pendamping_kota_other,
        [world.kpm_same_district],
        name="Kenanga",
        desa=DESA_KOTA_KEDIRI_2,
    )
    group_of(world.pendamping_kab, [world.kpm_other_district], name="Mawar", desa=DESA_KAB_KEDIRI)
    login(client, world, persona)
    response = client.get(reverse("p2k2:groups"))
    assert response.status_code == status
    if sees is not None:
        shown = {line.group.name for line in response.context["groups"]}
        assert shown == sees


def test_the_list_shows_members_last_meeting_and_coverage(client, world, melati):
    held = meeting_of(melati, status=MeetingStatus.HELD, on=date(2026, 10, 7))
    meeting_of(melati, number=2, status=MeetingStatus.HELD, on=date(2026, 9, 7))
    meeting_of(melati, number=2, status=MeetingStatus.HELD, on=date(2026, 8, 7))  # same session
    meeting_of(melati, number=3, on=TODAY)  # planned: not counted
    login(client, world, "pendamping_kota")
    response = client.get(reverse("p2k2:groups"))
    (line,) = response.context["groups"]
    assert line.member_count == 2
    assert line.last_held_on == held.scheduled_on
    assert line.coverage_pct == 2 * 100 // P2k2Session.objects.count()
    assert "07-10-2026" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(reverse("p2k2:groups"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_list_does_not_grow_queries_with_groups(client, world):
    login(client, world, "dinsos_kota")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("p2k2:groups")).status_code == 200
        return len(ctx.captured_queries)

    group_of(world.pendamping_kota, [world.kpm_own], name="G0")
    few = count()
    for n in range(1, 6):
        group = group_of(world.pendamping_kota, [world.kpm_own], name=f"G{n}")
        meeting_of(group, status=MeetingStatus.HELD)
    assert count() == few


# --- a group's page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("pendamping_kota", 200),
        ("pendamping_kota_other", 404),
        ("pendamping_kab", 404),
        ("dinsos_kota", 200),
        ("dinsos_kab", 404),
        ("kementerian_jatim", 403),
        ("kementerian_jabar", 404),
        ("agency", 404),
        ("admin", 200),
    ],
)
def test_who_may_open_a_group(client, world, melati, persona, status):
    login(client, world, persona)
    assert client.get(reverse("p2k2:group", args=[melati.pk])).status_code == status


def test_a_missing_group_is_404(client, world):
    login(client, world, "admin")
    assert client.get(reverse("p2k2:group", args=[999999])).status_code == 404


def test_the_group_page_shows_coverage_per_member_and_module(client, world, melati):
    meeting = meeting_of(melati, status=MeetingStatus.HELD)
    P2k2Attendance.objects.create(meeting=meeting, kpm=world.kpm_own, status="hadir")
    login(client, world, "dinsos_kota")
    response = client.get(reverse("p2k2:group", args=[melati.pk]))
    rows = dict(response.context["coverage"])
    module, *cell = rows[world.kpm_own][2]
    assert (module.code, cell) == ("kesehatan", [1, 4])
    assert response.context["form"] is None  # dinsos reads only
    assert "1/4" in response.content.decode()


def test_the_group_page_does_not_grow_queries_with_members_or_meetings(client, world, melati):
    login(client, world, "pendamping_kota")
    url = reverse("p2k2:group", args=[melati.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    more = [KpmFactory.create(pendamping=world.pendamping_kota) for _ in range(8)]
    melati.members.add(*more)
    for number in (1, 2, 3):
        meeting = meeting_of(melati, number=number, status=MeetingStatus.HELD)
        P2k2Attendance.objects.bulk_create(
            P2k2Attendance(meeting=meeting, kpm=k, status="hadir") for k in more
        )
    assert count() == few


def test_the_owner_edits_members(client, world, melati):
    newcomer = KpmFactory.create(pendamping=world.pendamping_kota)
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group", args=[melati.pk]), {"members": [world.kpm_own.pk, newcomer.pk]}
    )
    assert response.status_code == 302
    assert set(melati.members.all()) == {world.kpm_own, newcomer}


def test_someone_elses_kpm_cannot_be_ticked_into_a_group(client, world, melati):
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group", args=[melati.pk]),
        {"members": [world.kpm_own.pk, world.kpm_same_district.pk]},
    )
    assert response.status_code == 400
    assert "hanya KPM aktif dampingan Anda" in response.content.decode()
    assert world.kpm_same_district not in melati.members.all()


@pytest.mark.parametrize(("persona", "status"), [("dinsos_kota", 403), ("pendamping_kab", 404)])
def test_others_cannot_edit_members(client, world, melati, persona, status):
    login(client, world, persona)
    response = client.post(reverse("p2k2:group", args=[melati.pk]), {"members": []})
    assert response.status_code == status
    assert melati.members.count() == 2


# --- a new group -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("pendamping_kota", 200),
        ("dinsos_kota", 403),
        ("kementerian_national", 403),
        ("agency", 403),
        ("admin", 200),
    ],
)
def test_only_pendamping_and_admins_create_groups(client, world, persona, status):
    login(client, world, persona)
    assert client.get(reverse("p2k2:group_create")).status_code == status


def test_the_desa_list_and_checkboxes_come_from_the_own_caseload(client, world):
    elsewhere = KpmFactory.create(pendamping=world.pendamping_kota, desa_code=DESA_KOTA_KEDIRI_2)
    login(client, world, "pendamping_kota")
    response = client.get(reverse("p2k2:group_create"))
    desa = [d.pk for d in response.context["form"].fields["desa"].queryset]
    assert desa == [DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2] or set(desa) == {
        DESA_KOTA_KEDIRI,
        DESA_KOTA_KEDIRI_2,
    }
    page = client.get(reverse("p2k2:group_create"), {"desa": DESA_KOTA_KEDIRI_2})
    choices = [k.kpm_id for k in page.context["form"].fields["members"].queryset]
    assert choices == [elsewhere.kpm_id]
    page = client.get(reverse("p2k2:group_create"), {"desa": DESA_KOTA_KEDIRI})
    choices = [k.kpm_id for k in page.context["form"].fields["members"].queryset]
    assert choices == ["KDR-OWN"]  # not the graduated KDR-GRAD, not other caseloads


def test_a_group_is_created_in_one_post(client, world):
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group_create"),
        {"name": "Anggrek", "desa": DESA_KOTA_KEDIRI, "members": [world.kpm_own.pk]},
    )
    group = P2k2Group.objects.get(name="Anggrek")
    assert response.status_code == 302
    assert response["Location"] == reverse("p2k2:group", args=[group.pk])
    assert group.pendamping == world.pendamping_kota
    assert list(group.members.all()) == [world.kpm_own]


def test_a_kpm_outside_the_caseload_is_refused_and_the_name_is_kept(client, world):
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group_create"),
        {"name": "Anggrek", "desa": DESA_KOTA_KEDIRI, "members": [world.kpm_same_district.pk]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "hanya KPM aktif dampingan Anda" in page
    assert 'value="Anggrek"' in page
    assert not P2k2Group.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "desa": DESA_KOTA_KEDIRI, "members": ["KPM"]}, "Isi nama kelompok"),
        ({"name": "A", "desa": DESA_KAB_KEDIRI}, "Pilih desa tempat KPM dampingan"),
        ({"name": "A", "desa": DESA_KOTA_KEDIRI}, "Pilih paling sedikit satu KPM"),
    ],
)
def test_an_incomplete_group_form_is_refused(client, world, data, message):
    data = {**data, "members": [world.kpm_own.pk] if data.get("members") else []}
    login(client, world, "pendamping_kota")
    response = client.post(reverse("p2k2:group_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not P2k2Group.objects.exists()


def test_a_duplicate_name_is_refused(client, world, melati):
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group_create"),
        {"name": "Melati", "desa": DESA_KOTA_KEDIRI, "members": [world.kpm_own.pk]},
    )
    assert response.status_code == 400
    assert "sudah punya kelompok bernama Melati" in response.content.decode()


def test_choosing_a_desa_without_script_keeps_the_name(client, world):
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:group_create"),
        {"name": "Anggrek", "desa": DESA_KOTA_KEDIRI, "pilih_desa": "1"},
    )
    assert response.status_code == 200
    assert 'value="Anggrek"' in response.content.decode()
    assert not P2k2Group.objects.exists()


def test_an_admin_creates_a_group_for_a_named_pendamping(client, world):
    login(client, world, "admin")
    url = reverse("p2k2:group_create") + "?pendamping=pendamping_kota"
    assert client.get(url).status_code == 200
    client.post(url, {"name": "Anggrek", "desa": DESA_KOTA_KEDIRI, "members": [world.kpm_own.pk]})
    assert P2k2Group.objects.get().pendamping == world.pendamping_kota
    page = client.get(reverse("p2k2:group_create") + "?pendamping=tidak_ada")
    assert page.context.get("choose_pendamping") is True


# --- planning a meeting ----------------------------------------------------------------


def test_the_owner_plans_a_meeting(client, world, melati):
    session = P2k2Session.objects.get(module__code="ekonomi", number=2)
    login(client, world, "pendamping_kota")
    url = reverse("p2k2:meeting_create", args=[melati.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"session": session.pk, "scheduled_on": "05-12-2026"})
    meeting = P2k2Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("p2k2:meeting", args=[meeting.pk])
    assert (meeting.session, meeting.scheduled_on) == (session, date(2026, 12, 5))
    assert meeting.status == MeetingStatus.PLANNED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"session": "", "scheduled_on": "2026-12-05"}, "Pilih sesi"),
        ({"session": "999999", "scheduled_on": "2026-12-05"}, "Pilih sesi dari daftar"),
        ({"session": "SESSION", "scheduled_on": "5 Des"}, "Tulis tanggal seperti"),
    ],
)
def test_a_bad_meeting_plan_is_refused(client, world, melati, data, message):
    session = P2k2Session.objects.get(module__code="pengasuhan", number=1)
    data = {k: (str(session.pk) if v == "SESSION" else v) for k, v in data.items()}
    login(client, world, "pendamping_kota")
    response = client.post(reverse("p2k2:meeting_create", args=[melati.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not P2k2Meeting.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("dinsos_kota", 403), ("pendamping_kota_other", 404), ("agency", 404)]
)
def test_others_cannot_plan_meetings(client, world, melati, persona, status):
    login(client, world, persona)
    url = reverse("p2k2:meeting_create", args=[melati.pk])
    assert client.get(url).status_code == status
    session = P2k2Session.objects.get(module__code="pengasuhan", number=1)
    response = client.post(url, {"session": session.pk, "scheduled_on": "2026-12-05"})
    assert response.status_code == status
    assert not P2k2Meeting.objects.exists()


# --- the roll-call ---------------------------------------------------------------------


def _roll(meeting, statuses, held_on=TODAY):
    data = {"held_on": held_on.isoformat()}
    data.update({f"kpm_{kpm.pk}": s for kpm, s in statuses.items()})
    return data


def test_one_post_records_the_whole_group_and_marks_the_meeting_held(client, world, melati):
    meeting = meeting_of(melati, on=TODAY + timedelta(days=3))
    own, extra = world.kpm_own, melati.members.exclude(pk=world.kpm_own.pk).get()
    login(client, world, "pendamping_kota")
    url = reverse("p2k2:meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert page.count('value="hadir"') == 2 and page.count("checked") == 2  # default hadir
    response = client.post(url, _roll(meeting, {own: "hadir", extra: "izin"}))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.scheduled_on == TODAY
    assert dict(meeting.attendance.values_list("kpm_id", "status")) == {
        own.pk: "hadir",
        extra.pk: "izin",
    }


def test_a_held_roll_call_is_corrected(client, world, melati):
    meeting = meeting_of(melati)
    own, extra = world.kpm_own, melati.members.exclude(pk=world.kpm_own.pk).get()
    login(client, world, "pendamping_kota")
    url = reverse("p2k2:meeting", args=[meeting.pk])
    client.post(url, _roll(meeting, {own: "hadir", extra: "hadir"}))
    page = client.get(url).content.decode()
    assert "Simpan koreksi" in page
    client.post(url, _roll(meeting, {own: "hadir", extra: "tidak_hadir"}))
    assert P2k2Attendance.objects.get(kpm=extra).status == AttendanceStatus.ABSENT


def test_a_future_held_date_is_refused_and_choices_are_kept(client, world, melati):
    meeting = meeting_of(melati)
    own, extra = world.kpm_own, melati.members.exclude(pk=world.kpm_own.pk).get()
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:meeting", args=[meeting.pk]),
        _roll(meeting, {own: "hadir", extra: "izin"}, held_on=TODAY + timedelta(days=1)),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "belum terjadi" in page
    assert re.search(rf'name="kpm_{extra.pk}" value="izin"[^>]*checked', page)
    assert not P2k2Attendance.objects.exists()


def test_an_unknown_status_is_refused(client, world, melati):
    meeting = meeting_of(melati)
    own, extra = world.kpm_own, melati.members.exclude(pk=world.kpm_own.pk).get()
    login(client, world, "pendamping_kota")
    response = client.post(
        reverse("p2k2:meeting", args=[meeting.pk]), _roll(meeting, {own: "hadir", extra: "telat"})
    )
    assert response.status_code == 400
    assert "Pilih hadir, izin atau tidak hadir" in response.content.decode()
    assert not P2k2Attendance.objects.exists()


def test_a_kpm_outside_the_group_posted_into_the_roll_is_not_recorded(client, world, melati):
    meeting = meeting_of(melati)
    own, extra = world.kpm_own, melati.members.exclude(pk=world.kpm_own.pk).get()
    login(client, world, "pendamping_kota")
    roll = _roll(meeting, {own: "hadir", extra: "hadir", world.kpm_same_district: "hadir"})
    client.post(reverse("p2k2:meeting", args=[meeting.pk]), roll)
    assert set(P2k2Attendance.objects.values_list("kpm_id", flat=True)) == {own.pk, extra.pk}


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [
        ("dinsos_kota", 200, 403),
        ("dinsos_kab", 404, 404),
        ("pendamping_kota_other", 404, 404),
        ("kementerian_jatim", 403, 403),
        ("agency", 404, 404),
        ("admin", 200, 302),
    ],
)
def test_who_may_see_and_take_the_roll_call(
    client, world, melati, persona, get_status, post_status
):
    meeting = meeting_of(melati)
    login(client, world, persona)
    url = reverse("p2k2:meeting", args=[meeting.pk])
    assert client.get(url).status_code == get_status
    statuses = dict.fromkeys(melati.members.all(), "hadir")
    assert client.post(url, _roll(meeting, statuses)).status_code == post_status
    assert P2k2Attendance.objects.exists() is (post_status == 302)


def test_dinsos_reads_the_roll_call_without_a_form(client, world, melati):
    meeting = meeting_of(melati, status=MeetingStatus.HELD)
    P2k2Attendance.objects.create(meeting=meeting, kpm=world.kpm_own, status="izin")
    login(client, world, "dinsos_kota")
    page = client.get(reverse("p2k2:meeting", args=[meeting.pk])).content.decode()
    assert 'type="radio"' not in page and "Izin" in page


def test_the_roll_call_queries_do_not_grow_with_the_group(client, world, melati):
    meeting = meeting_of(melati)
    login(client, world, "pendamping_kota")
    url = reverse("p2k2:meeting", args=[meeting.pk])

    def counts():
        statuses = dict.fromkeys(melati.members.all(), "hadir")
        with CaptureQueriesContext(connection) as get:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as post:
            assert client.post(url, _roll(meeting, statuses)).status_code == 302
        return len(get.captured_queries), len(post.captured_queries)

    few = counts()
    melati.members.add(*[KpmFactory.create(pendamping=world.pendamping_kota) for _ in range(10)])
    P2k2Attendance.objects.all().delete()
    P2k2Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PLANNED)
    assert counts() == few
