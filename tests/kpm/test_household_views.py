"""Household change pages: who may open and post them, what each saves, what a refusal keeps."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kpm.demo.identity import nik_make
from kpm.models import Anggota, MemberStatus
from kpm.views.household import kpm_profile_url
from tests.factories import AnggotaFactory


def today() -> date:
    return timezone.localdate()


def user_of(world, persona: str):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def pengurus_of(kpm) -> Anggota:
    return kpm.anggota.get(is_pengurus=True)


def page_url(name: str, world, kpm: str = "kpm_own") -> str:
    target = getattr(world, kpm)
    if name == "birth":
        return reverse("anggota:birth", args=[target.kpm_id])
    return reverse(f"anggota:{name}", args=[pengurus_of(target).pk])


PAGES = ["birth", "pregnancy", "school", "exit"]
PERSONAS = [
    ("pendamping_kota", "kpm_own", 200),
    ("pendamping_kota_other", "kpm_own", 404),
    ("pendamping_kab", "kpm_own", 404),
    ("dinsos_kota", "kpm_own", 200),
    ("dinsos_kab", "kpm_own", 404),
    ("kementerian_jatim", "kpm_own", 403),
    ("kementerian_jabar", "kpm_own", 404),
    ("agency", "kpm_own", 404),
    ("agency", "kpm_graduated", 403),
    ("admin", "kpm_own", 200),
]


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize(("persona", "kpm", "status"), PERSONAS)
def test_who_may_open_each_household_page(client, world, which, persona, kpm, status):
    client.force_login(user_of(world, persona))

    assert client.get(page_url(which, world, kpm)).status_code == status


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize(("persona", "kpm", "status"), [p for p in PERSONAS if p[2] != 200])
def test_who_may_not_post_a_household_change(client, world, which, persona, kpm, status):
    client.force_login(user_of(world, persona))
    before = list(Anggota.objects.order_by("pk").values())

    response = client.post(
        page_url(which, world, kpm),
        {"event": "hamil", "perkiraan_lahir": (today() + timedelta(days=90)).isoformat(),
         "jenjang_sekolah": "SD", "status": "pindah", "tanggal": today().isoformat()},
    )  # fmt: skip

    assert response.status_code == status
    assert list(Anggota.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("which", PAGES)
def test_anonymous_is_sent_to_login(client, world, which):
    response = client.get(page_url(which, world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_member_is_404(client, world):
    client.force_login(world.admin)

    assert client.get(reverse("anggota:school", args=[999_999])).status_code == 404


# Birth


def test_a_birth_is_saved_and_the_pregnant_mother_is_offered_first(client, world):
    mother = pengurus_of(world.kpm_own)
    mother.hamil, mother.perkiraan_lahir = True, today() + timedelta(days=3)
    mother.save()
    client.force_login(world.pendamping_kota.user)
    page = client.get(page_url("birth", world)).content.decode()
    assert f'<option value="{mother.pk}" selected>{mother.nama} (hamil)</option>' in page
    born = today() - timedelta(days=1)

    response = client.post(
        page_url("birth", world),
        {"nama": "Bayi Uji", "jenis_kelamin": "P", "tanggal_lahir": born.strftime("%d-%m-%Y"),
         "nik": nik_make("357101", born, "P", 12), "mother": mother.pk},
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == kpm_profile_url(world.kpm_own.kpm_id)
    baby = Anggota.objects.get(nama="Bayi Uji")
    assert (baby.kpm, baby.tanggal_lahir, baby.hubungan) == (world.kpm_own, born, "anak")
    mother.refresh_from_db()
    assert (mother.hamil, mother.tanggal_persalinan) == (False, born)


def test_a_refused_birth_keeps_what_was_typed(client, world):
    client.force_login(world.pendamping_kota.user)
    born = today() - timedelta(days=1)

    response = client.post(
        page_url("birth", world),
        {"nama": "Bayi Tertunda", "jenis_kelamin": "L", "tanggal_lahir": born.isoformat(),
         "nik": nik_make("357101", born - timedelta(days=1), "L", 12)},
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "tidak cocok dengan tanggal di NIK" in page
    assert 'value="Bayi Tertunda"' in page
    assert not Anggota.objects.filter(nama="Bayi Tertunda").exists()


def test_a_birth_without_nik_says_where_to_find_it(client, world):
    client.force_login(world.dinsos_kota)

    page = client.post(
        page_url("birth", world), {"nama": "Bayi", "jenis_kelamin": "L", "tanggal_lahir": ""}
    ).content.decode()

    assert "Isi NIK bayi (16 angka dari Kartu Keluarga)." in page
    assert "Isi tanggalnya." in page


def test_a_duplicate_nik_is_shown_next_to_the_nik(client, world):
    other = pengurus_of(world.kpm_same_district)
    client.force_login(world.pendamping_kota.user)

    page = client.post(
        page_url("birth", world),
        {"nama": "Bayi", "jenis_kelamin": "P", "tanggal_lahir": other.tanggal_lahir.isoformat(),
         "nik": other.nik},
    ).content.decode()  # fmt: skip

    assert 'id="id_nik_error"' in page
    assert "sudah terdaftar untuk orang lain" in page


# Pregnancy


def test_a_pregnancy_is_saved(client, world):
    member = pengurus_of(world.kpm_own)
    due = today() + timedelta(days=100)
    client.force_login(world.pendamping_kota.user)

    response = client.post(
        page_url("pregnancy", world), {"event": "hamil", "perkiraan_lahir": due.isoformat()}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.hamil, member.perkiraan_lahir) == (True, due)


def test_a_delivery_is_saved(client, world):
    member = pengurus_of(world.kpm_own)
    client.force_login(world.admin)

    client.post(
        page_url("pregnancy", world),
        {"event": "persalinan", "tanggal_persalinan": today().isoformat()},
    )

    member.refresh_from_db()
    assert member.tanggal_persalinan == today()


def test_a_pregnancy_for_a_man_is_refused_on_the_page(client, world):
    man = AnggotaFactory.create(kpm=world.kpm_own, jenis_kelamin="L", hubungan="suami")
    client.force_login(world.pendamping_kota.user)
    url = reverse("anggota:pregnancy", args=[man.pk])
    assert "hanya dicatat untuk anggota perempuan" in client.get(url).content.decode()

    response = client.post(
        url, {"event": "hamil", "perkiraan_lahir": (today() + timedelta(days=60)).isoformat()}
    )

    assert response.status_code == 200
    assert "Kehamilan hanya dicatat untuk anggota perempuan." in response.content.decode()
    man.refresh_from_db()
    assert not man.hamil


def test_a_pregnancy_without_due_date_is_refused(client, world):
    client.force_login(world.pendamping_kota.user)

    page = client.post(page_url("pregnancy", world), {"event": "hamil"}).content.decode()

    assert "Isi perkiraan tanggal lahir bayi." in page
    assert re.search(r'value="hamil"[^>]*checked', page)  # the choice typed is kept


# School


def test_a_school_change_is_saved(client, world):
    child = AnggotaFactory.create(
        kpm=world.kpm_own, hubungan="anak", tanggal_lahir=today() - timedelta(days=3000)
    )
    client.force_login(world.pendamping_kota.user)

    response = client.post(reverse("anggota:school", args=[child.pk]), {"jenjang_sekolah": "SD"})

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.jenjang_sekolah == "SD"


def test_an_unknown_school_level_is_refused(client, world):
    client.force_login(world.pendamping_kota.user)

    response = client.post(page_url("school", world), {"jenjang_sekolah": "S3"})

    assert response.status_code == 200
    assert "Pilih jenjang sekolah dari daftar." in response.content.decode()


# A member leaves


def test_the_last_member_page_points_to_dinsos_and_a_post_is_refused(client, world):
    client.force_login(world.pendamping_kota.user)
    url = page_url("exit", world)
    assert "Dinsos yang mencatat KPM keluar" in client.get(url).content.decode()

    response = client.post(url, {"status": "meninggal", "tanggal": today().isoformat()})

    assert response.status_code == 200
    assert pengurus_of(world.kpm_own).status == MemberStatus.ACTIVE


def test_a_leaving_pengurus_must_name_a_successor(client, world):
    husband = AnggotaFactory.create(
        kpm=world.kpm_own, jenis_kelamin="L", hubungan="suami", tanggal_lahir=date(1976, 1, 2)
    )
    client.force_login(world.dinsos_kota)
    url = page_url("exit", world)
    assert f'<option value="{husband.pk}" selected>' in client.get(url).content.decode()

    refused = client.post(url, {"status": "pindah", "tanggal": today().isoformat()})

    assert "Pilih anggota yang menjadi pengurus baru." in refused.content.decode()
    saved = client.post(
        url, {"status": "pindah", "tanggal": today().isoformat(), "new_pengurus": husband.pk}
    )
    assert saved.status_code == 302
    husband.refresh_from_db()
    assert husband.is_pengurus


def test_a_member_who_is_not_pengurus_leaves_without_a_successor_field(client, world):
    child = AnggotaFactory.create(
        kpm=world.kpm_own, hubungan="anak", tanggal_lahir=today() - timedelta(days=4000)
    )
    client.force_login(world.pendamping_kota.user)
    url = reverse("anggota:exit", args=[child.pk])
    assert "new_pengurus" not in client.get(url).content.decode()

    response = client.post(url, {"status": "meninggal", "tanggal": today().isoformat()})

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.status == MemberStatus.DIED


def test_a_future_exit_date_is_refused_and_kept(client, world):
    AnggotaFactory.create(kpm=world.kpm_own, jenis_kelamin="L", hubungan="suami")
    client.force_login(world.pendamping_kota.user)
    tomorrow = (today() + timedelta(days=1)).isoformat()

    page = client.post(page_url("exit", world), {"status": "pindah", "tanggal": tomorrow})

    text = page.content.decode()
    assert "Tanggal tidak boleh sesudah hari ini." in text
    assert f'value="{tomorrow}"' in text
