"""Proposal decisions over /api/v1/proposals/ signed with an officer's own API key: no CSRF
token is needed, the same services as the web pages run (the KPM graduates, referrals are made,
the audit row is written), a key of another kabupaten sees nothing (404), an agency client's
key may not decide (403) and a revoked key is refused (401)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from graduasi.models import Proposal, ProposalStatus
from graduasi.services.proposals import proposal_attach_statement, proposal_draft, proposal_submit
from kpm.models import GraduationType, Kpm, KpmStatus
from pemberdayaan.models import Programme, Referral
from pengguna.api_clients import api_key_issue, api_key_revoke
from pengguna.models import User
from tests.conftest import World, bearer, make_api_client
from tests.graduasi.test_proposal_api import LIST, PDF, is_error

S = ProposalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def keyed(raw_key: str) -> APIClient:
    """A client that signs with a key and would enforce CSRF on a session: it never has one."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(**bearer(raw_key))
    return client


def officer_key(user: User) -> str:
    _key, raw = api_key_issue(by=None, user=user)
    return raw


def url(proposal: Proposal, action: str) -> str:
    return f"{LIST}{proposal.pk}/{action}/"


def submitted(kpm: Kpm, **draft: Any) -> Proposal:
    """A mandiri proposal the KPM's pendamping drafted, signed and submitted."""
    assert kpm.pendamping is not None
    actor = kpm.pendamping.user
    proposal = proposal_draft(kpm=kpm, actor=actor, type=GraduationType.MANDIRI, **draft)
    proposal_attach_statement(
        proposal=proposal, actor=actor, file=SimpleUploadedFile("surat.pdf", PDF)
    )
    return proposal_submit(proposal=proposal, actor=actor)


def decisions(proposal: Proposal, officer: User) -> list[list[str]]:
    """The status changes the officer made on this proposal, from the audit log."""
    events = AuditEvent.objects.filter(
        object_type="graduasi.proposal", object_id=str(proposal.pk), actor=officer
    ).order_by("id")
    return [e.changes["status"] for e in events if "status" in e.changes]


def test_a_dinsos_key_approves_and_the_kpm_graduates_with_its_referrals(world: World) -> None:
    ppse = Programme.objects.get(code="ppse")
    proposal = submitted(world.kpm_own, programmes=[ppse], consent_on=date(2026, 1, 5))

    response = keyed(officer_key(world.dinsos_kota)).post(
        url(proposal, "approve"), {"note": "Lengkap"}, format="json"
    )

    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["decided_by"], body["decision_note"]) == (
        "disetujui",
        "dinsos_kota",
        "Lengkap",
    )
    kpm = Kpm.objects.get(pk=world.kpm_own.pk)
    assert kpm.status == KpmStatus.GRADUATED
    assert (kpm.graduated_on, kpm.graduation_type) == (timezone.localdate(), "mandiri")
    referral = Referral.objects.get(kpm=kpm)
    assert (referral.programme, referral.proposal) == (ppse, proposal)
    assert decisions(proposal, world.dinsos_kota) == [[S.SUBMITTED, S.APPROVED]]


def test_a_dinsos_key_rejects_with_a_reason(world: World) -> None:
    proposal = submitted(world.kpm_same_district)
    client = keyed(officer_key(world.dinsos_kota))

    assert is_error(client.post(url(proposal, "reject"), {"reason": " "}, format="json"),
                    400, "reason_required")  # fmt: skip
    response = client.post(url(proposal, "reject"), {"reason": "Belum stabil"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "ditolak"
    assert Kpm.objects.get(pk=world.kpm_same_district.pk).status == KpmStatus.ACTIVE
    assert decisions(proposal, world.dinsos_kota) == [[S.SUBMITTED, S.REJECTED]]


def test_a_dinsos_key_returns_for_revision(world: World) -> None:
    proposal = submitted(world.kpm_own)

    response = keyed(officer_key(world.dinsos_kota)).post(
        url(proposal, "return"), {"note": "Lengkapi alasan"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "dikembalikan"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == (S.RETURNED, "Lengkapi alasan")
    assert decisions(proposal, world.dinsos_kota) == [[S.SUBMITTED, S.RETURNED]]


def test_a_second_decision_by_key_is_a_conflict(world: World) -> None:
    proposal = submitted(world.kpm_own)
    client = keyed(officer_key(world.dinsos_kota))
    assert client.post(url(proposal, "approve"), {}, format="json").status_code == 200

    again = client.post(url(proposal, "reject"), {"reason": "Salah"}, format="json")

    assert is_error(again, 409, "conflict")


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
def test_a_key_of_another_kabupaten_gets_404_and_changes_nothing(world: World, action: str) -> None:
    proposal = submitted(world.kpm_own)
    client = keyed(officer_key(world.dinsos_kab))

    response = client.post(url(proposal, action), {"reason": "x", "note": "x"}, format="json")

    assert is_error(response, 404, "not_found")
    assert is_error(client.get(f"{LIST}{proposal.pk}/"), 404, "not_found")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.ACTIVE


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
def test_an_agency_clients_key_may_not_decide(world: World, action: str) -> None:
    proposal = submitted(world.kpm_own)
    _client, raw = make_api_client("PNM Mekaar", fields=("nik", "alamat"))

    response = keyed(raw).post(url(proposal, action), {"reason": "x", "note": "x"}, format="json")

    assert is_error(response, 403, "forbidden")
    assert is_error(keyed(raw).get(LIST), 403, "forbidden")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_a_ministry_key_reads_but_may_not_decide(world: World) -> None:
    proposal = submitted(world.kpm_own)
    client = keyed(officer_key(world.kementerian_national))

    assert client.get(f"{LIST}{proposal.pk}/").status_code == 200
    assert is_error(client.post(url(proposal, "approve"), {}, format="json"), 403, "forbidden")


def test_a_revoked_key_is_refused(world: World) -> None:
    proposal = submitted(world.kpm_own)
    key, raw = api_key_issue(by=None, user=world.dinsos_kota)
    api_key_revoke(by=None, key=key)

    response = keyed(raw).post(url(proposal, "approve"), {}, format="json")

    assert is_error(response, 401, "key_revoked")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED
