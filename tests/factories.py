"""factory_boy factories with Faker('id_ID') and a provider that makes valid NIK and No KK."""

from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory
from faker.providers import BaseProvider

from kpm.demo.identity import nik_make, no_kk_make
from kpm.models import (
    Anggota,
    DesilHistory,
    DesilSource,
    Kpm,
    KpmStatus,
    Relationship,
    Sex,
)
from pendamping.models import AssessmentSource, BusinessStatus, EconomicAssessment, Pendamping
from pengguna.models import Role, User

LOCALE = "id_ID"
PASSWORD = "rahasia-uji-123"
DESA_KOTA_KEDIRI = "35.71.01.1001"  # a kelurahan in Mojoroto, Kota Kediri


def _prefix(region_code: str) -> str:
    return region_code.replace(".", "")[:6]


class IdentityProvider(BaseProvider):
    """NIK and No KK in the Dukcapil layout for a kecamatan: '357101', '35.71.01', or the
    code of one of its desa ('35.71.01.1001')."""

    def nik(
        self,
        kecamatan: str = "357101",
        birth_date: date | None = None,
        sex: str = "P",
        serial: int | None = None,
    ) -> str:
        born = birth_date or self.generator.date_of_birth(minimum_age=0, maximum_age=90)
        number = serial if serial is not None else self.random_int(1, 9999)
        return nik_make(_prefix(kecamatan), born, sex, number)

    def no_kk(self, kecamatan: str = "357101") -> str:
        issued = self.generator.date_between(date(2010, 1, 1), date(2025, 12, 31))
        return no_kk_make(_prefix(kecamatan), issued, self.random_int(1, 9999))


factory.Faker.add_provider(IdentityProvider, locale=LOCALE)


def fake(provider: str, **kwargs) -> factory.Faker:
    """A Faker declaration in the Indonesian locale."""
    return factory.Faker(provider, locale=LOCALE, **kwargs)


class UserFactory(DjangoModelFactory[User]):
    """A pendamping login by default; traits give the other roles with a fitting scope."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        dinsos = factory.Trait(role=Role.DINSOS, scope_region_code="35.71")
        kementerian = factory.Trait(role=Role.KEMENTERIAN, scope_region_code=None)
        agency = factory.Trait(role=Role.AGENCY)
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)

    username = factory.Sequence(lambda n: f"pengguna{n:04d}")
    first_name = fake("first_name")
    last_name = fake("last_name")
    role = Role.PENDAMPING
    scope_region_code = None
    password = factory.django.Password(PASSWORD)


class PendampingFactory(DjangoModelFactory[Pendamping]):
    """A pendamping of Kota Kediri; pass desa_served=[codes] to set the desa they serve."""

    class Meta:
        model = Pendamping
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.PENDAMPING)
    kabupaten_id = "35.71"

    @factory.post_generation
    def desa_served(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.desa_served.set(extracted)


class KpmFactory(DjangoModelFactory[Kpm]):
    """A KPM in `desa_code`; its kecamatan, kabupaten and provinsi codes follow from it."""

    class Meta:
        model = Kpm

    kpm_id = factory.Sequence(lambda n: f"UJI-{n:07d}")
    desa_code = DESA_KOTA_KEDIRI
    no_kk = fake("no_kk", kecamatan=factory.SelfAttribute("..desa_code"))
    alamat = fake("street_address")
    desil = 2
    pkh_entry_date = date(2020, 1, 15)
    status = KpmStatus.ACTIVE
    pendamping = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Kpm:
        desa_code = kwargs.pop("desa_code")
        kpm = model_class(*args, **kwargs)
        kpm.set_region_from_desa_code(desa_code)
        return kpm

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Kpm:
        kpm = cls._build(model_class, *args, **kwargs)
        kpm.save()
        return kpm


class AnggotaFactory(DjangoModelFactory[Anggota]):
    """A member whose NIK matches their kecamatan, birth date and sex. Trait `pengurus`
    makes her the wife who receives the money."""

    class Meta:
        model = Anggota

    class Params:
        serial = factory.Sequence(lambda n: n % 9999 + 1)
        female = factory.LazyAttribute(lambda o: o.jenis_kelamin == Sex.FEMALE)
        pengurus = factory.Trait(
            is_pengurus=True, hubungan=Relationship.WIFE, jenis_kelamin=Sex.FEMALE
        )

    kpm = factory.SubFactory(KpmFactory)
    jenis_kelamin = Sex.FEMALE
    tanggal_lahir = fake("date_of_birth", minimum_age=20, maximum_age=60)
    hubungan = Relationship.WIFE
    nama = factory.Maybe("female", fake("name_female"), fake("name_male"))
    nik = fake(
        "nik",
        kecamatan=factory.SelfAttribute("..kpm.kecamatan_code"),
        birth_date=factory.SelfAttribute("..tanggal_lahir"),
        sex=factory.SelfAttribute("..jenis_kelamin"),
        serial=factory.SelfAttribute("..serial"),
    )


class EconomicAssessmentFactory(DjangoModelFactory[EconomicAssessment]):
    class Meta:
        model = EconomicAssessment

    kpm = factory.SubFactory(KpmFactory)
    assessed_on = fake("date_between", start_date="-300d", end_date="today")
    household_income = fake("random_int", min=800_000, max=4_000_000, step=10_000)
    member_count = 4
    stable_income = False
    business_status = BusinessStatus.RUNNING
    housing_condition = "Semi permanen, lantai semen"
    source = AssessmentSource.VISIT


class DesilHistoryFactory(DjangoModelFactory[DesilHistory]):
    class Meta:
        model = DesilHistory

    kpm = factory.SubFactory(KpmFactory)
    desil = 2
    recorded_on = date(2025, 1, 6)
    source = DesilSource.IMPORT
