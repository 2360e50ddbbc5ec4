"""The feed table agencies read is kept by the database: after every kind of change to a graduated
KPM, its members or its referrals, however written (ORM save, bulk update, insert), each row equals
what the case tables say, and the KPM's updated_at; a KPM that stops being graduated leaves it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import orjson
import pytest
from django.db.models import Count, Q

from graduasi.models import GraduationFeed
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus
from pemberdayaan.models import Programme, Referral, ReferralStatus
from tests.conftest import make_kpm

pytestmark = pytest.mark.django_db

DESA = "35.71.01.1001"


def expected() -> dict[int, tuple]:
    """Every graduated KPM's feed row, computed with plain ORM reads of the case tables."""
    graduated = Kpm.objects.filter(status=KpmStatus.GRADUATED).select_related(
        "desa__kecamatan__kabupaten__provinsi"
    )
    counts: dict[int, int] = {
        int(kpm): n
        for kpm, n in Anggota.objects.filter(status=MemberStatus.ACTIVE)
        .values("kpm")
        .annotate(n=Count("*"))
        .values_list("kpm", "n")
    }
    pengurus = {a.kpm_id: (a.nama, a.nik) for a in Anggota.objects.filter(is_pengurus=True)}
    referrals: dict[int, list] = {}
    for r in Referral.objects.select_related("programme").order_by("id"):
        referrals.setdefault(r.kpm_id, []).append(
            [r.id, r.programme.code, r.programme.agency, r.status]
        )
    rows = {}
    for k in graduated:
        desa = k.desa
        name, nik = pengurus.get(k.pk, (None, None))
        mine = referrals.get(k.pk, [])
        rows[k.pk] = (
            k.kpm_id, k.updated_at, k.graduated_on, k.graduation_type, k.desa_id,
            k.kecamatan_code, k.kabupaten_code, k.provinsi_code, desa.name,
            desa.kecamatan.name, desa.kecamatan.kabupaten.name,
            desa.kecamatan.kabupaten.provinsi.name, k.alamat, counts.get(k.pk, 0), name, nik,
            k.desil, k.last_paid_year, k.last_paid_tahap, mine,
            sorted({status for *_rest, status in mine}),
            k.updated_at.astimezone(UTC).isoformat(),
            "|".join(f"{code}:{status}" for _id, code, _agency, status in mine),
            {
                "provinsi": {"code": k.desa_id[:2], "name": desa.kecamatan.kabupaten.provinsi.name},
                "kabupaten": {"code": k.desa_id[:5], "name": desa.kecamatan.kabupaten.name},
                "kecamatan": {"code": k.desa_id[:8], "name": desa.kecamatan.name},
                "desa": {"code": k.desa_id, "name": desa.name},
            },
        )  # fmt: skip
    return rows


def feed() -> dict[int, tuple]:
    rows = {}
    for f in GraduationFeed.objects.all():
        rows[f.kpm_id] = (
            f.kpm_code, f.updated_at, f.graduated_on, f.graduation_type, f.desa_code,
            f.kecamatan_code, f.kabupaten_code, f.provinsi_code, f.desa_name, f.kecamatan_name,
            f.kabupaten_name, f.provinsi_name, f.alamat, f.member_count, f.pengurus_name,
            f.pengurus_nik, f.desil, f.last_paid_year, f.last_paid_tahap,
            [item[:4] for item in orjson.loads(f.referrals)], sorted(f.referral_statuses),
            f.updated_at_text, f.referral_pairs, orjson.loads(f.wilayah_json),
        )  # fmt: skip
    return rows


def graduate(kpm: Kpm, on: date = date(2026, 6, 1)) -> None:
    kpm.status = KpmStatus.GRADUATED
    kpm.graduated_on = on
    kpm.graduation_type = "sejahtera"
    kpm.last_paid_year, kpm.last_paid_tahap = 2026, 2
    kpm.save()


