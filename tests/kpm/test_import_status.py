"""The optional `status` column of the KPM import: a new KPM starts active or on the waiting list
(menunggu); anything else is a row error; an existing KPM keeps its status."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AuditEvent
from kpm.importing import import_kpm_file
from kpm.models import Kpm, KpmStatus
from kpm.selectors.waiting import waiting_ranked
from tests.kpm.importing_helpers import SAMPLE, TODAY, sample_rows, to_csv


def run(source, **kwargs):
    return import_kpm_file(source, today=TODAY, **kwargs)


def with_status(statuses: dict[str, str]) -> bytes:
    """The sample with a status column: `statuses` by kpm_id, blank for the others."""
    rows = [{**row, "status": statuses.get(row["kpm_id"], "")} for row in sample_rows()]
    return to_csv(rows)


def statuses() -> dict[str, str]:
    return dict(Kpm.objects.values_list("kpm_id", "status"))


def test_a_file_without_the_column_imports_active_kpm(db):
    run(SAMPLE)

    assert set(statuses().values()) == {KpmStatus.ACTIVE}


@pytest.mark.parametrize("written", ["menunggu", "Menunggu", " MENUNGGU "])
def test_status_menunggu_puts_a_new_kpm_on_the_waiting_list(db, written):
    report = run(with_status({"KDR-000001": written, "KDR-000002": "aktif"}))

    assert report.errors == [] and report.kpm_created == 3
    assert statuses() == {
        "KDR-000001": KpmStatus.WAITING, "KDR-000002": KpmStatus.ACTIVE,
        "KDR-000003": KpmStatus.ACTIVE,
    }  # fmt: skip
    waiting = Kpm.objects.get(kpm_id="KDR-000001")
    assert waiting.pendamping is None
    event = AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(waiting.pk))
    assert event.changes["status"] == [None, "menunggu"]


def test_an_imported_waiting_household_is_ranked_from_its_entry_date(db):
    run(with_status({"KDR-000001": "menunggu", "KDR-000002": "menunggu"}))

    ranked = list(waiting_ranked("35.71"))

    # KDR-000002 has desil 1, KDR-000001 desil 2 (waiting since 2018-03-01).
    assert [k.kpm_id for k in ranked] == ["KDR-000002", "KDR-000001"]
    assert ranked[1].pkh_entry_date == date(2018, 3, 1)


@pytest.mark.parametrize("written", ["keluar", "graduasi", "tunggu", "1"])
def test_any_other_status_is_a_row_error_with_its_line(db, written):
    report = run(with_status({"KDR-000002": written}))

    assert [(e.line, e.kpm_id, e.column) for e in report.errors] == [(5, "KDR-000002", "status")]
    assert "aktif, menunggu" in report.errors[0].reason and written in report.errors[0].reason
    assert report.kpm_rejected == 1
    assert set(statuses()) == {"KDR-000001", "KDR-000003"}


def test_the_status_must_be_the_same_on_every_row_of_a_kpm(db):
    rows = [{**row, "status": "menunggu"} for row in sample_rows()]
    rows[1]["status"] = "aktif"  # line 3, the second row of KDR-000001

    report = run(to_csv(rows))

    assert [(e.line, e.column) for e in report.errors] == [(3, "status")]
    assert "KDR-000001" not in statuses()


def test_reimporting_a_file_with_status_changes_nothing(db):
    source = with_status({"KDR-000001": "menunggu"})
    run(source)
    audit_rows = AuditEvent.objects.count()

    report = run(source)

    assert (report.kpm_created, report.kpm_updated, report.kpm_unchanged) == (0, 0, 3)
    assert not report.changed_anything and report.errors == []
    assert AuditEvent.objects.count() == audit_rows
    assert statuses()["KDR-000001"] == KpmStatus.WAITING


def test_a_different_status_for_an_existing_kpm_is_ignored_without_a_warning(db):
    run(with_status({"KDR-000001": "menunggu"}))
    audit_rows = AuditEvent.objects.count()

    report = run(with_status({"KDR-000001": "aktif", "KDR-000002": "menunggu"}))

    assert report.errors == [] and report.kpm_unchanged == 3 and not report.changed_anything
    assert statuses()["KDR-000001"] == KpmStatus.WAITING
    assert statuses()["KDR-000002"] == KpmStatus.ACTIVE
    assert AuditEvent.objects.count() == audit_rows


def test_a_dry_run_reports_a_bad_status_and_writes_nothing(db):
    report = run(with_status({"KDR-000003": "keluar"}), dry_run=True)

    assert [(e.kpm_id, e.column) for e in report.errors] == [("KDR-000003", "status")]
    assert report.kpm_created == 2 and not Kpm.objects.exists()
