"""The commitment grid page: who may open it, one POST for the whole KPM, bounded queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from kpm.models import Relationship, SchoolLevel, Sex
from pendamping.models import CommitmentKind, CommitmentVerification
from pendamping.rules import month_add, month_start
from pendamping.selectors import HISTORY_MONTHS
from tests.factories import AnggotaFactory

THIS_MONTH = month_start(timezone.localdate())
LAST_MONTH = month_add(THIS_MONTH, -1)


def pupil(kpm, **extra):
    return AnggotaFactory(
        kpm=kpm,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.MALE,
        tanggal_lahir=date(THIS_MONTH.year - 10, 1, 15),
        jenjang_sekolah=SchoolLevel.SD,
        **extra,
    )


def toddler(kpm):
    return AnggotaFactory(
        kpm=kpm,
        hubungan=Relationship.CHILD,
        tanggal_lahir=date(THIS_MONTH.year - 2, 1, 15),
    )


def grid_url(kpm_id="KDR-OWN", month=None):
    url = reverse("komitmen:grid", args=[kpm_id])
    return f"{url}?bulan={month:%Y-%m}" if month else url


def login(client, world, persona):
    user = getattr(world, persona)
    client.force_login(getattr(user, "user", user))


@pytest.mark.parametrize(
    ("persona", "kpm_id", "status"),
    [
        ("pendamping_kota", "KDR-OWN", 200),
        ("pendamping_kota_other", "KDR-OWN", 404),
        ("pendamping_kab", "KDR-OWN", 404),
        ("dinsos_kota", "KDR-OWN", 200),
        ("dinsos_kota", "KDR-SAME", 200),
        ("dinsos_kab", "KDR-OWN", 404),
        ("dinsos_kota", "KAB-OTHER", 404),
        ("kementerian_national", "KDR-OWN", 403),
        ("kementerian_jatim", "KDR-OWN", 403),
        ("kementerian_jabar", "KDR-OWN", 404),
        ("agency", "KDR-OWN", 404),
        ("agency", "KDR-GRAD", 403),
        ("admin", "KAB-OTHER", 200),
        ("admin", "TIDAK-ADA", 404),
    ],
)
def test_who_may_open_the_grid(client, world, persona, kpm_id, status):
    login(client, world, persona)
    assert client.get(grid_url(kpm_id)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("pendamping_kota_other", 404), ("kementerian_national", 403), ("agency", 404)],
)
def test_others_cannot_post_the_grid(client, world, persona, status):
    child = pupil(world.kpm_own)
    login(client, world, persona)
    response = client.post(grid_url(month=THIS_MONTH), {f"anggota_{child.pk}": "90"})
    assert response.status_code == status
    assert not CommitmentVerification.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(grid_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_grid_lists_members_with_a_commitment_and_prefills_recorded_values(client, world):
    child, small = pupil(world.kpm_own), toddler(world.kpm_own)
    CommitmentVerification.objects.create(
        kpm=world.kpm_own,
        anggota=child,
        month=THIS_MONTH,
        kind=CommitmentKind.SCHOOL,
        attendance_pct=77,
        compliant=False,
        recorded_by=world.admin,
    )
    login(client, world, "pendamping_kota")
    page = client.get(grid_url()).content.decode()
    assert child.nama in page and small.nama in page
    assert 'value="77"' in page
    assert "Ibu KDR-OWN" in page  # the pengurus is named, but owes nothing
    assert f'name="anggota_{small.pk}"' in page
    assert 'name="anggota_' + str(world.kpm_own.anggota.get(is_pengurus=True).pk) not in page
    assert "✗" in page  # this month's miss in the history table


def test_one_post_saves_every_member_and_flags_the_kpm(client, world):
    children = [pupil(world.kpm_own) for _ in range(3)]
    small = toddler(world.kpm_own)
    login(client, world, "pendamping_kota")
    data = {f"anggota_{c.pk}": pct for c, pct in zip(children, ["85", "100", "84"], strict=True)}
    data[f"anggota_{small.pk}"] = "ya"
    response = client.post(grid_url(month=LAST_MONTH), data)
    assert response.status_code == 302
    assert response["Location"] == grid_url(month=LAST_MONTH)
    rows = CommitmentVerification.objects.filter(month=LAST_MONTH)
    assert rows.count() == 4
    assert sorted(rows.values_list("compliant", flat=True)) == [False, True, True, True]
    assert rows.get(anggota=small).checkup_done is True
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.noncompliant is True
    page = client.get(response["Location"]).content.decode()
    assert "disimpan" in page and "tidak memenuhi komitmen" in page


def test_a_field_left_empty_is_not_recorded(client, world):
    child, small = pupil(world.kpm_own), toddler(world.kpm_own)
    login(client, world, "pendamping_kota")
    client.post(grid_url(), {f"anggota_{child.pk}": "90", f"anggota_{small.pk}": ""})
    assert list(CommitmentVerification.objects.values_list("anggota", flat=True)) == [child.pk]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("101", "paling besar 100%"), ("-5", "paling kecil 0%"), ("sembilan", "angka bulat")],
)
def test_bad_attendance_is_refused_and_what_was_typed_is_kept(client, world, typed, message):
    child, other = pupil(world.kpm_own), pupil(world.kpm_own)
    login(client, world, "pendamping_kota")
    response = client.post(grid_url(), {f"anggota_{child.pk}": typed, f"anggota_{other.pk}": "93"})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page and 'value="93"' in page
    assert 'aria-invalid="true"' in page
    assert not CommitmentVerification.objects.exists()


def test_an_unknown_health_answer_is_refused(client, world):
    small = toddler(world.kpm_own)
    login(client, world, "pendamping_kota")
    response = client.post(grid_url(), {f"anggota_{small.pk}": "mungkin"})
    assert response.status_code == 400
    assert "Pilih sudah atau tidak diperiksa" in response.content.decode()


def test_a_member_of_another_kpm_posted_into_the_grid_is_ignored(client, world):
    child, stranger = pupil(world.kpm_own), pupil(world.kpm_same_district)
    login(client, world, "pendamping_kota")
    client.post(grid_url(), {f"anggota_{child.pk}": "90", f"anggota_{stranger.pk}": "10"})
    assert list(CommitmentVerification.objects.values_list("anggota", flat=True)) == [child.pk]


def test_a_future_month_is_refused(client, world):
    child = pupil(world.kpm_own)
    login(client, world, "pendamping_kota")
    future = month_add(THIS_MONTH, 1)
    response = client.post(grid_url(month=future), {f"anggota_{child.pk}": "90"})
    assert response.status_code == 400
    assert "belum berjalan" in response.content.decode()
    assert not CommitmentVerification.objects.exists()
    response = client.get(grid_url(month=future))
    assert response.status_code == 302 and response["Location"] == grid_url()


@pytest.mark.parametrize("bulan", ["2026-13", "kemarin", "26-01"])
def test_a_malformed_month_falls_back_to_this_month(client, world, bulan):
    login(client, world, "pendamping_kota")
    response = client.get(f"{grid_url()}?bulan={bulan}")
    assert response.status_code == 302 and response["Location"] == grid_url()


def test_a_graduated_kpm_is_no_longer_recorded(client, world):
    child = pupil(world.kpm_graduated)
    login(client, world, "pendamping_kota")
    response = client.post(grid_url("KDR-GRAD"), {f"anggota_{child.pk}": "90"})
    assert response.status_code == 400
    assert "tidak aktif" in response.content.decode()


def _record_history(world, members, months):
    rows = [
        CommitmentVerification(
            kpm=world.kpm_own,
            anggota=m,
            month=month_add(THIS_MONTH, -k),
            kind=CommitmentKind.SCHOOL,
            attendance_pct=90,
            compliant=True,
            recorded_by=world.admin,
        )
        for m in members
        for k in range(months)
    ]
    CommitmentVerification.objects.bulk_create(rows)


def _count_get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_grid_and_history_queries_do_not_grow_with_members_or_months(client, world):
    login(client, world, "pendamping_kota")
    few = [pupil(world.kpm_own), toddler(world.kpm_own)]
    _record_history(world, few[:1], 1)
    small = _count_get(client, grid_url())
    more = [pupil(world.kpm_own) for _ in range(6)] + [toddler(world.kpm_own) for _ in range(2)]
    _record_history(world, more[:6], HISTORY_MONTHS)
    large = _count_get(client, grid_url())
    assert large == small
    assert large <= 10


def test_a_save_is_audited_with_the_signed_in_user(client, world):
    child = pupil(world.kpm_own)
    login(client, world, "dinsos_kota")
    client.post(grid_url(), {f"anggota_{child.pk}": "90"})
    event = AuditEvent.objects.get(object_type="pendamping.commitmentverification")
    assert event.actor == world.dinsos_kota
