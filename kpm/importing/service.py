"""import_kpm_file: the KPM import use case, from file to report, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError
from graduasi.services import assessment_refresh_on_commit
from kpm.importing.apply import apply_plan
from kpm.importing.load import Existing, load_existing
from kpm.importing.parse import Source, read_table
from kpm.importing.plan import plan_chunk
from kpm.importing.records import ImportReport, KpmRecord
from kpm.importing.validate import Context, check_table
from pemberdayaan.services.risk import risk_refresh_on_commit
from pengguna.models import Role

# Writes go out in chunks of about this many member rows, so a worker can report progress.
CHUNK_ROWS = 10_000
# Two imports never interleave: the second waits for the first to commit.
IMPORT_LOCK_KEY = 0x4B504D49  # "KPMI"

Progress = Callable[[int], None]


def import_kpm_file(
    source: Source,
    *,
    actor: Any = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a KPM file and upsert every sound KPM; a dry run reports the same, writes nothing.

    `actor` None is the system (the management command) and may import anywhere; a Dinsos
    officer imports only into their kabupaten/kota. Raises ImportFileError for a file that
    cannot be read as a whole, DomainError for a user who may not import.
    """
    scope = import_scope(actor)
    table = read_table(source)
    today = today or timezone.localdate()
    with transaction.atomic():
        if not dry_run:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        existing = load_existing(table)
        checked = check_table(table, _context(existing, scope, today))
        report = ImportReport(
            rows=len(table.rows),
            kpm_rejected=checked.rejected,
            errors=checked.errors,
            errors_total=len(checked.errors),
            dry_run=dry_run,
        )
        skipped = len(table.rows) - sum(len(r.members) for r in checked.records)
        _write(checked.records, existing, report, actor=actor, today=today,
               progress=_offset(progress, skipped))  # fmt: skip
    return report


def import_scope(actor: Any) -> str | None:
    """The kabupaten/kota an importer may write to; None for anywhere (admin, the system)."""
    if actor is None:
        return None
    if actor.is_active and actor.role == Role.ADMIN:
        return None
    if actor.is_active and actor.role == Role.DINSOS and actor.scope_region_code:
        return actor.scope_region_code
    raise DomainError(_("Hanya petugas Dinsos atau admin yang dapat mengimpor data KPM."))


def _context(existing: Existing, scope: str | None, today: date) -> Context:
    return Context(
        today=today,
        known_kecamatan=existing.known_kecamatan,
        known_desa=existing.known_desa,
        region_scope=scope,
        nik_owner={nik: (a.kpm_id, a.kabupaten_code) for nik, a in existing.anggota.items()},
        kpm_region={kpm_id: k.kabupaten_code for kpm_id, k in existing.kpm.items()},
    )


def _write(
    records: list[KpmRecord],
    existing: Existing,
    report: ImportReport,
    *,
    actor: Any,
    today: date,
    progress: Progress | None,
) -> None:
    """Plan and (unless a dry run) apply each chunk, counting into the report."""
    kpm_pks = {kpm_id: k.pk for kpm_id, k in existing.kpm.items()}
    done = 0
    for chunk in _chunks(records):
        plan = plan_chunk(chunk, existing)
        plan.count_into(report)
        if not report.dry_run:
            apply_plan(plan, kpm_pks=kpm_pks, actor=actor, today=today)
            touched = plan.touched_kpm_ids(chunk)
            assessment_refresh_on_commit(kpm_pks[kpm_id] for kpm_id in touched)
            risk_refresh_on_commit(kpm_pks[kpm_id] for kpm_id in touched)
        done += sum(len(r.members) for r in chunk)
        if progress is not None:
            progress(done)


def _chunks(records: list[KpmRecord]) -> Iterator[list[KpmRecord]]:
    """Whole KPM at a time, about CHUNK_ROWS member rows per chunk."""
    chunk: list[KpmRecord] = []
    rows = 0
    for record in records:
        chunk.append(record)
        rows += len(record.members)
        if rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _offset(progress: Progress | None, skipped: int) -> Progress | None:
    """Rejected rows count as processed from the start."""
    if progress is None:
        return None
    return lambda done: progress(skipped + done)
