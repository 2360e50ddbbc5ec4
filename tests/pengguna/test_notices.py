"""Notices: a user sees their own unread notices on the Beranda, opens one to follow its link
and mark it read, and never sees anyone else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pengguna.models import Notice
from pengguna.services import notice_send, notices_mark_read


def test_unread_notices_show_on_the_beranda_newest_first(client, world):
    user = world.pendamping_kota.user
    notice_send(user=user, message="Usulan graduasi KPM KDR-OWN disetujui.", link="/usulan/1/")
    notice_send(user=user, message="Usulan graduasi KPM KDR-X ditolak: Belum siap")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="notices"' in page
    assert page.index("KDR-X ditolak") < page.index("KDR-OWN disetujui")


def test_nobody_sees_another_users_notices(client, world):
    notice_send(user=world.pendamping_kota.user, message="Rahasia pendamping kota")
    client.force_login(world.pendamping_kota_other.user)
    assert "Rahasia pendamping kota" not in client.get(reverse("home")).content.decode()
    assert "Rahasia" not in client.get(reverse("pengguna_notices")).content.decode()


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, world):
    user = world.pendamping_kota.user
    notice = notice_send(user=user, message="Disetujui", link="/kpm/KDR-OWN/")
    client.force_login(user)
    response = client.post(reverse("pengguna_notices"), {"notice": notice.pk})
    assert response.status_code == 302 and response["Location"] == "/kpm/KDR-OWN/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'data-testid="notices"' not in client.get(reverse("home")).content.decode()


def test_a_user_cannot_mark_someone_elses_notice_read(client, world):
    notice = notice_send(user=world.pendamping_kota.user, message="Milik orang lain")
    client.force_login(world.pendamping_kota_other.user)
    response = client.post(reverse("pengguna_notices"), {"notice": notice.pk})
    assert response["Location"] == reverse("pengguna_notices")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_all_read_touches_only_the_users_own_notices(world):
    mine, theirs = world.pendamping_kota.user, world.pendamping_kota_other.user
    for n in range(3):
        notice_send(user=mine, message=f"Pesan {n}")
    notice_send(user=theirs, message="Pesan lain")
    assert notices_mark_read(user=mine) == 3
    assert Notice.objects.filter(read_at__isnull=True).get().user == theirs


@pytest.mark.parametrize("link", ["https://contoh.invalid/", "//contoh.invalid/x", "/\\contoh"])
def test_an_external_link_is_never_followed(client, world, link):
    user = world.pendamping_kota.user
    notice = notice_send(user=user, message="Aneh", link=link)
    client.force_login(user)
    response = client.post(reverse("pengguna_notices"), {"notice": notice.pk})
    assert response["Location"] == reverse("pengguna_notices")


def test_the_notice_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("pengguna_notices"))
    assert response.status_code == 302 and "/masuk/" in response["Location"]
