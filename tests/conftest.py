"""A small named world for tests: two kabupaten, pendamping, officers and KPM in each.

Every region table is loaded once per test session from the shipped CSVs.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from kpm.models import Anggota, Kpm, KpmStatus
from pendamping.models import Pendamping
from pengguna.models import ApiClient, Role, User

# API rate counts live in the cache, which on CI is the shared Redis: a prefix of this run's
# own keeps an earlier run's counts (for a client with the same id) out of this one.
settings.CACHES["default"]["KEY_PREFIX"] = f"pkh-test-{os.getpid()}-{time.time_ns()}"

IN_CI = os.environ.get("CI", "").lower() == "true"

KOTA_KEDIRI = "35.71"
KAB_KEDIRI = "35.06"
DESA_KOTA_KEDIRI = "35.71.01.1001"  # Kelurahan in Mojoroto, Kota Kediri
DESA_KOTA_KEDIRI_2 = "35.71.03.1004"
DESA_KAB_KEDIRI = "35.06.01.2001"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_wilayah", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs about 0.4 s per user; tests need no such cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """`Client.force_login` leaves a session that has also given its TOTP code, as a real
    sign-in of a dinsos, kementerian or admin account would (pengguna.middleware refuses
    anything else). Tests of the second factor itself sign in through the views instead."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pengguna.two_factor import needs_otp

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if not needs_otp(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="uji", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _celery_in_process(settings):
    """Tasks run in-process unless a test starts a real worker (see tests/test_celery_redis)."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


def make_user(username: str, role: str, scope: str | None = None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="rahasia-uji-123", role=role, scope_region_code=scope, **extra
    )
    return user


def make_api_client(
    name: str = "PNM Mekaar",
    *,
    fields: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    programmes: tuple[Any, ...] = (),
    expires_on: date = date(2099, 12, 31),
    rate_per_minute: int = 600,
) -> tuple[ApiClient, str]:
    """An agency client under an agreement allowing `fields`, with one key; returns the key."""
    from pengguna.api_clients import api_client_create, api_key_issue

    client = api_client_create(
        by=None,
        name=name,
        agency=name.split()[0],
        agreement_number=f"PKS-{name[:10]}/2026",
        purpose="Penyaluran pemberdayaan ekonomi keluarga graduasi",
        expires_on=expires_on,
        fields=fields,
        region_codes=regions,
        programmes=programmes,
        rate_per_minute=rate_per_minute,
    )
    _key, raw = api_key_issue(by=None, client=client)
    return client, raw


def bearer(raw_key: str) -> dict[str, str]:
    """Django test-client headers signing a request with an API key."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def make_pendamping(username: str, kabupaten: str) -> Pendamping:
    user = make_user(username, Role.PENDAMPING, first_name=username.title())
    return Pendamping.objects.create(user=user, kabupaten_id=kabupaten)


def make_kpm(
    kpm_id: str,
    desa: str,
    pendamping: Pendamping | None,
    *,
    status=KpmStatus.ACTIVE,
    pengurus_nik: str | None = None,
) -> Kpm:
    kpm = Kpm(
        kpm_id=kpm_id,
        no_kk=desa.replace(".", "")[:6] + "2005100001",
        alamat="Jl. Uji 1",
        desil=2,
        pkh_entry_date=date(2020, 1, 1),
        status=status,
        pendamping=pendamping,
    )
    kpm.set_region_from_desa_code(desa)
    kpm.save()
    prefix = desa.replace(".", "")[:6]
    Anggota.objects.create(
        kpm=kpm,
        nik=pengurus_nik or f"{prefix}5808780{abs(hash(kpm_id)) % 900 + 100:03d}",
        nama=f"Ibu {kpm_id}",
        jenis_kelamin="P",
        tanggal_lahir=date(1978, 8, 18),
        hubungan="istri",
        is_pengurus=True,
    )
    return kpm


@dataclass
class World:
    """Named for what each piece tests."""

    pendamping_kota: Pendamping  # owns kpm_own
    pendamping_kota_other: Pendamping  # same kabupaten, different caseload
    pendamping_kab: Pendamping  # the other kabupaten
    dinsos_kota: User
    dinsos_kab: User
    kementerian_national: User
    kementerian_jatim: User
    kementerian_jabar: User
    agency: User
    admin: User
    kpm_own: Kpm
    kpm_same_district: Kpm
    kpm_other_district: Kpm
    kpm_graduated: Kpm


@pytest.fixture
def world(db) -> World:
    p_kota = make_pendamping("pendamping_kota", KOTA_KEDIRI)
    p_kota2 = make_pendamping("pendamping_kota_lain", KOTA_KEDIRI)
    p_kab = make_pendamping("pendamping_kab", KAB_KEDIRI)
    return World(
        pendamping_kota=p_kota,
        pendamping_kota_other=p_kota2,
        pendamping_kab=p_kab,
        dinsos_kota=make_user("dinsos_kota", Role.DINSOS, KOTA_KEDIRI),
        dinsos_kab=make_user("dinsos_kab", Role.DINSOS, KAB_KEDIRI),
        kementerian_national=make_user("kemensos_pusat", Role.KEMENTERIAN),
        kementerian_jatim=make_user("kemensos_jatim", Role.KEMENTERIAN, "35"),
        kementerian_jabar=make_user("kemensos_jabar", Role.KEMENTERIAN, "32"),
        agency=make_user("mitra_pnm", Role.AGENCY),
        admin=make_user("admin_pusat", Role.ADMIN, is_staff=True, is_superuser=True),
        kpm_own=make_kpm("KDR-OWN", DESA_KOTA_KEDIRI, p_kota, pengurus_nik="3571015808780002"),
        kpm_same_district=make_kpm(
            "KDR-SAME", DESA_KOTA_KEDIRI_2, p_kota2, pengurus_nik="3571035808780003"
        ),
        kpm_other_district=make_kpm(
            "KAB-OTHER", DESA_KAB_KEDIRI, p_kab, pengurus_nik="3506015808780004"
        ),
        kpm_graduated=make_kpm(
            "KDR-GRAD",
            DESA_KOTA_KEDIRI,
            p_kota,
            status=KpmStatus.GRADUATED,
            pengurus_nik="3571015808780005",
        ),
    )


def needs_service(name: str, reason: str) -> None:
    """Skip with a one-line reason on a bare machine; under CI=true a missing service fails."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


# Browser tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A live server needs a transactional database, which is emptied after each test. The
# region tables are loaded once per session (tests/conftest.py), so leave them out of the
# apps whose tables are emptied; every other app is flushed as usual.
LIVE_APPS = [app for app in settings.INSTALLED_APPS if app != "wilayah"]
live_db = pytest.mark.django_db(transaction=True, available_apps=LIVE_APPS)

# Rows that data migrations seed (the national poverty line, the P2K2 curriculum, the default
# policy) are emptied with everything else by a transactional test's flush; put them back.
SEED_MIGRATIONS = [
    "wilayah.migrations.0002_national_poverty_line",
    "pendamping.migrations.0004_p2k2_catalogue",
    "graduasi.migrations.0002_seed_default_policy",
    "pemberdayaan.migrations.0002_seed_programmes",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test has flushed the database, run the idempotent seeds again.
    Not after the last test: the test database is gone by then."""
    yield
    if nextitem is None:
        return
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for module in SEED_MIGRATIONS:
            importlib.import_module(module).seed(apps, None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        needs_service("Chromium", "apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A pendamping's phone asks for Indonesian; Chromium would otherwise send en-US.
    return {**browser_context_args, "locale": "id-ID"}
