"""The installable app's routes and what a pendamping's phone may keep."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpm.models import KpmStatus
from luring.middleware import KEEP_HEADER
from luring.selectors import offline_pages
from pendamping.models import MeetingStatus, P2k2Group, P2k2Meeting, P2k2Session
from tests.factories import KpmFactory
from tests.pendamping.test_p2k2 import p2k2_catalogue  # noqa: F401  (autouse)


def test_the_manifest_makes_the_app_installable(client, db):
    response = client.get(reverse("luring:manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert (body["start_url"], body["scope"], body["display"]) == ("/", "/", "standalone")
    assert body["name"] == "PKH Graduasi" and body["lang"] == "id"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in body["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in body["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), icon["src"]


def test_the_service_worker_comes_from_the_root_uncached_with_a_stable_version(client, db):
    first = client.get("/sw.js")
    assert first.status_code == 200
    assert first["Content-Type"] == "text/javascript"
    assert first["Service-Worker-Allowed"] == "/"
    assert "no-cache" in first["Cache-Control"] or "max-age=0" in first["Cache-Control"]
    text = first.content.decode()
    assert '"/luring/"' in text and "css/app.css" in text and "js/luring.js" in text
    assert "{version}" not in text and "{{" not in text
    assert client.get("/sw.js").content == first.content


def test_a_changed_shell_file_is_a_new_service_worker(client, db, monkeypatch):
    from luring import views

    before = client.get("/sw.js").content
    monkeypatch.setattr(views, "_shell_contents", lambda: b"app.css as changed")
    assert client.get("/sw.js").content != before


def test_the_offline_page_names_nobody(client, world):
    client.force_login(world.pendamping_kota.user)
    html = client.get(reverse("luring:offline")).content.decode()
    assert "Halaman ini belum tersimpan di HP" in html
    assert "pendamping_kota" not in html and "data-pengguna" not in html


def _group_with_meetings(world):
    group = P2k2Group.objects.create(
        pendamping=world.pendamping_kota, name="Melati", desa_id=world.kpm_own.desa_id
    )
    session = P2k2Session.objects.order_by("id")[0]
    today = timezone.localdate()
    made = {}
    for name, status, days in [
        ("planned", MeetingStatus.PLANNED, 0),
        ("held_lately", MeetingStatus.HELD, 10),
        ("held_long_ago", MeetingStatus.HELD, 90),
        ("cancelled", MeetingStatus.CANCELLED, 0),
    ]:
        made[name] = P2k2Meeting.objects.create(
            group=group, session=session, scheduled_on=today - timedelta(days=days), status=status
        )
    return group, made


def test_a_pendamping_keeps_their_own_pages_only(world):
    exited = KpmFactory.create(pendamping=world.pendamping_kota, status=KpmStatus.EXITED)
    group, meetings = _group_with_meetings(world)
    pages = offline_pages(world.pendamping_kota.user)
    own = world.kpm_own.kpm_id
    for url in [
        f"/kpm/{own}/", f"/kunjungan/{own}/baru/", f"/komitmen/{own}/", "/", "/kpm/", "/p2k2/",
        f"/kpm/{world.kpm_graduated.kpm_id}/",  # follow-up visits after graduation
        f"/p2k2/kelompok/{group.pk}/", f"/p2k2/pertemuan/{meetings['planned'].pk}/",
        f"/p2k2/pertemuan/{meetings['held_lately'].pk}/",
    ]:  # fmt: skip
        assert url in pages, url
    for absent in [world.kpm_same_district.kpm_id, world.kpm_other_district.kpm_id, exited.kpm_id]:
        assert not [u for u in pages if absent in u], absent
    for meeting in ("held_long_ago", "cancelled"):
        assert f"/p2k2/pertemuan/{meetings[meeting].pk}/" not in pages
    assert len(pages) == len(set(pages))


def test_every_caseload_page_is_kept(world):
    KpmFactory.create_batch(30, pendamping=world.pendamping_kota)
    pages = offline_pages(world.pendamping_kota.user)
    assert "/kpm/?halaman=2" in pages and "/kpm/?halaman=3" not in pages  # 32 KPM, 25 a page


def test_the_list_costs_the_same_queries_for_any_caseload(world, client):
    client.force_login(world.pendamping_kota.user)
    _group_with_meetings(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("luring:pages")).status_code == 200
    KpmFactory.create_batch(40, pendamping=world.pendamping_kota)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("luring:pages")).json()
    assert len(many) == len(few)
    assert len(body["halaman"]) > 120


@pytest.mark.parametrize("persona", ["dinsos_kota", "kementerian_national", "agency", "admin"])
def test_only_a_pendamping_gets_the_list(client, world, persona):
    user = getattr(world, persona)
    client.force_login(user)
    assert client.get(reverse("luring:pages")).status_code == 403


def kept(response) -> bool:
    return response.get(KEEP_HEADER) == "simpan"


def test_only_a_pendamping_s_own_pages_are_marked_keepable(client, world):
    own = reverse("kpm:profile", args=[world.kpm_own.kpm_id])
    client.force_login(world.pendamping_kota.user)
    assert kept(client.get(own))
    assert kept(client.get(reverse("kunjungan:create", args=[world.kpm_own.kpm_id])))
    assert not kept(client.get(reverse("kpm:profile", args=[world.kpm_same_district.kpm_id])))
    assert not kept(client.get(own, HTTP_HX_REQUEST="true"))
    assert not kept(client.get(reverse("luring:pages")))
    client.force_login(world.dinsos_kota)
    response = client.get(own)
    assert response.status_code == 200 and not kept(response)


def test_a_page_that_showed_a_one_time_message_is_not_kept(client, world):
    client.force_login(world.pendamping_kota.user)
    data = {
        "visited_on": timezone.localdate().isoformat(), "purposes": ["lainnya"],
        "idempotency_key": str(uuid.uuid4()),
    }  # fmt: skip
    saved = client.post(reverse("kunjungan:create", args=[world.kpm_own.kpm_id]), data)
    with_message = client.get(saved["Location"])
    assert "tersimpan" in with_message.content.decode() and not kept(with_message)
    assert kept(client.get(saved["Location"]))  # the next plain load is kept
