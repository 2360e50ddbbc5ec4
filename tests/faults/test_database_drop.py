"""The database connection dropped in the middle of a request, on real PostgreSQL: between the
first and the second write of a multi-row service, a second connection terminates the
request's own backend (pg_terminate_backend). The user gets a 503 with Retry-After (an
Indonesian page; the API's JSON shape under /api/), none of the service's rows are written,
and sending the same form again once the database is back saves it once.

ATOMIC_REQUESTS is off (config/settings.py): each service holds its own writes in one
transaction, which is what these tests prove for a visit (the visit, its economic assessment,
the KPM's last-visit date, their audit rows and the queued re-assessment) and a proposal
decision (the status, its audit row, the KPM's graduation and the notice)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from antrian.models import TaskMessage
from audit.models import AuditEvent
from config.db_errors import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware
from graduasi.models import ProposalStatus
from kpm.models import Kpm, KpmStatus
from pendamping.models import EconomicAssessment, Visit
from pengguna.models import Notice
from tests.conftest import live_db
from tests.faults.helpers import visit_form, visit_url
from tests.graduasi.test_proposal_api import submitted_for

PAGE_TITLE = "Layanan sementara terganggu"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def terminate_own_backend() -> int:
    """From a second connection, end this thread's PostgreSQL backend, as a server restart or a
    network cut would; its pid."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for it
            assert cursor.fetchone()[0], "the backend was not terminated"
    finally:
        other.close()
    return pid


class KillBeforeSecondWrite:
    """Wraps a service step that makes the second write: the first call ends the connection
    first and notes what the transaction had written by then."""

    def __init__(self, original: Any, written_so_far: Any) -> None:
        self.original, self.written_so_far = original, written_so_far
        self.seen: list[Any] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.seen:
            self.seen.append(self.written_so_far(*args, **kwargs))
            terminate_own_backend()
        return self.original(*args, **kwargs)


def assert_503_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert PAGE_TITLE in page
    assert "tidak ada yang tersimpan" in page
    assert "<script" not in page and "style=" not in page  # the strict CSP holds


@live_db
def test_a_visit_whose_connection_drops_mid_save_answers_503_and_writes_nothing(
    client, world, monkeypatch
):
    from pendamping.services import visits

    kill = KillBeforeSecondWrite(visits._audit_create, lambda **kw: kw["obj"].pk)
    monkeypatch.setattr(visits, "_audit_create", kill)
    client.force_login(world.pendamping_kota.user)
    data = visit_form()

    response = client.post(visit_url(world.kpm_own), data)

    assert kill.seen and kill.seen[0] is not None  # the visit row had been inserted
    assert_503_page(response)
    assert not Visit.objects.exists()
    assert not EconomicAssessment.objects.exists()
    assert not TaskMessage.objects.exists()
    assert Kpm.objects.get(pk=world.kpm_own.pk).last_visit_on is None
    assert not AuditEvent.objects.filter(
        object_type__in=["pendamping.visit", "pendamping.economicassessment", "kpm.kpm"]
    ).exists()

    again = client.post(visit_url(world.kpm_own), data)  # the same form, sent again

    assert again.status_code == 302
    assert Visit.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1
    assert EconomicAssessment.objects.count() == 1


@live_db
def test_a_decision_whose_connection_drops_mid_save_answers_json_503_and_writes_nothing(
    world, monkeypatch
):
    from graduasi.services import proposals

    proposal = submitted_for(world.kpm_own)
    audit_before = AuditEvent.objects.count()
    kill = KillBeforeSecondWrite(
        proposals._audit_transition,
        lambda **kw: (kw["proposal"].pk, kw["proposal"].status),
    )
    monkeypatch.setattr(proposals, "_audit_transition", kill)
    api = APIClient()
    api.force_login(world.dinsos_kota)

    response = api.post(f"/api/v1/proposals/{proposal.pk}/approve/", {}, format="json")

    assert kill.seen == [(proposal.pk, ProposalStatus.APPROVED)]  # the status was written
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert set(body) == {"code", "detail"}
    assert body["code"] == "service_unavailable"
    assert "tidak ada yang tersimpan" in body["detail"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.SUBMITTED, None)
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.ACTIVE
    assert AuditEvent.objects.count() == audit_before
    assert not Notice.objects.exists()
    assert not TaskMessage.objects.exists()


@live_db
def test_a_page_asked_for_after_the_connection_dropped_answers_503(client, world):
    client.force_login(world.pendamping_kota.user)
    client.raise_request_exception = False  # as a server: the error becomes the response
    terminate_own_backend()  # the connection this request will find is already dead

    response = client.get(reverse("home"))  # its first query reads the session

    assert_503_page(response)
    close_old_connections()  # what the server does after each request: drop the dead one
    assert client.get(reverse("home")).status_code == 200


def test_other_errors_are_left_to_the_server_error_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/")

    assert middleware.process_exception(request, RuntimeError("boom")) is None
    assert "config.db_errors.DatabaseUnavailableMiddleware" in settings.MIDDLEWARE
    assert settings.DATABASES["default"].get("ATOMIC_REQUESTS", False) is False