@pytest.fixture
def two(world):
    first = make_kpm("FEED-1", DESA, world.pendamping_kota)
    second = make_kpm("FEED-2", DESA, world.pendamping_kota)
    graduate(first)
    graduate(second)
    return first, second


def test_graduating_a_kpm_writes_its_row_and_only_graduated_kpm_have_one(world, two):
    rows = feed()
    assert rows == expected()
    assert set(rows) >= {two[0].pk, two[1].pk}
    assert world.kpm_own.pk not in rows  # active


def test_member_changes_refresh_the_row(world, two):
    first, _second = two
    child = Anggota.objects.create(
        kpm=first, nik="3571014101150001", nama="Anak", jenis_kelamin="P",
        tanggal_lahir=date(2015, 1, 1), hubungan="anak",
    )  # fmt: skip
    assert feed()[first.pk][13] == 2
    Anggota.objects.filter(pk=child.pk).update(status=MemberStatus.DIED)
    Anggota.objects.filter(kpm=first, is_pengurus=True).update(nama="Ibu Baru")
    rows = feed()
    assert rows == expected()
    assert rows[first.pk][13] == 1 and rows[first.pk][14] == "Ibu Baru"


def test_referral_changes_refresh_the_row(world, two):
    first, second = two
    programme = Programme.objects.order_by("id")[0]
    referral = Referral.objects.create(
        kpm=first, programme=programme, consent_on=date(2026, 6, 1),
        consent_by=world.pendamping_kota.user, created_by=world.pendamping_kota.user,
    )  # fmt: skip
    assert feed()[first.pk][20] == [ReferralStatus.REFERRED]
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACCEPTED)
    rows = feed()
    assert rows == expected()
    assert rows[first.pk][19] == [[referral.pk, programme.code, programme.agency, "diterima"]]
    assert rows[second.pk][19] == []


def test_bulk_updates_of_shared_columns_refresh_rows(world, two):
    Kpm.objects.filter(pk__in=[k.pk for k in two]).update(desil=5, alamat="Jl. Baru 2")
    rows = feed()
    assert rows == expected()
    assert {rows[k.pk][16] for k in two} == {5}


def test_a_kpm_that_leaves_graduation_leaves_the_feed_and_one_graduated_by_bulk_enters(world, two):
    first, _second = two
    Kpm.objects.filter(pk=first.pk).update(status=KpmStatus.EXITED, exit_reason="meninggal")
    Kpm.objects.filter(pk=world.kpm_own.pk).update(
        status=KpmStatus.GRADUATED, graduated_on=date(2026, 7, 1), graduation_type="alamiah"
    )
    rows = feed()
    assert first.pk not in rows
    assert world.kpm_own.pk in rows
    assert rows == expected()


def test_an_unchanged_refresh_writes_nothing(world, two):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM graduasi_graduationfeed ORDER BY kpm_id")
        before = cursor.fetchall()
        # at_risk is not shared: the KPM row changes, the feed row must not be rewritten.
        Kpm.objects.filter(pk__in=[k.pk for k in two]).update(at_risk=Q(at_risk=False))
        cursor.execute("SELECT xmin::text FROM graduasi_graduationfeed ORDER BY kpm_id")
        assert cursor.fetchall() == before


def test_deleting_a_graduated_kpm_removes_its_row(world, two):
    first, _second = two
    Anggota.objects.filter(kpm=first).delete()
    Kpm.objects.filter(pk=first.pk).delete()
    assert first.pk not in feed()
    assert feed() == expected()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC),
        datetime(2026, 11, 24, 1, 2, 3, 500000, tzinfo=UTC),
        datetime(2026, 1, 5, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2026, 6, 1, 7, 0, 0, 123456, tzinfo=timezone(timedelta(hours=7))),
    ],
)
def test_the_database_writes_a_moment_as_python_isoformat_writes_it_in_utc(moment):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT iso_utc(%s)", [moment])
        assert cursor.fetchone()[0] == moment.astimezone(UTC).isoformat()
