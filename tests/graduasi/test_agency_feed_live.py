"""An agency pulls every page of a 10,000-graduation feed from a live server with a real HTTP client
while a Dinsos officer approves new graduations in another thread: every original KPM arrives
exactly once, nothing twice, and afterwards `updated_since` returns exactly the new ones."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from graduasi.models import Proposal
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import GraduationType, Kpm, KpmStatus
from pengguna.models import Role, SharedField
from tests.conftest import KOTA_KEDIRI, live_db, make_api_client, make_pendamping, make_user
from tests.factories import KpmFactory

ORIGINAL = 10_000
NEW = 12
PAGE = 500
DESA = ("35.71.01.1001", "35.71.03.1004", "35.06.01.2001")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


def graduated_world() -> list[str]:
    """10,000 graduated KPM written in bulk, many sharing one `updated_at` so that the feed's
    tie-breaker is exercised, all of it well before the test starts."""
    kpm = [
        KpmFactory.build(
            kpm_id=f"LIVE-{n:05d}", desa_code=DESA[n % 3], no_kk="3571012005100001",
            alamat=f"Jl. Uji {n}", status=KpmStatus.GRADUATED, graduated_on=date(2026, 1, 5),
            graduation_type=GraduationType.MANDIRI, last_paid_year=2026, last_paid_tahap=1,
        )
        for n in range(ORIGINAL)
    ]  # fmt: skip
    Kpm.objects.bulk_create(kpm, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE kpm_kpm SET updated_at = %s + (id %% 97) * interval '1 millisecond' "
            "WHERE kpm_id LIKE 'LIVE-%%'",
            [timezone.now() - timedelta(hours=1)],
        )
    return [k.kpm_id for k in kpm]


def submitted_proposals(tmp_media: Any) -> tuple[list[Proposal], Any]:
    """Active KPM with a submitted mandiri proposal each, and the officer who will decide."""
    pendamping = make_pendamping("pendamping_live", KOTA_KEDIRI)
    officer = make_user("dinsos_live", Role.DINSOS, KOTA_KEDIRI)
    proposals = []
    for n in range(NEW):
        kpm = KpmFactory.create(kpm_id=f"NEW-{n:02d}", desa_code=DESA[0], pendamping=pendamping)
        actor = pendamping.user
        proposal = proposal_draft(kpm=kpm, actor=actor, type=GraduationType.MANDIRI)
        statement = SimpleUploadedFile("surat.pdf", PDF)
        proposal_attach_statement(proposal=proposal, actor=actor, file=statement)
        proposals.append(proposal_submit(proposal=proposal, actor=actor))
    return proposals, officer


def fetch(url: str, key: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())


def pull_all(url: str, key: str, after_each_page: Any = None) -> list[str]:
    """Every KPM ID of every page, following `next` until it is null."""
    seen: list[str] = []
    next_url: str | None = url
    while next_url is not None:
        body = fetch(next_url, key)
        seen.extend(record["kpm_id"] for record in body["results"])
        next_url = body["next"]
        if after_each_page is not None:
            after_each_page()
    return seen


@live_db
def test_full_pull_during_approvals_sees_each_record_once(
    live_server: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    originals = graduated_world()
    proposals, officer = submitted_proposals(tmp_path)
    _client, key = make_api_client(
        "Kemenko PM Live", fields=(SharedField.NIK_MASKED,), rate_per_minute=10_000
    )
    start = timezone.now()

    # The officer approves one graduation after each page the agency receives.
    turns, approved, failures = threading.Semaphore(0), [], []

    def approve() -> None:
        try:
            for proposal in proposals:
                if not turns.acquire(timeout=60):
                    raise TimeoutError("the agency stopped pulling")
                decided = proposal_approve(proposal=proposal, officer=officer)
                approved.append(decided.kpm.kpm_id)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    approver = threading.Thread(target=approve)
    approver.start()
    url = f"{live_server.url}/api/v1/graduations/?{urlencode({'page_size': PAGE})}"
    try:
        seen = pull_all(url, key, after_each_page=turns.release)
    finally:
        for _ in proposals:
            turns.release()  # never leave the approver waiting
        approver.join(timeout=60)
    assert not failures, failures
    assert len(approved) == NEW

    assert len(seen) == len(set(seen)), "a KPM arrived twice"
    missing = set(originals) - set(seen)
    assert not missing, f"{len(missing)} original KPM never arrived"
    assert set(seen) - set(originals) <= set(approved)
    assert Kpm.objects.filter(status=KpmStatus.GRADUATED).count() == ORIGINAL + NEW

    since = urlencode({"page_size": PAGE, "updated_since": start.isoformat()})
    changed = pull_all(f"{live_server.url}/api/v1/graduations/?{since}", key)
    assert sorted(changed) == sorted(approved)
