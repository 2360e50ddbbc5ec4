"""A visit photo is served only through a scoped view, never straight from MEDIA_URL."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from pendamping.models import Visit, VisitPurpose

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def visit(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit = Visit(
        kpm=world.kpm_own,
        visited_on=date(2026, 11, 2),
        purposes=[VisitPurpose.OTHER],
        created_by=world.pendamping_kota.user,
    )
    visit.photo.save("rumah.png", ContentFile(PNG), save=False)
    visit.save()
    return visit


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("pendamping_kota", 200),
        ("dinsos_kota", 200),
        ("pendamping_kota_other", 404),
        ("pendamping_kab", 404),
        ("dinsos_kab", 404),
        ("kementerian_jabar", 404),
        ("agency", 404),
    ],
)
def test_only_those_who_see_the_kpm_get_the_photo(client, world, visit, persona, status):
    user = getattr(world, persona)
    client.force_login(getattr(user, "user", user))
    response = client.get(reverse("kunjungan:photo", args=[visit.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PNG
        assert response["Cache-Control"] == "private, max-age=3600"


def test_anonymous_is_sent_to_sign_in(client, visit):
    response = client.get(reverse("kunjungan:photo", args=[visit.pk]))
    assert response.status_code == 302
    assert "/masuk/" in response["Location"]


def test_a_visit_without_photo_or_with_a_lost_file_is_404(client, world, visit):
    client.force_login(world.pendamping_kota.user)
    bare = Visit.objects.create(
        kpm=world.kpm_own, visited_on=date(2026, 11, 3), purposes=[VisitPurpose.OTHER],
        created_by=world.pendamping_kota.user,
    )  # fmt: skip
    assert client.get(reverse("kunjungan:photo", args=[bare.pk])).status_code == 404
    visit.photo.storage.delete(visit.photo.name)
    assert client.get(reverse("kunjungan:photo", args=[visit.pk])).status_code == 404


def test_media_url_serves_nothing(client, world, visit):
    client.force_login(world.admin)
    assert client.get(f"/media/{visit.photo.name}").status_code == 404


def test_the_profile_links_the_photo(client, world, visit):
    client.force_login(world.pendamping_kota.user)
    page = client.get(reverse("kpm:profile", args=[world.kpm_own.kpm_id])).content.decode()
    assert reverse("kunjungan:photo", args=[visit.pk]) in page
