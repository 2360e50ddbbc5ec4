"""The NIK provider and the factories make records the domain rules accept."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import authenticate
from faker import Faker

from kpm.demo.identity import SerialCounter, nik_make
from kpm.rules import nik_mismatch, nik_parse, nik_problem, no_kk_problem
from pengguna.models import Role
from tests.factories import (
    PASSWORD,
    AnggotaFactory,
    DesilHistoryFactory,
    EconomicAssessmentFactory,
    IdentityProvider,
    KpmFactory,
    PendampingFactory,
    UserFactory,
)

BIRTH_DATES = [
    date(1978, 8, 18),
    date(2000, 2, 29),
    date(1999, 12, 31),
    date(2024, 1, 1),
    date(1951, 6, 9),
]


@pytest.fixture
def fake() -> Faker:
    faker = Faker("id_ID")
    faker.add_provider(IdentityProvider)
    faker.seed_instance(2026)
    return faker


@pytest.mark.parametrize("sex", ["L", "P"])
@pytest.mark.parametrize("born", BIRTH_DATES)
def test_nik_provider_makes_valid_nik_matching_birth_date_and_sex(fake, sex, born):
    nik = fake.nik(kecamatan="357101", birth_date=born, sex=sex)

    assert nik_problem(nik, known_kecamatan={"357101"}) is None
    assert nik_mismatch(nik, birth_date=born, sex=sex) is None
    assert nik_parse(nik).sex == sex


def test_nik_of_a_woman_carries_birth_day_plus_40(fake):
    nik = fake.nik(kecamatan="35.71.03", birth_date=date(1990, 5, 7), sex="P", serial=12)

    assert nik == "3571034705900012"


def test_nik_provider_takes_prefix_from_a_desa_code(fake):
    nik = fake.nik(kecamatan="35.06.01.2001", birth_date=date(1985, 3, 2), sex="L")

    assert nik.startswith("350601020385")


def test_nik_provider_never_uses_serial_0000(fake):
    niks = [fake.nik(birth_date=date(1980, 1, 1)) for _ in range(500)]

    assert all(nik_problem(nik) is None for nik in niks)


@pytest.mark.parametrize("serial", [0, 10_000])
def test_nik_make_refuses_a_serial_outside_1_to_9999(serial):
    with pytest.raises(ValueError):
        nik_make("357101", date(1980, 1, 1), "L", serial)


def test_no_kk_provider_makes_valid_no_kk(fake):
    for _ in range(50):
        no_kk = fake.no_kk(kecamatan="35.71.02")
        assert no_kk_problem(no_kk, known_kecamatan={"357102"}) is None


def test_serial_counter_skips_numbers_already_taken():
    counter = SerialCounter(frozenset({"3571014708800001", "3571014708800002"}))

    assert counter.number("357101470880") == "3571014708800003"
    assert counter.number("357101470880") == "3571014708800004"
    assert counter.number("357101010101") == "3571010101010001"


@pytest.mark.django_db
def test_kpm_factory_takes_region_codes_from_its_desa():
    kpm = KpmFactory.create(desa_code="35.06.01.2001")

    assert (kpm.desa_id, kpm.kecamatan_code) == ("35.06.01.2001", "35.06.01")
    assert (kpm.kabupaten_code, kpm.provinsi_code) == ("35.06", "35")
    assert kpm.no_kk.startswith("350601")
    kpm.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("sex", ["L", "P"])
def test_anggota_factory_makes_members_that_pass_model_validation(sex):
    kpm = KpmFactory.create(desa_code="35.71.03.1004")
    members = AnggotaFactory.create_batch(5, kpm=kpm, jenis_kelamin=sex, hubungan="anak")

    for member in members:
        member.full_clean()
        assert member.nik.startswith("357103")
        assert nik_mismatch(member.nik, birth_date=member.tanggal_lahir, sex=sex) is None
    assert len({m.nik for m in members}) == 5


@pytest.mark.django_db
def test_pengurus_trait_makes_the_wife_the_recipient():
    member = AnggotaFactory.create(pengurus=True)

    assert (member.is_pengurus, member.hubungan, member.jenis_kelamin) == (True, "istri", "P")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "role", "scope"),
    [
        ({}, Role.PENDAMPING, None),
        ({"dinsos": True}, Role.DINSOS, "35.71"),
        ({"kementerian": True}, Role.KEMENTERIAN, None),
        ({"kementerian": True, "scope_region_code": "35"}, Role.KEMENTERIAN, "35"),
        ({"agency": True}, Role.AGENCY, None),
        ({"admin": True}, Role.ADMIN, None),
    ],
)
def test_user_factory_roles_fit_their_scope_and_can_log_in(traits, role, scope):
    user = UserFactory.create(**traits)

    user.full_clean()
    assert (user.role, user.scope_region_code) == (role, scope)
    assert authenticate(username=user.username, password=PASSWORD) == user


@pytest.mark.django_db
def test_pendamping_factory_serves_the_given_desa():
    pendamping = PendampingFactory.create(desa_served=["35.71.01.1001", "35.71.01.1002"])

    assert pendamping.user.role == Role.PENDAMPING
    assert sorted(pendamping.desa_served.values_list("code", flat=True)) == [
        "35.71.01.1001",
        "35.71.01.1002",
    ]


@pytest.mark.django_db
def test_assessment_and_desil_factories_attach_to_a_kpm():
    kpm = KpmFactory.create()
    assessment = EconomicAssessmentFactory.create(
        kpm=kpm, household_income=2_400_000, member_count=3
    )
    history = DesilHistoryFactory.create(kpm=kpm, desil=5)

    assert assessment.income_per_member == 800_000
    assert list(kpm.desil_history.all()) == [history]
