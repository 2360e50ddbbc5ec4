"""load_wilayah: all four levels from the shipped CSVs, then a second run that changes nothing.
Baseline: the same rows inserted with the ORM's bulk_create."""

from __future__ import annotations

from bench.common import Measurement, timer


def run(options) -> list[Measurement]:
    from django.db import connection

    from wilayah.models import Desa, Kabupaten, Kecamatan, Provinsi
    from wilayah.services import wilayah_load

    with timer() as first:
        results = wilayah_load()
    with timer() as second:
        again = wilayah_load()
    rows = sum(r.rows for r in results)
    rewritten = sum(r.written for r in again)

    # Baseline: ORM bulk_create of the same rows into emptied tables (the next benchmark
    # gets a fresh scratch database, so emptying them here harms nothing).
    snapshot = {
        model: list(model.objects.all()) for model in (Provinsi, Kabupaten, Kecamatan, Desa)
    }
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE wilayah_desa, wilayah_kecamatan, wilayah_kabupaten, "
            "wilayah_provinsi, wilayah_povertyline CASCADE"
        )
    with timer() as baseline:
        for model, objects in snapshot.items():
            model._default_manager.bulk_create(objects, batch_size=5_000)  # type: ignore[arg-type]
    return [
        Measurement(
            name=f"load_wilayah, {rows:,} rows, first run",
            value=first[0],
            unit="s",
            baseline=baseline[0],
            baseline_label="ORM bulk_create",
            target="< 30 s",
        ),
        Measurement(
            name="load_wilayah, second run",
            value=second[0],
            unit="s",
            target="changes nothing",
            note=f"{rewritten} rows written",
        ),
    ]
