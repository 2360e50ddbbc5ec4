"""seed_demo at benchmark size: --kpm KPM (1,000,000 by default, about 4M members) over every
kabupaten/kota of Jawa Timur, written with COPY. Baseline: the same generator's rows for a
20,000-KPM slice of another kabupaten, written with the ORM's bulk_create."""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from bench.common import Measurement, timer
from kpm.demo.households import (
    ANGGOTA_COLUMNS,
    ASSESSMENT_COLUMNS,
    DESIL_COLUMNS,
    KPM_COLUMNS,
    KecamatanRows,
)

if TYPE_CHECKING:
    from django.db.models import Model

SEED = 1
TODAY = date(2026, 11, 24)  # fixed, so every run builds the same rows
BASELINE_KPM = 20_000
BASELINE_KABUPATEN = "34.71"  # Kota Yogyakarta, outside the main run


def jatim_kabupaten() -> list[str]:
    """Every kabupaten/kota of Jawa Timur, Kota Kediri first (it gets the demo logins)."""
    from wilayah.models import Kabupaten

    codes = list(Kabupaten.objects.filter(provinsi_id="35").values_list("code", flat=True))
    return ["35.71", *sorted(c for c in codes if c != "35.71")]


def table_count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def run(options) -> list[Measurement]:
    from django.core.management import call_command

    from wilayah.services import wilayah_load

    wilayah_load()  # the scratch database comes migrated but empty
    kabupaten = jatim_kabupaten()
    with timer() as seeded:
        call_command(
            "seed_demo", "--kpm", str(options.kpm), "--kabupaten", *kabupaten,
            "--seed", str(SEED), "--today", TODAY.isoformat(), stdout=io.StringIO(),
        )  # fmt: skip
    kpm, members = table_count("kpm_kpm"), table_count("kpm_anggota")
    base_kpm, base_seconds = orm_baseline(BASELINE_KPM)
    note = (
        f"{kpm:,} KPM, {members:,} anggota, {len(kabupaten)} kabupaten/kota; one transaction, "
        "indexes and foreign keys rebuilt, ANALYZE included"
    )
    return [
        Measurement(
            name=f"seed_demo --kpm {options.kpm:,} (Jawa Timur)", value=seeded[0], unit="s",
            target="a few minutes", note=note,
        ),
        Measurement(name="seed_demo, anggota written", value=members / seeded[0], unit="rows/s"),
        Measurement(
            name="seed_demo, KPM written", value=kpm / seeded[0], unit="KPM/s",
            baseline=base_kpm / base_seconds, baseline_label=f"bulk_create, {base_kpm:,} KPM",
        ),
    ]  # fmt: skip


def orm_baseline(count: int) -> tuple[int, float]:
    """The same generator's households for `count` KPM written with bulk_create; staff are
    written first with COPY, outside the timing. Returns KPM written and seconds."""
    from django.db import connection, transaction

    from kpm.demo.households import generate_kecamatan
    from kpm.demo.names import name_pools
    from kpm.demo.plan import seed_plan
    from kpm.demo.writer import SeedResult, kabupaten_desa, max_ids, write_staff

    with connection.cursor() as cursor:
        plan = seed_plan(
            seed=SEED, today=TODAY, kpm=count, ids=max_ids(cursor),
            desa_by_kabupaten=kabupaten_desa([BASELINE_KABUPATEN]),
        )  # fmt: skip
        pools = name_pools(SEED)
        write_staff(cursor, plan, pools, [], SeedResult())
    with timer() as elapsed, transaction.atomic():
        for kecamatan in plan.kecamatan:
            _bulk_create(generate_kecamatan(SEED, TODAY, kecamatan, pools))
    return plan.kpm_count, elapsed[0]


def _bulk_create(rows: KecamatanRows) -> None:
    from kpm.models import Anggota, DesilHistory, Kpm
    from pendamping.models import EconomicAssessment

    _objects(Kpm, KPM_COLUMNS, rows.kpm)
    _objects(Anggota, ANGGOTA_COLUMNS, rows.anggota)
    _objects(DesilHistory, DESIL_COLUMNS, rows.desil)
    _objects(EconomicAssessment, ASSESSMENT_COLUMNS, rows.assessment)


def _objects(model: type[Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Model instances from generated rows, inserted with bulk_create."""
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    model._default_manager.bulk_create(objects, batch_size=2_000)
