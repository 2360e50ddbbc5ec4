"""The Dinsos queue of graduation proposals: only the officer's kabupaten, oldest first, each
filter, the summary (pending, median and oldest age, returned), the tabs, paging, and a query
count that does not follow the number of rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from graduasi.models import GraduationType, Proposal
from graduasi.models import ProposalStatus as S
from kpm.models import Kpm
from pendamping.models import Pendamping
from pengguna.models import User
from tests.conftest import DESA_KAB_KEDIRI, DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2, World
from tests.factories import AnggotaFactory, EconomicAssessmentFactory, KpmFactory

QUEUE = reverse("usulan:queue")
NOW = timezone.now()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def family(pendamping: Pendamping, desa: str = DESA_KOTA_KEDIRI, name: str = "") -> Kpm:
    kpm = KpmFactory.create(pendamping=pendamping, desa_code=desa)
    AnggotaFactory.create(kpm=kpm, pengurus=True, **({"nama": name} if name else {}))
    return kpm


def proposal(
    kpm: Kpm,
    *,
    days: int = 0,
    status: str = S.SUBMITTED,
    type: str = GraduationType.MANDIRI,
    decided_days: int | None = None,
    officer: User | None = None,
) -> Proposal:
    """A proposal submitted `days` ago (and decided `decided_days` ago, when given)."""
    assert kpm.pendamping is not None
    decided = None if decided_days is None else NOW - timedelta(days=decided_days)
    return Proposal.objects.create(
        kpm=kpm, pendamping=kpm.pendamping, type=type, status=status,
        created_by=kpm.pendamping.user, submitted_at=NOW - timedelta(days=days),
        decided_at=decided, decided_by=officer if decided else None,
        signed_statement="proposals/uji.pdf" if type == GraduationType.MANDIRI else "",
    )  # fmt: skip


def kpm_ids(response) -> list[str]:
    return [p.kpm.kpm_id for p in response.context["rows"]]


@pytest.fixture
def waiting(world: World) -> dict[str, Proposal]:
    """Kota Kediri: three submitted (10, 3 and 1 day old, two kecamatan, two pendamping), one
    returned, one draft; Kab. Kediri: one submitted 20 days ago."""
    kota, other = world.pendamping_kota, world.pendamping_kota_other
    return {
        "ten": proposal(family(kota, name="Siti Aminah"), days=10),
        "three": proposal(family(other, DESA_KOTA_KEDIRI_2), days=3, type=GraduationType.SEJAHTERA),
        "one": proposal(family(kota), days=1),
        "returned": proposal(
            family(kota), days=8, status=S.RETURNED, decided_days=2, officer=world.dinsos_kota
        ),
        "draft": proposal(family(kota), status=S.DRAFT),
        "kab": proposal(family(world.pendamping_kab, DESA_KAB_KEDIRI), days=20),
    }


def test_the_queue_shows_the_kabupaten_proposals_waiting_oldest_first(world, waiting):
    response = signed_in(world.dinsos_kota).get(QUEUE)
    assert response.status_code == 200
    order = [waiting[k].kpm.kpm_id for k in ("ten", "three", "one")]
    assert kpm_ids(response) == order
    page = response.content.decode()
    assert 'data-testid="proposal-queue"' in page
    assert "Siti Aminah" in page and "Mojoroto" in page
    assert waiting["kab"].kpm.kpm_id not in page


def test_an_officer_of_another_kabupaten_never_sees_kota_kediri_proposals(world, waiting):
    client = signed_in(world.dinsos_kab)
    for tab in ("diajukan", "dikembalikan", "diputuskan"):
        response = client.get(QUEUE, {"tab": tab})
        assert all(p.kpm.kabupaten_code == "35.06" for p in response.context["rows"])
    response = client.get(QUEUE)
    assert kpm_ids(response) == [waiting["kab"].kpm.kpm_id]
    summary = response.context["summary"]
    assert (summary.pending, summary.oldest_days, summary.returned) == (1, 20, 0)
    choices = response.context["form"].fields
    assert all(code.startswith("35.06.") for code, _ in choices["kecamatan"].choices if code)
    assert world.pendamping_kota.pk not in [pk for pk, _ in choices["pendamping"].choices]


def test_the_summary_counts_pending_with_median_and_oldest_age_and_returned(world, waiting):
    summary = signed_in(world.dinsos_kota).get(QUEUE).context["summary"]
    assert summary.pending == 3
    assert summary.median_days == 3.0
    assert summary.oldest_days == 10
    assert summary.returned == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"kecamatan": "35.71.03"}, ["three"], id="kecamatan"),
        pytest.param({"jenis": "sejahtera"}, ["three"], id="type"),
        pytest.param({"jenis": "mandiri"}, ["ten", "one"], id="type-mandiri"),
        pytest.param({"lebih_dari": "2"}, ["ten", "three"], id="older-than"),
        pytest.param({"lebih_dari": "3"}, ["ten"], id="older-than-excludes-equal"),
        pytest.param({"kecamatan": "35.71.01", "lebih_dari": "5"}, ["ten"], id="combined"),
    ],
)
def test_each_filter_narrows_the_queue(world, waiting, params, expected):
    response = signed_in(world.dinsos_kota).get(QUEUE, params)
    assert kpm_ids(response) == [waiting[k].kpm.kpm_id for k in expected]


def test_the_pendamping_filter_lists_only_pendamping_with_proposals_in_scope(world, waiting):
    client = signed_in(world.dinsos_kota)
    choices = client.get(QUEUE).context["form"].fields["pendamping"].choices
    assert [pk for pk, _ in choices if pk] == sorted(
        [world.pendamping_kota.pk, world.pendamping_kota_other.pk],
        key=lambda pk: str(Pendamping.objects.get(pk=pk)).lower(),
    )
    response = client.get(QUEUE, {"pendamping": world.pendamping_kota_other.pk})
    assert kpm_ids(response) == [waiting["three"].kpm.kpm_id]


def test_a_filter_value_that_does_not_clean_is_shown_and_left_out(world, waiting):
    response = signed_in(world.dinsos_kota).get(QUEUE, {"lebih_dari": "lama", "jenis": "sejahtera"})
    assert response.status_code == 200
    assert "Tulis jumlah hari dengan angka." in response.content.decode()
    assert kpm_ids(response) == [waiting["three"].kpm.kpm_id]


def test_the_returned_tab_lists_what_waits_on_the_pendamping(world, waiting):
    response = signed_in(world.dinsos_kota).get(QUEUE, {"tab": "dikembalikan"})
    assert kpm_ids(response) == [waiting["returned"].kpm.kpm_id]
    assert [p.age.days for p in response.context["rows"]] == [2]


def test_the_decided_tab_lists_the_last_30_days_newest_first(world):
    kota = world.pendamping_kota
    officer = world.dinsos_kota
    recent = proposal(family(kota), days=9, status=S.APPROVED, decided_days=1, officer=officer)
    older = proposal(family(kota), days=20, status=S.REJECTED, decided_days=12, officer=officer)
    proposal(family(kota), days=60, status=S.APPROVED, decided_days=31, officer=officer)
    response = signed_in(officer).get(QUEUE, {"tab": "diputuskan"})
    assert kpm_ids(response) == [recent.kpm.kpm_id, older.kpm.kpm_id]
    page = response.content.decode()
    assert "Disetujui" in page and "Ditolak" in page


def test_each_row_shows_age_and_evidence(world):
    kpm = family(world.pendamping_kota)
    assessed = EconomicAssessmentFactory.create(kpm=kpm, assessed_on=timezone.localdate())
    sejahtera = proposal(kpm, days=6, type=GraduationType.SEJAHTERA)
    Proposal.objects.filter(pk=sejahtera.pk).update(economic_assessment=assessed)
    proposal(family(world.pendamping_kota), days=2, type=GraduationType.ALAMIAH)
    page = signed_in(world.dinsos_kota).get(QUEUE).content.decode()
    assert f"Asesmen {assessed.assessed_on:%d-%m-%Y}" in page
    assert 'data-testid="queue-age">6<' in page and 'data-testid="queue-age">2<' in page


def test_the_queue_pages_by_50(world):
    for n in range(55):
        proposal(family(world.pendamping_kota), days=n)
    client = signed_in(world.dinsos_kota)
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 50 and first.context["next_url"]
    assert [p.age.days for p in first.context["rows"][:2]] == [54, 53]
    second = client.get(QUEUE, {"halaman": 2})
    assert [p.age.days for p in second.context["rows"]] == [4, 3, 2, 1, 0]


def test_the_queue_query_count_does_not_follow_its_rows(world, django_assert_max_num_queries):
    for n in range(12):
        pendamping = world.pendamping_kota if n % 2 else world.pendamping_kota_other
        kpm = family(pendamping, DESA_KOTA_KEDIRI if n % 3 else DESA_KOTA_KEDIRI_2)
        proposal(kpm, days=n)
    client = signed_in(world.dinsos_kota)
    with django_assert_max_num_queries(9):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 12
    for n in range(12):
        proposal(family(world.pendamping_kota), days=n)
    with django_assert_max_num_queries(9):
        response = client.get(QUEUE, {"jenis": "mandiri", "lebih_dari": "0"})
    assert len(response.context["rows"]) == 22


def test_the_queue_is_for_dinsos_admins_and_ministry_staff_only(world, waiting):
    assert signed_in(world.pendamping_kota.user).get(QUEUE).status_code == 403
    assert signed_in(world.agency).get(QUEUE).status_code == 403
    jatim = signed_in(world.kementerian_jatim).get(QUEUE)
    assert len(jatim.context["rows"]) == 4
    assert 'data-testid="approve"' not in jatim.content.decode()
    assert kpm_ids(signed_in(world.kementerian_jabar).get(QUEUE)) == []
    assert len(signed_in(world.admin).get(QUEUE).context["rows"]) == 4
