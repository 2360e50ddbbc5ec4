"""seed_demo builds valid, deterministic demo data that exercises every graduation rule."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min

from kpm.demo import writer
from kpm.demo.households import POVERTY_LINE, generate_kecamatan
from kpm.demo.logins import DEMO_PASSWORD, DEMO_USERNAMES
from kpm.demo.names import name_pools
from kpm.demo.plan import plan_counts, seed_plan
from kpm.demo.shapes import NIFAS_DAYS
from kpm.models import (
    Anggota,
    DesilHistory,
    DesilSource,
    Kpm,
    KpmStatus,
    MemberStatus,
    Relationship,
    SchoolLevel,
    Sex,
)
from kpm.rules import nik_mismatch, nik_problem, no_kk_problem
from kpm.validators import kecamatan_prefixes
from pendamping.models import AssessmentSource, BusinessStatus, EconomicAssessment, Pendamping
from pengguna.models import Role, User

TODAY = date(2026, 11, 24)
SCHOOL_AGES = {"PAUD": (4, 6), "SD": (7, 12), "SMP": (13, 15), "SMA": (16, 18)}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def age(born: date, on: date = TODAY) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def has_component(m: Anggota) -> bool:
    """DESIGN §5 components, as the graduation rules will count them."""
    nifas = m.tanggal_persalinan is not None and (TODAY - m.tanggal_persalinan).days <= NIFAS_DAYS
    schooled = m.jenjang_sekolah in ("SD", "SMP", "SMA") and age(m.tanggal_lahir) <= 21
    return (
        m.hamil
        or nifas
        or age(m.tanggal_lahir) <= 6
        or schooled
        or age(m.tanggal_lahir) >= 70
        or m.disabilitas_berat
    )


def members_by_kpm() -> dict[int, list[Anggota]]:
    grouped: dict[int, list[Anggota]] = defaultdict(list)
    for member in Anggota.objects.filter(status="aktif"):
        grouped[member.kpm_id].append(member)
    return grouped


def table_digest() -> str:
    """Every seeded row except the ids the database gave members, desil and assessments."""
    queries = [
        "SELECT * FROM kpm_kpm ORDER BY id",
        "SELECT kpm_id, nik, nama, jenis_kelamin, tanggal_lahir, hubungan, is_pengurus, hamil, "
        "perkiraan_lahir, tanggal_persalinan, jenjang_sekolah, disabilitas_berat, status, "
        "status_changed_on, created_at FROM kpm_anggota ORDER BY nik",
        "SELECT kpm_id, desil, recorded_on, source FROM kpm_desilhistory ORDER BY 1, 3, 2",
        "SELECT kpm_id, assessed_on, household_income, member_count, stable_income, "
        "business_status, housing_condition, created_by_id FROM pendamping_economicassessment "
        "ORDER BY 1, 2",
        "SELECT id, password, username, first_name, last_name, role, scope_region_code, is_staff, "
        "is_superuser FROM pengguna_user ORDER BY id",
        "SELECT * FROM pendamping_pendamping ORDER BY id",
        "SELECT pendamping_id, desa_id FROM pendamping_pendamping_desa_served ORDER BY 1, 2",
    ]
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def empty_seeded_tables() -> None:
    """Back to a fresh database: no seeded rows, id sequences restarted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE pendamping_economicassessment, kpm_desilhistory, kpm_anggota, kpm_kpm, "
            "pendamping_pendamping_desa_served, pendamping_pendamping, pengguna_user "
            "RESTART IDENTITY CASCADE"
        )


