"""The waiting list and the kabupaten's funded quota: the ranking, the numbers at the top,
proposing the next households (once each, even when two officers propose at once), the pages
and who sees them, and the quota in the admin."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import (
    EnrolmentCandidate,
    EnrolmentProposal,
    FundedQuota,
    Kpm,
    KpmStatus,
)
from kpm.selectors.waiting import quota_on, waiting_numbers, waiting_ranked
from kpm.services.membership import enrolment_propose
from pengguna.models import Role
from tests.audit.test_admin_audit import change_form_data
from tests.conftest import KAB_KEDIRI, KOTA_KEDIRI, World, live_db, make_user
from tests.factories import AnggotaFactory, KpmFactory

DESA_KAB = "35.06.01.2001"


def today() -> date:
    return timezone.localdate()


def waiting(kpm_id: str, desil: int | None, since: date, desa: str = "35.71.01.1001") -> Kpm:
    kpm = KpmFactory.create(
        kpm_id=kpm_id, desa_code=desa, desil=desil, pkh_entry_date=since, status=KpmStatus.WAITING
    )
    AnggotaFactory.create(kpm=kpm, pengurus=True, nama=f"Ibu {kpm_id}")
    return kpm


def graduated(on: date, desa: str = "35.71.01.1001") -> Kpm:
    return KpmFactory.create(
        desa_code=desa, status=KpmStatus.GRADUATED, graduated_on=on, graduation_type="alamiah",
        last_paid_year=on.year, last_paid_tahap=(on.month - 1) // 3 + 1,
    )  # fmt: skip


def exited(on: date, *, was_paid: bool = True) -> Kpm:
    return KpmFactory.create(
        status=KpmStatus.EXITED, exited_on=on, exit_reason="pindah",
        last_paid_year=on.year if was_paid else None,
        last_paid_tahap=(on.month - 1) // 3 + 1 if was_paid else None,
    )  # fmt: skip


def quota(funded: int, valid_from: date | None = None, kabupaten: str = KOTA_KEDIRI) -> FundedQuota:
    return FundedQuota.objects.create(
        kabupaten_id=kabupaten, valid_from=valid_from or date(today().year, 1, 1),
        funded_kpm=funded, source="DIPA uji",
    )  # fmt: skip


@pytest.fixture
def ranked(world: World) -> list[Kpm]:
    """Five waiting households of Kota Kediri, in the order the ranking must give."""
    return [
        waiting("W-D", 1, date(2023, 1, 1)),
        waiting("W-E", 1, date(2023, 1, 1)),  # same desil and day as W-D: by kpm_id
        waiting("W-B", 1, date(2025, 5, 1)),
        waiting("W-A", 3, date(2022, 1, 1)),
        waiting("W-C", None, date(2019, 1, 1)),  # no desil: last, however long it waited
    ]


@pytest.fixture
def places(world: World) -> None:
    """Kota Kediri has a quota and four places freed this year."""
    quota(10)
    for _ in range(3):
        graduated(today())
    exited(today())


def propose(world: World, count: int, actor: Any = None, note: str = "") -> EnrolmentProposal:
    return enrolment_propose(
        kabupaten_code=KOTA_KEDIRI, actor=actor or world.dinsos_kota, count=count, note=note
    )


def proposed_ids(proposal: EnrolmentProposal) -> list[str]:
    return [c.kpm.kpm_id for c in proposal.candidates.select_related("kpm").order_by("rank")]


# Ranking and numbers -------------------------------------------------------------------------


def test_waiting_households_rank_by_desil_then_waiting_since_with_no_desil_last(world, ranked):
    waiting("W-OTHER-KAB", 1, date(2020, 1, 1), desa=DESA_KAB)
    KpmFactory.create(status=KpmStatus.ACTIVE, desil=1)

    order = [k.kpm_id for k in waiting_ranked(KOTA_KEDIRI)]

    assert order == [k.kpm_id for k in ranked]


def test_the_latest_quota_valid_today_applies(world):
    quota(100, date(2024, 1, 1))
    current = quota(120, today() - timedelta(days=1))
    quota(999, today() + timedelta(days=30))
    quota(5, date(2024, 1, 1), kabupaten=KAB_KEDIRI)

    assert quota_on(KOTA_KEDIRI, today()) == current
    assert quota_on(KOTA_KEDIRI, date(2023, 12, 31)) is None


def test_the_numbers_at_the_top_equal_counts_made_directly(world, ranked):
    this_year = today()
    last_year = date(this_year.year - 1, 6, 1)
    quota(50)
    for on in (this_year, this_year, last_year):
        graduated(on)
    graduated(this_year, desa=DESA_KAB)  # another kabupaten
    exited(this_year)
    exited(this_year, was_paid=False)  # left the waiting list: held no place
    exited(last_year)
    propose_ok = propose(world, 2)
    enrolled = EnrolmentCandidate.objects.get(proposal=propose_ok, rank=1).kpm
    Kpm.objects.filter(pk=enrolled.pk).update(status=KpmStatus.ACTIVE)  # enrolled since

    numbers = waiting_numbers(KOTA_KEDIRI, on=this_year)

    kota = Kpm.objects.filter(kabupaten_code=KOTA_KEDIRI)
    active = kota.filter(status=KpmStatus.ACTIVE).count()
    freed = (
        kota.filter(graduated_on__year=this_year.year).count()
        + kota.filter(exited_on__year=this_year.year, last_paid_year__isnull=False).count()
    )
    assert numbers.quota is not None and numbers.quota.funded_kpm == 50
    assert (numbers.active, numbers.freed) == (active, freed)
    assert (numbers.graduated, numbers.exited, numbers.freed) == (2, 1, 3)
    assert numbers.proposed == 2
    assert numbers.pending == 1  # the other one still waits to be enrolled
    assert numbers.open_places == freed - 2 == 1
    assert numbers.room == 50 - active - 1


def test_places_still_open_never_fall_below_zero_and_no_quota_shows_none(world):
    numbers = waiting_numbers(KOTA_KEDIRI, on=today())

    assert numbers.quota is None and numbers.room is None
    assert numbers.open_places == 0


# Proposing -----------------------------------------------------------------------------------


def test_proposing_takes_exactly_the_top_n_and_a_second_proposal_skips_them(world, ranked, places):
    first = propose(world, 2, note="Tempat dari graduasi tahap 1")
    second = propose(world, 2)

    assert proposed_ids(first) == ["W-D", "W-E"]
    assert proposed_ids(second) == ["W-B", "W-A"]
    assert [k.kpm_id for k in waiting_ranked(KOTA_KEDIRI)] == ["W-C"]
    candidate = EnrolmentCandidate.objects.get(proposal=first, rank=1)
    assert (candidate.desil, candidate.waiting_since) == (1, date(2023, 1, 1))
    assert first.note == "Tempat dari graduasi tahap 1"
    assert Kpm.objects.get(kpm_id="W-D").status == KpmStatus.WAITING  # proposed, not enrolled


def test_a_proposal_is_audited_with_its_households(world, ranked, places):
    proposal = propose(world, 3, note="Usulan Januari")

    event = AuditEvent.objects.get(object_type="kpm.enrolmentproposal", object_id=str(proposal.pk))
    assert event.action == AuditAction.CREATE
    assert event.actor == world.dinsos_kota
    assert event.changes["kpm_ids"] == [None, ["W-D", "W-E", "W-B"]]
    assert event.changes["note"] == [None, "Usulan Januari"]


@pytest.mark.parametrize("count", [0, -1])
def test_proposing_no_household_is_refused(world, ranked, places, count):
    with pytest.raises(DomainError, match="paling sedikit 1") as refused:
        propose(world, count)
    assert refused.value.code == "count"
    assert not EnrolmentProposal.objects.exists()


def test_proposing_more_than_the_open_places_is_refused(world, ranked, places):
    propose(world, 3)

    with pytest.raises(DomainError, match="paling banyak 1") as refused:
        propose(world, 2)

    assert refused.value.code == "count"
    assert EnrolmentProposal.objects.count() == 1
    assert EnrolmentCandidate.objects.count() == 3


def test_proposing_when_every_freed_place_is_taken_is_refused(world, ranked, places):
    propose(world, 4)

    with pytest.raises(DomainError, match="Belum ada tempat"):
        propose(world, 1)


def test_proposing_without_a_quota_is_refused(world, ranked):
    graduated(today())

    with pytest.raises(DomainError, match="Kuota") as refused:
        propose(world, 1)

    assert refused.value.code == "no_quota"
    assert not EnrolmentProposal.objects.exists()


def test_proposing_with_nobody_waiting_is_refused(world, places):
    with pytest.raises(DomainError, match="Tidak ada rumah tangga") as refused:
        propose(world, 1)

    assert refused.value.code == "none_waiting"


def test_proposing_more_than_are_waiting_is_refused(world, places):
    waiting("W-ONLY", 2, date(2024, 1, 1))

    with pytest.raises(DomainError, match="Hanya 1 rumah tangga"):
        propose(world, 2)


@pytest.mark.parametrize(
    "persona",
    ["dinsos_kab", "kementerian_national", "kementerian_jatim", "admin", "pendamping"],
)
def test_only_a_dinsos_officer_of_the_kabupaten_proposes(world, ranked, places, persona):
    actor = world.pendamping_kota.user if persona == "pendamping" else getattr(world, persona)

    with pytest.raises(DomainError) as refused:
        propose(world, 1, actor=actor)

    assert refused.value.code == "forbidden"
    assert not EnrolmentProposal.objects.exists()


@live_db
def test_two_officers_proposing_at_once_never_propose_the_same_household(world):
    for i in range(6):
        waiting(f"W-{i}", 1 + i % 3, date(2023, 1, 1 + i))
    quota(10)
    for _ in range(4):
        graduated(today())
    officers = [world.dinsos_kota, make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)]
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def run(officer: Any) -> None:
        try:
            barrier.wait(timeout=10)
            propose(world, 2, actor=officer)
            outcomes.append("proposed")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["proposed", "proposed"]
    kpm_ids = list(EnrolmentCandidate.objects.values_list("kpm__kpm_id", flat=True))
    assert len(kpm_ids) == len(set(kpm_ids)) == 4
    assert set(kpm_ids) == {k.kpm_id for k in waiting_ranked_all()[:4]}
    assert EnrolmentProposal.objects.count() == 2


def waiting_ranked_all() -> list[Kpm]:
    """The ranking as if nobody had been proposed."""
    return list(
        Kpm.objects.filter(status=KpmStatus.WAITING).order_by("desil", "pkh_entry_date", "kpm_id")
    )


# Pages ---------------------------------------------------------------------------------------

WAITING_URL = reverse("kepesertaan:waiting")


def test_the_dinsos_officer_sees_the_numbers_and_the_ranking(client, world, ranked, places):
    client.force_login(world.dinsos_kota)

    response = client.get(WAITING_URL)

    assert response.status_code == 200
    page = response.content.decode()
    numbers = response.context["numbers"]
    assert (numbers.freed, numbers.open_places, numbers.quota.funded_kpm) == (4, 4, 10)
    assert [r.kpm.kpm_id for r in response.context["rows"]] == [k.kpm_id for k in ranked]
    assert [r.rank for r in response.context["rows"]] == [1, 2, 3, 4, 5]
    first = response.context["rows"][0]
    assert first.days == (today() - date(2023, 1, 1)).days
    assert first.kpm.pengurus_nama == "Ibu W-D"
    assert "Ibu W-D" in page and "01-01-2023" in page
    assert "Usulkan peserta baru" in page
    assert "KOTA KEDIRI" in page


def test_the_page_says_when_no_quota_is_set(client, world):
    client.force_login(world.dinsos_kota)

    page = client.get(WAITING_URL).content.decode()

    assert "kuota belum ditetapkan" in page


def test_the_ranking_is_paginated_by_fifty_with_running_ranks(client, world):
    for i in range(55):
        waiting(f"W-{i:03d}", 2, date(2023, 1, 1) + timedelta(days=i))
    client.force_login(world.dinsos_kota)

    response = client.get(WAITING_URL, {"halaman": 2})

    rows = response.context["rows"]
    assert [r.rank for r in rows] == [51, 52, 53, 54, 55]
    assert rows[0].kpm.kpm_id == "W-050"
    assert "halaman=1" in response.context["prev_url"]


def test_the_waiting_page_costs_a_fixed_number_of_queries(
    client, world, places, django_assert_max_num_queries
):
    for i in range(30):
        waiting(f"W-{i:03d}", 1 + i % 10, date(2023, 1, 1) + timedelta(days=i))
    client.force_login(world.dinsos_kota)
    propose(world, 2)
    propose(world, 1)

    with django_assert_max_num_queries(9):
        response = client.get(WAITING_URL)

    assert len(response.context["rows"]) == 27
    assert len(response.context["proposals"]) == 2


def test_a_dinsos_officer_gets_404_for_another_kabupaten(client, world):
    client.force_login(world.dinsos_kota)

    assert client.get(WAITING_URL, {"kabupaten": KAB_KEDIRI}).status_code == 404
    assert client.get(WAITING_URL, {"kabupaten": KOTA_KEDIRI}).status_code == 200


@pytest.mark.parametrize(
    ("persona", "kabupaten", "status"),
    [
        ("kementerian_national", KOTA_KEDIRI, 200),
        ("kementerian_jatim", KAB_KEDIRI, 200),
        ("kementerian_jabar", KOTA_KEDIRI, 404),
        ("kementerian_national", "99.99", 404),
        ("admin", KAB_KEDIRI, 200),
    ],
)
def test_the_ministry_and_admin_choose_a_kabupaten_in_scope(
    client, world, persona, kabupaten, status
):
    client.force_login(getattr(world, persona))

    response = client.get(WAITING_URL, {"kabupaten": kabupaten})

    assert response.status_code == status
    if status == 200:
        assert response.context["kabupaten"].code == kabupaten
        assert not response.context["can_propose"]
        assert "Usulkan peserta baru" not in response.content.decode()


def test_without_a_kabupaten_the_ministry_chooses_from_those_in_scope(client, world):
    client.force_login(world.kementerian_jatim)

    response = client.get(WAITING_URL)

    codes = {k.code for k in response.context["choices"]}
    assert {KOTA_KEDIRI, KAB_KEDIRI} <= codes
    assert all(code.startswith("35.") for code in codes)


@pytest.mark.parametrize("persona", ["pendamping", "agency"])
def test_roles_without_a_waiting_list_are_refused(client, world, persona):
    client.force_login(world.pendamping_kota.user if persona == "pendamping" else world.agency)

    assert client.get(WAITING_URL).status_code == 403


def test_proposing_on_the_page_leads_to_the_proposal(client, world, ranked, places):
    client.force_login(world.dinsos_kota)

    response = client.post(WAITING_URL, {"count": "2", "note": "Tahap 1"})

    proposal = EnrolmentProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("kepesertaan:proposal", args=[proposal.pk])
    detail = client.get(response["Location"])
    assert [c.kpm.kpm_id for c in detail.context["candidates"]] == ["W-D", "W-E"]
    assert "Tahap 1" in detail.content.decode()
    assert "W-D" not in [r.kpm.kpm_id for r in client.get(WAITING_URL).context["rows"]]


def test_a_refused_proposal_on_the_page_says_why(client, world, ranked, places):
    client.force_login(world.dinsos_kota)

    too_many = client.post(WAITING_URL, {"count": "9"})
    zero = client.post(WAITING_URL, {"count": "0"})

    assert too_many.status_code == 200
    assert "paling banyak 4" in str(too_many.context["form"].errors["count"])
    assert "paling sedikit 1" in str(zero.context["form"].errors["count"])
    assert not EnrolmentProposal.objects.exists()


def test_the_ministry_cannot_propose_from_the_page(client, world, ranked, places):
    client.force_login(world.kementerian_national)

    response = client.post(f"{WAITING_URL}?kabupaten={KOTA_KEDIRI}", {"count": "1"})

    assert response.status_code == 403
    assert not EnrolmentProposal.objects.exists()


def test_a_proposal_of_another_kabupaten_is_404(client, world, ranked, places):
    proposal = propose(world, 1)
    url = reverse("kepesertaan:proposal", args=[proposal.pk])

    client.force_login(world.dinsos_kab)
    assert client.get(url).status_code == 404
    client.force_login(world.kementerian_jabar)
    assert client.get(url).status_code == 404
    client.force_login(world.kementerian_jatim)
    assert client.get(url).status_code == 200


def test_the_proposal_page_costs_a_fixed_number_of_queries(
    client, world, places, django_assert_max_num_queries
):
    for i in range(8):
        waiting(f"W-{i}", 2, date(2023, 1, 1 + i))
    proposal = propose(world, 4)
    client.force_login(world.dinsos_kota)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("kepesertaan:proposal", args=[proposal.pk]))

    assert len(response.context["candidates"]) == 4


def test_the_nav_offers_the_waiting_list_to_dinsos_only(client, world):
    client.force_login(world.dinsos_kota)
    assert WAITING_URL in client.get(reverse("kpm:caseload")).content.decode()
    client.force_login(world.pendamping_kota.user)
    assert WAITING_URL not in client.get(reverse("kpm:caseload")).content.decode()


# The quota in the admin ----------------------------------------------------------------------


@pytest.fixture
def ministry_staff(world):
    for user in (world.kementerian_national, world.kementerian_jatim):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return world


def test_national_ministry_staff_set_a_quota_in_the_admin_and_it_is_audited(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)
    url = reverse("admin:kpm_fundedquota_add")
    data = change_form_data(client.get(url))
    data.update(
        {"kabupaten": KOTA_KEDIRI, "valid_from": "2026-01-01", "funded_kpm": "18000",
         "source": "DIPA 2026"}
    )  # fmt: skip

    response = client.post(url, data)

    assert response.status_code == 302
    row = FundedQuota.objects.get(kabupaten_id=KOTA_KEDIRI)
    assert row.funded_kpm == 18000
    event = AuditEvent.objects.get(object_type="kpm.fundedquota", object_id=str(row.pk))
    assert event.action == AuditAction.CREATE and event.actor == ministry_staff.kementerian_national


def test_provincial_ministry_staff_read_their_province_quotas_but_cannot_change_them(
    client, ministry_staff
):
    kota = quota(18000)
    other = quota(500, kabupaten="32.01")
    client.force_login(ministry_staff.kementerian_jatim)

    listing = client.get(reverse("admin:kpm_fundedquota_changelist"))
    assert listing.status_code == 200
    assert [q.pk for q in listing.context["cl"].result_list] == [kota.pk]
    assert client.get(reverse("admin:kpm_fundedquota_add")).status_code == 403
    change = reverse("admin:kpm_fundedquota_change", args=[kota.pk])
    assert client.post(change, {"funded_kpm": "1"}).status_code == 403
    assert client.get(reverse("admin:kpm_fundedquota_change", args=[other.pk])).status_code == 302
    kota.refresh_from_db()
    assert kota.funded_kpm == 18000
