"""The restore drill: a custom-format pg_dump of the test database, restored into a new database
on the same server, holds every row of every table and the same audit trail and access log; the
drill's database is gone afterwards. The world is committed (a transactional test), since
pg_dump reads from its own connection."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from audit.management.commands.backup_drill import (
    DrillReport,
    Snapshot,
    Tools,
    backup_drill,
    compare,
    database_snapshot,
    find_tools,
    server_major,
)
from audit.models import AccessEvent, AuditEvent
from audit.services import access_record
from graduasi.models import Proposal
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import GraduationType, Kpm, KpmStatus
from pendamping.models import Visit, VisitPurpose
from pendamping.services.visits import visit_log
from tests.conftest import World, live_db, needs_service

PROJECT_APPS = ("audit", "wilayah", "pengguna", "kpm", "pendamping", "graduasi", "pemberdayaan")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def drill_tools() -> Tools:
    major = server_major(connection.settings_dict)
    tools = find_tools(major)
    if tools is None:
        needs_service("pg_dump", f"no pg_dump/pg_restore of PostgreSQL {major} on this machine")
    assert tools is not None
    return tools


def project_tables() -> set[str]:
    """Every table of the project's own apps, many-to-many tables included (from every model
    registered: a live test narrows the app registry to the apps it empties)."""
    return {
        model._meta.db_table
        for label in PROJECT_APPS
        for model in apps.all_models[label].values()
        if model._meta.managed and not model._meta.proxy
    }


def small_world(world: World) -> None:
    """Visits, a draft and an approved proposal (graduation, referral, follow-ups, notices),
    their audit rows, and an agency's access to personal data, all through the services."""
    pendamping = world.pendamping_kota.user
    visit_log(
        kpm=world.kpm_own, actor=pendamping, visited_on=date(2026, 1, 5),
        purposes=[VisitPurpose.DATA_UPDATE], notes="Keluarga ada di rumah.",
    )  # fmt: skip
    proposal = proposal_draft(kpm=world.kpm_own, actor=pendamping, type=GraduationType.MANDIRI)
    statement = SimpleUploadedFile("surat.pdf", PDF)
    proposal_attach_statement(proposal=proposal, actor=pendamping, file=statement)
    proposal_approve(
        proposal=proposal_submit(proposal=proposal, actor=pendamping), officer=world.dinsos_kota
    )
    other = world.pendamping_kota_other.user
    proposal_draft(kpm=world.kpm_same_district, actor=other, type=GraduationType.MANDIRI)
    access_record(
        actor=world.agency, endpoint="/api/v1/graduations/", purpose="Penyaluran PPSE",
        object_type="kpm.kpm", record_ids=[world.kpm_own.pk],
    )  # fmt: skip


def drill_databases() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%\\_drill\\_%"])
        return [name for (name,) in cur.fetchall()]


@pytest.fixture
def committed_world(world: World, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    small_world(world)
    return world


@live_db
def test_restored_copy_holds_every_row_and_the_same_audit_trail(committed_world: World) -> None:
    report: DrillReport = backup_drill(connection.settings_dict, tools=drill_tools())

    assert report.differences == []
    assert report.after == report.before
    assert len(project_tables()) > 40
    assert project_tables() <= set(report.after.counts)
    counts = report.after.counts
    assert counts["kpm_kpm"] == Kpm.objects.count() == 4
    assert counts["pendamping_visit"] == Visit.objects.count() == 1
    assert counts["graduasi_proposal"] == Proposal.objects.count() == 2
    assert counts["wilayah_desa"] == 83_763
    assert counts["audit_auditevent"] == AuditEvent.objects.count() > 5
    assert counts["audit_accessevent"] == AccessEvent.objects.count() == 1
    assert Kpm.objects.get(pk=committed_world.kpm_own.pk).status == KpmStatus.GRADUATED
    assert EMPTY_SHA256 not in report.after.hashes.values()
    assert report.dump_bytes > 0
    assert report.restored not in drill_databases()


@live_db
def test_the_audit_hash_follows_the_content_of_the_log(committed_world: World) -> None:
    def snapshot() -> Snapshot:
        return database_snapshot(connection.settings_dict, connection.settings_dict["NAME"])

    first = snapshot()
    access_record(
        actor=committed_world.agency, endpoint="/api/v1/graduations/export.csv",
        purpose="Penyaluran PPSE", object_type="kpm.kpm", record_ids=[],
    )  # fmt: skip
    second = snapshot()

    assert second.hashes["audit_auditevent"] == first.hashes["audit_auditevent"]
    assert second.hashes["audit_accessevent"] != first.hashes["audit_accessevent"]
    assert compare(first, second) == [
        "audit_accessevent: 1 baris, salinan 2",
        f"audit_accessevent: isi berbeda (hash {first.hashes['audit_accessevent'][:12]} dan "
        f"{second.hashes['audit_accessevent']})",
    ]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (Snapshot({"a": 1, "b": 2}, {"a": "x"}), []),
        (Snapshot({"a": 1}, {"a": "x"}), ["b: tidak ada di salinan"]),
        (Snapshot({"a": 1, "b": 2, "c": 0}, {"a": "x"}), ["c: hanya ada di salinan"]),
        (Snapshot({"a": 1, "b": 3}, {"a": "x"}), ["b: 2 baris, salinan 3"]),
        (Snapshot({"a": 1, "b": 2}, {"a": "y"}), ["a: isi berbeda (hash x dan y)"]),
        (Snapshot({"a": 1, "b": 2}, {}), ["a: isi berbeda (hash x dan None)"]),
    ],
)
def test_compare_names_every_difference(after: Snapshot, expected: list[str]) -> None:
    before = Snapshot({"a": 1, "b": 2}, {"a": "x"})

    assert compare(before, after) == expected


@live_db
def test_backup_drill_command_reports_a_whole_copy_and_keeps_the_dump(
    committed_world: World, tmp_path: Path
) -> None:
    drill_tools()
    out = StringIO()
    dump = tmp_path / "pkh.dump"

    call_command("backup_drill", "--keep-dump", str(dump), stdout=out)

    text = out.getvalue()
    assert "Salinan sama persis dengan sumbernya." in text
    assert "audit_auditevent" in text and "BEDA" not in text
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert drill_databases() == []