def schema_of(tables: list[str]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "ORDER BY 1, 2",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        return indexes + cursor.fetchall()


# Planning: pure


def test_default_plan_is_about_3000_kpm_and_29_pendamping_in_kota_kediri():
    assert plan_counts(None, {"35.71": 46}) == {"35.71": (3_000, 29)}


def test_kpm_are_spread_by_number_of_desa_with_a_pendamping_per_300():
    counts = plan_counts(1_000_000, {"35.71": 46, "35.06": 344})

    assert sum(n for n, _ in counts.values()) == 1_000_000
    assert counts["35.06"][0] > counts["35.71"][0] * 7
    assert counts["35.71"][1] == round(counts["35.71"][0] / 300)


@pytest.mark.django_db
def test_default_plan_covers_the_3_kecamatan_and_46_kelurahan_of_kota_kediri():
    desa = writer.kabupaten_desa(["35.71"])
    plan = seed_plan(seed=1, today=TODAY, kpm=None, desa_by_kabupaten=desa)

    assert plan.kpm_count == 3_000
    assert [k.code for k in plan.kecamatan] == ["35.71.01", "35.71.02", "35.71.03"]
    planned_desa = {code for k in plan.kecamatan for code, n in k.desa_counts if n}
    assert len(planned_desa) == 46
    served = {code for p in plan.pendamping for code in p.desa_served}
    assert served == planned_desa
    assert len(plan.pendamping) == 29


def test_generator_gives_identical_rows_for_same_seed_and_today():
    plan = seed_plan(
        seed=5,
        today=TODAY,
        kpm=400,
        desa_by_kabupaten={"35.71": ["35.71.01.1001", "35.71.01.1002"]},
    )
    pools = name_pools(5)
    first = generate_kecamatan(5, TODAY, plan.kecamatan[0], pools)
    again = generate_kecamatan(5, TODAY, plan.kecamatan[0], name_pools(5))
    other_seed = generate_kecamatan(6, TODAY, plan.kecamatan[0], pools)
    other_day = generate_kecamatan(5, TODAY + timedelta(days=1), plan.kecamatan[0], pools)

    assert first == again
    assert first.anggota != other_seed.anggota
    assert first.anggota != other_day.anggota


def test_generator_handles_29_february_as_reference_date():
    plan = seed_plan(seed=1, today=date(2028, 2, 29), kpm=300,
                     desa_by_kabupaten={"35.71": ["35.71.02.1001"]})  # fmt: skip
    rows = generate_kecamatan(1, date(2028, 2, 29), plan.kecamatan[0], name_pools(1))

    assert len(rows.kpm) == 300
    assert all(nik_problem(row[1]) is None for row in rows.anggota)


# Seeding the database


@pytest.mark.django_db
def test_default_seed_builds_kota_kediri_with_logins_and_caseloads():
    output = seed("--seed", "3")

    assert Kpm.objects.count() == 3_000
    assert set(Kpm.objects.values_list("kecamatan_code", flat=True)) == {
        "35.71.01", "35.71.02", "35.71.03",
    }  # fmt: skip
    assert Kpm.objects.values("desa_id").distinct().count() == 46
    assert Pendamping.objects.filter(kabupaten_id="35.71").count() == 29
    assert 3.5 < Anggota.objects.count() / 3_000 < 5
    assert "3.000 KPM" in output and DEMO_PASSWORD in output


@pytest.mark.django_db
def test_every_nik_and_no_kk_is_valid_and_matches_its_member():
    seed("--kpm", "300")
    known = kecamatan_prefixes()

    members = list(Anggota.objects.select_related("kpm"))
    assert len(members) > 900
    for m in members:
        assert nik_problem(m.nik, known_kecamatan=known) is None, m.nik
        assert nik_mismatch(m.nik, birth_date=m.tanggal_lahir, sex=m.jenis_kelamin) is None
        assert m.nik[:6] == m.kpm.kecamatan_code.replace(".", "")
    for no_kk, kecamatan in Kpm.objects.values_list("no_kk", "kecamatan_code"):
        assert no_kk_problem(no_kk, known_kecamatan=known) is None
        assert no_kk[:6] == kecamatan.replace(".", "")


@pytest.mark.django_db
def test_each_kpm_has_exactly_one_pengurus_and_children_at_school_fit_their_age():
    seed("--kpm", "300")

    for kpm_id, members in members_by_kpm().items():
        assert sum(m.is_pengurus for m in members) == 1, kpm_id
        for m in members:
            if m.jenjang_sekolah:
                low, high = SCHOOL_AGES[m.jenjang_sekolah]
                assert low <= age(m.tanggal_lahir) <= high, (m.nik, m.jenjang_sekolah)
            if m.hamil:
                assert m.jenis_kelamin == "P"
                assert m.perkiraan_lahir is not None and m.perkiraan_lahir > TODAY


@pytest.mark.django_db
def test_every_seeded_value_is_one_of_the_model_choices():
    seed("--kpm", "300")

    def used(model, field: str) -> set[str]:
        return set(model.objects.values_list(field, flat=True).distinct())

    assert used(Anggota, "hubungan") <= set(Relationship.values)
    assert used(Anggota, "jenjang_sekolah") == set(SchoolLevel.values)
    assert used(Anggota, "jenis_kelamin") == set(Sex.values)
    assert used(Anggota, "status") <= set(MemberStatus.values)
    assert used(Kpm, "status") <= set(KpmStatus.values)
    assert used(DesilHistory, "source") <= set(DesilSource.values)
    assert used(EconomicAssessment, "business_status") <= set(BusinessStatus.values)


@pytest.mark.django_db
def test_all_six_demo_logins_exist_with_their_role_and_scope_and_authenticate():
    seed("--kpm", "300")

    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    assert set(users) == set(DEMO_USERNAMES)
    for username in DEMO_USERNAMES:
        assert authenticate(username=username, password=DEMO_PASSWORD) == users[username]
    scopes = {name: (u.role, u.scope_region_code) for name, u in users.items()}
    assert scopes == {
        "admin": (Role.ADMIN, None),
        "dinsos.kediri": (Role.DINSOS, "35.71"),
        "kemensos": (Role.KEMENTERIAN, None),
        "kemensos.jatim": (Role.KEMENTERIAN, "35"),
        "pendamping.kediri": (Role.PENDAMPING, None),
        "mitra.pnm": (Role.AGENCY, None),
    }
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert not users["dinsos.kediri"].is_staff and not users["kemensos.jatim"].is_staff
    # The national ministry login edits the programme policy in the admin site, nothing more.
    assert users["kemensos"].is_staff and not users["kemensos"].is_superuser
    assert Kpm.objects.filter(pendamping__user__username="pendamping.kediri").exists()


@pytest.mark.django_db
def test_same_seed_and_today_write_identical_rows():
    empty_seeded_tables()
    seed("--kpm", "300", "--seed", "9")
    first = table_digest()
    empty_seeded_tables()
    seed("--kpm", "300", "--seed", "9")

    assert table_digest() == first


@pytest.mark.django_db
def test_worker_processes_write_the_same_rows_as_one_process():
    empty_seeded_tables()
    seed("--kpm", "300", "--workers", "0")
    in_process = table_digest()
    empty_seeded_tables()
    seed("--kpm", "300", "--workers", "1")

    assert table_digest() == in_process


@pytest.mark.django_db
def test_large_load_puts_back_every_index_and_foreign_key(monkeypatch):
    tables = [table for table, _ in writer.HOUSEHOLD_TABLES]
    before = schema_of(tables)
    monkeypatch.setattr(writer, "BULK_LOAD_FROM", 100)
    seed("--kpm", "300")

    assert schema_of(tables) == before
    assert Kpm.objects.count() == 300


@pytest.mark.django_db
def test_rows_added_after_seeding_get_fresh_ids():
    seed("--kpm", "300")
    seeded_users = set(User.objects.values_list("pk", flat=True))
    seeded_kpm = set(Kpm.objects.values_list("pk", flat=True))
    kpm = Kpm(kpm_id="BARU-1", no_kk="3571010101100001", alamat="Jl. Baru", pkh_entry_date=TODAY)
    kpm.set_region_from_desa_code("35.71.01.1001")
    kpm.save()
    user = User.objects.create_user(username="baru", password="x", role=Role.AGENCY)

    assert kpm.pk > max(seeded_kpm)
    assert user.pk > max(seeded_users)


@pytest.mark.django_db
def test_if_empty_leaves_a_database_with_kpm_alone(world):
    before = (Kpm.objects.count(), Anggota.objects.count(), User.objects.count())

    output = seed("--if-empty")

    assert (Kpm.objects.count(), Anggota.objects.count(), User.objects.count()) == before
    assert "tidak mengubah apa pun" in output


@pytest.mark.django_db
def test_ids_of_deleted_rows_are_not_handed_out_again():
    seed("--kpm", "300")
    highest = max(Kpm.objects.values_list("pk", flat=True))
    Anggota.objects.all().delete()
    DesilHistory.objects.all().delete()
    EconomicAssessment.objects.all().delete()
    Kpm.objects.all().delete()
    seed("--kpm", "300")

    assert min(Kpm.objects.values_list("pk", flat=True)) > highest


@pytest.mark.django_db
def test_a_kabupaten_that_already_has_kpm_is_refused():
    seed("--kpm", "300")

    with pytest.raises(CommandError, match=r"35\.71"):
        seed("--kpm", "300")
    assert Kpm.objects.count() == 300


@pytest.mark.django_db
def test_reference_date_before_2020_is_refused():
    with pytest.raises(CommandError, match="2020-01-01"):
        call_command("seed_demo", "--today", "2019-12-31", stdout=StringIO())
    assert not Kpm.objects.exists()


@pytest.mark.django_db
def test_unknown_kabupaten_is_refused():
    with pytest.raises(CommandError, match=r"99\.99"):
        seed("--kpm", "10", "--kabupaten", "99.99")


@pytest.mark.django_db
def test_kpm_spread_over_several_kabupaten_stay_with_their_own_pendamping():
    seed("--kpm", "900", "--kabupaten", "35.71", "35.06")

    by_kabupaten = dict(
        Kpm.objects.values("kabupaten_code")
        .annotate(n=Count("id"))
        .values_list("kabupaten_code", "n")
    )
    assert sum(by_kabupaten.values()) == 900 and by_kabupaten["35.06"] > by_kabupaten["35.71"]
    for kpm in Kpm.objects.exclude(status=KpmStatus.WAITING).select_related("pendamping"):
        assert kpm.pendamping is not None
        assert kpm.pendamping.kabupaten_id == kpm.kabupaten_code
        assert kpm.pendamping.desa_served.filter(code=kpm.desa_id).exists()
        assert kpm.kpm_id.startswith(kpm.kabupaten_code.replace(".", "") + "-")


# The mix exercises every rule of DESIGN §5


@pytest.fixture
def seeded(db) -> dict[int, list[Anggota]]:
    seed("--kpm", "300")
    return members_by_kpm()


def test_mix_has_kpm_with_no_component_left(seeded):
    def adults_only(members: list[Anggota]) -> bool:
        return all(19 <= age(m.tanggal_lahir) < 70 and not has_component(m) for m in members)

    assert sum(adults_only(members) for members in seeded.values()) > 0


def test_mix_has_lansia_disabled_pregnant_and_nifas_members(seeded):
    members = [m for group in seeded.values() for m in group]

    assert any(age(m.tanggal_lahir) >= 70 for m in members)
    assert any(m.disabilitas_berat for m in members)
    assert any(m.hamil and m.perkiraan_lahir > TODAY for m in members)
    assert any(
        m.tanggal_persalinan and 0 <= (TODAY - m.tanggal_persalinan).days < NIFAS_DAYS
        for m in members
    )
    assert {m.jenjang_sekolah for m in members} >= {"PAUD", "SD", "SMP", "SMA", ""}
    assert any(m.hubungan == Relationship.PARENT for m in members)


def test_mix_has_kpm_with_more_than_four_components(seeded):
    assert any(sum(map(has_component, members)) > 4 for members in seeded.values())


def test_mix_has_kpm_in_pkh_for_five_years_or_more_and_recent_ones(seeded):
    five_years_ago = years_before(TODAY, 5)

    assert Kpm.objects.filter(pkh_entry_date__lte=five_years_ago).exists()
    assert Kpm.objects.filter(pkh_entry_date__gt=five_years_ago).exists()
    first, last = (
        Kpm.objects.exclude(status=KpmStatus.WAITING)
        .aggregate(first=Min("pkh_entry_date"), last=Max("pkh_entry_date"))
        .values()
    )
    assert first is not None and first >= date(2015, 1, 1)
    assert last is not None and last <= date(2025, 12, 31)


def test_mix_has_desil_above_four_and_desil_changes(seeded):
    assert Kpm.objects.filter(desil__gt=4).exists()
    assert set(Kpm.objects.values_list("desil", flat=True)) <= set(range(1, 7))
    paths: dict[int, list[int]] = defaultdict(list)
    for kpm_id, desil in DesilHistory.objects.order_by("recorded_on").values_list(
        "kpm_id", "desil"
    ):
        paths[kpm_id].append(desil)
    assert any(len(set(path)) > 1 for path in paths.values())
    current = dict(Kpm.objects.filter(pk__in=paths).values_list("pk", "desil"))
    assert all(path[-1] == current[kpm] for kpm, path in paths.items())


def test_mix_has_assessments_above_and_below_the_poverty_line(seeded):
    year_ago = TODAY - timedelta(days=365)
    assessments = list(EconomicAssessment.objects.all())

    def above(a: EconomicAssessment) -> bool:
        return a.income_per_member >= POVERTY_LINE

    assert any(above(a) and a.stable_income and a.assessed_on >= year_ago for a in assessments)
    assert any(above(a) and a.assessed_on < year_ago for a in assessments)
    assert any(above(a) and not a.stable_income for a in assessments)
    assert any(not above(a) for a in assessments)
    assert {a.source for a in assessments} == {AssessmentSource.VISIT}
    assert {a.business_status for a in assessments} <= set(BusinessStatus.values)


def test_mix_has_graduated_exited_and_waiting_kpm(seeded):
    statuses = set(Kpm.objects.values_list("status", flat=True))

    assert statuses == set(KpmStatus.values)
    assert not Kpm.objects.filter(status=KpmStatus.WAITING, pendamping__isnull=False).exists()
    assert all(level in SchoolLevel.values for level in SCHOOL_AGES)


# print_demo_logins


def print_logins() -> str:
    out = StringIO()
    call_command("print_demo_logins", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_print_demo_logins_lists_each_login_with_role_scope_and_password():
    seed("--kpm", "300")
    User.objects.filter(username="kemensos").update(password="changed")

    lines = print_logins().splitlines()

    assert lines[0] == "Buka http://127.0.0.1:8000/"
    table = {line.split()[0]: line for line in lines[2:]}
    assert set(table) == set(DEMO_USERNAMES)
    assert (
        "Dinas Sosial" in table["dinsos.kediri"] and "35.71 KOTA KEDIRI" in table["dinsos.kediri"]
    )
    assert "35 JAWA TIMUR" in table["kemensos.jatim"] and DEMO_PASSWORD in table["admin"]
    assert "(sudah diubah)" in table["kemensos"] and DEMO_PASSWORD not in table["kemensos"]


@pytest.mark.django_db
def test_print_demo_logins_says_how_to_seed_when_there_are_none():
    output = print_logins()

    assert "http://127.0.0.1:8000/" in output and "seed_demo" in output
