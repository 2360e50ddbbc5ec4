"""Every list shows a NIK masked (first and last four digits): the caseload and its search
results, the proposal lists, the correction requests, the admin's lists of KPM and members, and
the API's lists for staff and agencies. No 16-digit number (a NIK or a No KK) appears whole in
any of them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from graduasi.models import GraduationType, Proposal, ProposalStatus
from kpm.models import Anggota
from kpm.services.corrections import correction_request_file
from tests.conftest import World, make_api_client

WHOLE = re.compile(r"(?<!\d)\d{16}(?!\d)")
OWN = "3571********0002"  # the pengurus of world.kpm_own, masked
GRADUATED = "3571********0005"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lists(world: World) -> World:
    """A proposal for kpm_own and a correction request on its pengurus."""
    now = timezone.now()
    Proposal.objects.create(
        kpm=world.kpm_own, pendamping=world.pendamping_kota, type=GraduationType.MANDIRI,
        status=ProposalStatus.SUBMITTED, created_by=world.pendamping_kota.user,
        submitted_at=now - timedelta(days=2), signed_statement="proposals/uji.pdf",
    )  # fmt: skip
    correction_request_file(
        anggota=Anggota.objects.get(kpm=world.kpm_own), actor=world.pendamping_kota.user,
        field="nik", value="3571015808780009", reason="KTP.",
    )  # fmt: skip
    return world


def whole_numbers(body: str) -> list[str]:
    return WHOLE.findall(body)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("pendamping_kota", "/kpm/"),
        ("pendamping_kota", "/kpm/?q=Ibu"),
        ("dinsos_kota", "/kpm/?q=KDR"),
        ("kementerian_national", "/kpm/"),
        ("admin", "/kpm/"),
        ("pendamping_kota", "/usulan/saya/"),
        ("dinsos_kota", "/usulan/"),
        ("dinsos_kota", "/usulan/?tab=semua"),
        ("pendamping_kota", "/koreksi/"),
        ("dinsos_kota", "/koreksi/"),
        ("dinsos_kota", "/pemberdayaan/rujukan/"),
        ("dinsos_kota", "/pemberdayaan/berisiko/"),
        ("admin", "/admin/kpm/kpm/"),
        ("admin", "/admin/kpm/anggota/"),
        ("admin", "/admin/kpm/anggota/?q=Ibu"),
        ("admin", "/admin/audit/auditevent/"),
        ("dinsos_kota", "/api/v1/kpm/"),
        ("kementerian_national", "/api/v1/kpm/?page_size=100"),
        ("dinsos_kota", "/api/v1/proposals/"),
    ],
)
def test_no_list_shows_a_whole_nik(lists, persona, url):
    user = getattr(lists, persona)
    response = signed_in(getattr(user, "user", user)).get(url)

    assert response.status_code == 200, url
    assert whole_numbers(response.content.decode()) == []


def test_the_lists_that_show_a_nik_show_it_masked(lists):
    admin = signed_in(lists.admin)
    officer = signed_in(lists.dinsos_kota)

    assert OWN in admin.get("/admin/kpm/anggota/").content.decode()
    api = officer.get("/api/v1/kpm/").json()
    row = next(r for r in api["results"] if r["kpm_id"] == "KDR-OWN")
    assert row["pengurus_nik"] == OWN and row["no_kk"].count("*") == 8
    assert "3571********0009" in officer.get("/koreksi/").content.decode()


def test_searching_the_caseload_by_nik_lists_the_family_without_the_number(lists):
    response = signed_in(lists.pendamping_kota.user).get("/kpm/", {"q": "3571015808780002"})

    rows = response.context["rows"]
    assert [r.kpm.kpm_id for r in rows] == ["KDR-OWN"]
    # The search box (and the language form's return address) keep what was typed.
    results = response.content.decode().split('id="hasil"', 1)[1].split("</section>", 1)[0]
    assert "KDR-OWN" in results
    assert whole_numbers(results) == []


def test_an_agency_with_the_masked_field_gets_the_nik_masked(lists):
    _client, key = make_api_client(fields=("nik_tersamar", "nama_pengurus"))

    response = Client().get("/api/v1/graduations/", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    body = response.content.decode()
    assert GRADUATED in body and whole_numbers(body) == []
