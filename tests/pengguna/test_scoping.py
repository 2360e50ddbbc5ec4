"""Which KPM each role sees: own caseload, district, province, nation, graduated only."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from kpm.models import Anggota, Kpm
from pendamping.models import Pendamping
from pengguna.scoping import get_visible_or_404


def visible_ids(user) -> set[str]:
    return set(Kpm.objects.visible_to(user).values_list("kpm_id", flat=True))


ALL = {"KDR-OWN", "KDR-SAME", "KAB-OTHER", "KDR-GRAD"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("pendamping_kota", {"KDR-OWN", "KDR-GRAD"}),
        ("pendamping_kota_other", {"KDR-SAME"}),
        ("pendamping_kab", {"KAB-OTHER"}),
        ("dinsos_kota", {"KDR-OWN", "KDR-SAME", "KDR-GRAD"}),
        ("dinsos_kab", {"KAB-OTHER"}),
        ("kementerian_national", ALL),
        ("kementerian_jatim", ALL),
        ("kementerian_jabar", set()),
        ("agency", {"KDR-GRAD"}),
        ("admin", ALL),
    ],
)
def test_each_role_sees_exactly_its_kpm(world, persona, expected):
    user = getattr(world, persona)
    user = user.user if isinstance(user, Pendamping) else user
    assert visible_ids(user) == expected


def test_anonymous_and_inactive_users_see_nothing(world):
    assert visible_ids(AnonymousUser()) == set()
    world.dinsos_kota.is_active = False
    world.dinsos_kota.save()
    assert visible_ids(world.dinsos_kota) == set()


def test_user_with_unknown_role_sees_nothing(world):
    world.agency.role = "tamu"
    assert visible_ids(world.agency) == set()


def test_members_follow_their_kpm_scope(world):
    niks = set(Anggota.objects.visible_to(world.dinsos_kab).values_list("nik", flat=True))
    assert niks == {"3506015808780004"}


def test_out_of_scope_record_is_404_like_a_missing_one(world):
    own = get_visible_or_404(Kpm.objects.all(), world.dinsos_kota, kpm_id="KDR-OWN")
    assert own.kpm_id == "KDR-OWN"
    with pytest.raises(Http404):
        get_visible_or_404(Kpm.objects.all(), world.dinsos_kota, kpm_id="KAB-OTHER")
    with pytest.raises(Http404):
        get_visible_or_404(Kpm.objects.all(), world.dinsos_kota, kpm_id="TIDAK-ADA")


def test_pendamping_rows_follow_region(world):
    names = set(
        Pendamping.objects.visible_to(world.dinsos_kota).values_list("user__username", flat=True)
    )
    assert names == {"pendamping_kota", "pendamping_kota_lain"}
    own = Pendamping.objects.visible_to(world.pendamping_kab.user)
    assert list(own) == [world.pendamping_kab]
