"""/api/v1/proposals/: each role sees its scope, acts only as its role allows, and a second
officer deciding gets a 409 that names who decided first. Every error is {"code", "detail"}."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from graduasi.models import KpmAssessment, Proposal, ProposalStatus
from graduasi.services.proposals import (
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import GraduationType, Kpm, KpmStatus
from pemberdayaan.models import Programme
from pengguna.models import Role, User
from tests.conftest import KOTA_KEDIRI, World, live_db, make_user
from tests.factories import EconomicAssessmentFactory, KpmFactory

S = ProposalStatus
LIST = "/api/v1/proposals/"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(proposal: Proposal, action: str = "") -> str:
    return f"{LIST}{proposal.pk}/{action + '/' if action else ''}"


def is_error(response: Any, status: int, code: str) -> bool:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"code", "detail", "fields"}
    return True


def submitted_for(kpm: Kpm, **draft: Any) -> Proposal:
    """A mandiri proposal the KPM's own pendamping drafted, signed and submitted."""
    assert kpm.pendamping is not None
    actor = kpm.pendamping.user
    proposal = proposal_draft(kpm=kpm, actor=actor, type=GraduationType.MANDIRI, **draft)
    proposal_attach_statement(
        proposal=proposal, actor=actor, file=SimpleUploadedFile("surat.pdf", PDF)
    )
    return proposal_submit(proposal=proposal, actor=actor)


def approvals(proposal: Proposal) -> int:
    events = AuditEvent.objects.filter(object_type="graduasi.proposal", object_id=str(proposal.pk))
    return sum(1 for e in events if e.changes.get("status") == [S.SUBMITTED, S.APPROVED])


@pytest.fixture
def three(world: World) -> dict[str, Proposal]:
    """One submitted proposal in each caseload: own, same kabupaten, other kabupaten."""
    return {
        kpm.kpm_id: submitted_for(kpm)
        for kpm in (world.kpm_own, world.kpm_same_district, world.kpm_other_district)
    }


# Who sees which proposals -------------------------------------------------------------------

SEES = {
    "pendamping_kota": {"KDR-OWN"},
    "pendamping_kab": {"KAB-OTHER"},
    "dinsos_kota": {"KDR-OWN", "KDR-SAME"},
    "dinsos_kab": {"KAB-OTHER"},
    "kementerian_national": {"KDR-OWN", "KDR-SAME", "KAB-OTHER"},
    "kementerian_jabar": set(),
    "admin": {"KDR-OWN", "KDR-SAME", "KAB-OTHER"},
}


def persona(world: World, name: str) -> User:
    found = getattr(world, name)
    return found.user if hasattr(found, "user") else found


@pytest.mark.parametrize(("name", "expected"), SEES.items())
def test_the_list_holds_the_proposals_in_the_callers_scope(world, three, name, expected):
    response = api(persona(world, name)).get(LIST)

    assert response.status_code == 200
    assert {row["kpm_id"] for row in response.json()["results"]} == expected


def test_an_agency_may_not_read_proposals(world, three):
    assert is_error(api(world.agency).get(LIST), 403, "forbidden")
    assert is_error(api(world.agency).get(url(three["KDR-OWN"])), 403, "forbidden")


def test_a_caller_not_signed_in_gets_401_with_a_scheme_to_sign_in(world, three):
    for response in (
        api().get(LIST),
        api().get(url(three["KDR-OWN"])),
        api().post(url(three["KDR-OWN"], "approve"), {}, format="json"),
    ):
        assert is_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", ["dinsos_kab", "pendamping_kota_other", "kementerian_jabar"])
def test_a_proposal_out_of_scope_reads_as_one_that_does_not_exist(world, three, name):
    user = persona(world, name)
    out_of_scope = api(user).get(url(three["KDR-OWN"]))
    missing = api(user).get(f"{LIST}999999/")

    assert is_error(out_of_scope, 404, "not_found")
    assert out_of_scope.json() == missing.json()


def test_a_proposal_shows_its_workflow_facts_and_never_a_nik(world):
    ppse = Programme.objects.get(code="ppse")
    proposal = submitted_for(
        world.kpm_own, justification="Usaha warung stabil", programmes=[ppse],
        consent_on=date(2026, 1, 5),
    )  # fmt: skip

    response = api(world.dinsos_kota).get(url(proposal))

    body = response.json()
    assert response.status_code == 200
    assert body["kpm_id"] == "KDR-OWN"
    assert body["type"] == "mandiri" and body["status"] == "diajukan"
    assert body["justification"] == "Usaha warung stabil"
    assert body["pendamping"] == {
        "id": world.pendamping_kota.pk,
        "name": str(world.pendamping_kota),
    }
    assert body["submitted_at"] is not None
    assert body["decided_at"] is None and body["decided_by"] is None
    assert body["has_statement"] is True
    assert body["economic_assessment"] is None
    assert body["referral_programmes"] == ["ppse"]
    assert body["referral_consent_on"] == "2026-01-05"
    assert "3571015808780002" not in response.content.decode()


def test_a_sejahtera_proposal_shows_the_assessment_behind_it(world):
    KpmAssessment.objects.create(
        kpm=world.kpm_own, status="sejahtera", reasons=[], component_count=0,
        yearly_benefit=0, per_tahap=0, status_since=date(2026, 1, 1), updated_at=timezone.now(),
    )  # fmt: skip
    assessed_on = timezone.localdate() - timedelta(days=20)
    EconomicAssessmentFactory.create(
        kpm=world.kpm_own, assessed_on=assessed_on, household_income=3_000_000, member_count=4
    )
    actor = world.pendamping_kota.user
    proposal = proposal_draft(kpm=world.kpm_own, actor=actor, type=GraduationType.SEJAHTERA)
    proposal_submit(proposal=proposal, actor=actor)

    body = api(world.dinsos_kota).get(url(proposal)).json()

    assert body["economic_assessment"] == {
        "assessed_on": assessed_on.isoformat(),
        "income_per_member": 750_000,
    }


# Filters, order, and the query count ---------------------------------------------------------


def proposal_row(world: World, *, submitted: date | None, kpm: Kpm | None = None, **kw) -> Proposal:
    """A proposal written directly, for reading tests."""
    kpm = kpm or KpmFactory.create(pendamping=world.pendamping_kota)
    at = None
    if submitted is not None:
        at = timezone.make_aware(datetime.combine(submitted, time(9)))
    return Proposal.objects.create(
        kpm=kpm, pendamping=world.pendamping_kota, created_by=world.pendamping_kota.user,
        type=kw.pop("type", GraduationType.MANDIRI), status=kw.pop("status", S.SUBMITTED),
        submitted_at=at, **kw,
    )  # fmt: skip


def kpm_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["kpm_id"] for row in response.json()["results"]]


def test_the_list_is_oldest_submission_first_with_drafts_last(world):
    late = proposal_row(world, submitted=date(2026, 3, 1))
    draft = proposal_row(world, submitted=None, status=S.DRAFT)
    early = proposal_row(world, submitted=date(2026, 1, 1))

    ids = [row["id"] for row in api(world.dinsos_kota).get(LIST).json()["results"]]

    assert ids == [early.pk, late.pk, draft.pk]


def test_the_list_filters_by_status_type_kecamatan_and_submission_dates(world):
    other_kecamatan = KpmFactory.create(pendamping=world.pendamping_kota, desa_code="35.71.03.1004")
    jan = proposal_row(world, submitted=date(2026, 1, 10))
    feb = proposal_row(world, submitted=date(2026, 2, 10), type=GraduationType.ALAMIAH)
    mar = proposal_row(world, submitted=date(2026, 3, 10), kpm=other_kecamatan)
    returned = proposal_row(world, submitted=date(2026, 3, 11), status=S.RETURNED)
    client = api(world.dinsos_kota)

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=dikembalikan") == [returned.pk]
    assert ids("type=alamiah") == [feb.pk]
    assert ids("kecamatan=35.71.03") == [mar.pk]
    assert ids("submitted_from=2026-02-01&submitted_to=2026-03-10") == [feb.pk, mar.pk]
    assert ids("submitted_to=2026-01-31") == [jan.pk]


def test_a_filter_value_outside_the_choices_is_a_400_naming_the_field(world):
    response = api(world.dinsos_kota).get(f"{LIST}?status=entah")

    assert is_error(response, 400, "invalid")
    assert set(response.json()["fields"]) == {"status"}


def test_the_list_pages_and_caps_the_page_size(world):
    for day in range(1, 4):
        proposal_row(world, submitted=date(2026, 1, day))

    page = api(world.dinsos_kota).get(f"{LIST}?page_size=2").json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert api(world.dinsos_kota).get(f"{LIST}?page=9").json()["code"] == "not_found"


def test_the_list_reads_a_dozen_proposals_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    programmes = list(Programme.objects.all()[:2])
    for day in range(1, 13):
        kpm = KpmFactory.create(pendamping=world.pendamping_kota)
        assessment = EconomicAssessmentFactory.create(kpm=kpm)
        proposal = proposal_row(
            world, kpm=kpm, submitted=date(2026, 1, day), status=S.REJECTED,
            decided_by=world.dinsos_kota, decided_at=timezone.now(), decision_note="Belum",
            economic_assessment=assessment, referral_consent_on=date(2026, 1, 1),
        )  # fmt: skip
        proposal.referral_programmes.set(programmes)
    client = api(world.dinsos_kota)

    # session, user, count, rows, programmes
    with django_assert_max_num_queries(5):
        response = client.get(LIST)

    rows = response.json()["results"]
    assert len(rows) == 12
    assert all(row["decided_by"] == "dinsos_kota" for row in rows)
    assert all(len(row["referral_programmes"]) == 2 for row in rows)
    assert all(row["economic_assessment"] for row in rows)


# Decisions ------------------------------------------------------------------------------------


def test_the_officer_of_the_kabupaten_approves_and_the_kpm_graduates(world, three):
    proposal = three["KDR-OWN"]

    response = api(world.dinsos_kota).post(
        url(proposal, "approve"), {"note": "Lengkap"}, format="json"
    )

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "disetujui"
    assert body["decided_by"] == "dinsos_kota"
    assert body["decision_note"] == "Lengkap"
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.GRADUATED
    assert approvals(proposal) == 1


def test_a_second_officer_approving_gets_409_naming_who_decided_first(world, three):
    proposal = three["KDR-OWN"]
    second = make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)
    api(world.dinsos_kota).post(url(proposal, "approve"), {}, format="json")

    response = api(second).post(url(proposal, "approve"), {}, format="json")

    assert is_error(response, 409, "conflict")
    assert "dinsos_kota" in response.json()["detail"]
    assert approvals(proposal) == 1
    proposal.refresh_from_db()
    assert proposal.decided_by == world.dinsos_kota


def test_rejecting_or_returning_a_decided_proposal_is_also_a_conflict(world, three):
    proposal = three["KDR-OWN"]
    api(world.dinsos_kota).post(url(proposal, "reject"), {"reason": "Belum layak"}, format="json")
    second = api(make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI))

    assert is_error(second.post(url(proposal, "approve"), {}, format="json"), 409, "conflict")
    assert is_error(
        second.post(url(proposal, "return"), {"note": "Lengkapi"}, format="json"), 409, "conflict"
    )


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
@pytest.mark.parametrize("name", ["pendamping_kota", "kementerian_national", "agency", "admin"])
def test_only_a_dinsos_officer_decides(world, three, action, name):
    proposal = three["KDR-OWN"]
    body = {"note": "x", "reason": "x"}

    response = api(persona(world, name)).post(url(proposal, action), body, format="json")

    assert is_error(response, 403, "forbidden")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
def test_an_officer_of_another_kabupaten_gets_404(world, three, action):
    proposal = three["KDR-OWN"]

    response = api(world.dinsos_kab).post(
        url(proposal, action), {"note": "x", "reason": "x"}, format="json"
    )

    assert is_error(response, 404, "not_found")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_the_officer_who_created_the_proposal_gets_403_four_eyes(world, three):
    proposal = three["KDR-OWN"]
    Proposal.objects.filter(pk=proposal.pk).update(created_by=world.dinsos_kota)

    response = api(world.dinsos_kota).post(url(proposal, "approve"), {}, format="json")

    assert is_error(response, 403, "four_eyes")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_a_rejection_needs_a_reason(world, three):
    proposal = three["KDR-OWN"]
    client = api(world.dinsos_kota)

    missing = client.post(url(proposal, "reject"), {}, format="json")
    blank = client.post(url(proposal, "reject"), {"reason": "  "}, format="json")

    assert is_error(missing, 400, "invalid")
    assert set(missing.json()["fields"]) == {"reason"}
    assert is_error(blank, 400, "reason_required")
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_a_rejection_with_a_reason_is_recorded(world, three):
    proposal = three["KDR-OWN"]

    response = api(world.dinsos_kota).post(
        url(proposal, "reject"), {"reason": "Penghasilan belum stabil"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ditolak"
    assert response.json()["decision_note"] == "Penghasilan belum stabil"


def test_a_returned_proposal_is_revised_and_resubmitted_by_its_pendamping(world, three):
    proposal = three["KDR-OWN"]
    pendamping = api(world.pendamping_kota.user)

    returned = api(world.dinsos_kota).post(url(proposal, "return"), {"note": ""}, format="json")
    assert is_error(returned, 400, "note_required")
    returned = api(world.dinsos_kota).post(
        url(proposal, "return"), {"note": "Lengkapi alasan"}, format="json"
    )
    assert returned.json()["status"] == "dikembalikan"

    revised = pendamping.put(
        url(proposal), {"type": "mandiri", "justification": "Warung buka setiap hari"},
        format="json",
    )  # fmt: skip
    resubmitted = pendamping.post(url(proposal, "submit"), format="json")

    assert revised.status_code == 200
    assert revised.json()["justification"] == "Warung buka setiap hari"
    assert resubmitted.json()["status"] == "diajukan"


# The pendamping's actions ---------------------------------------------------------------------


def test_a_pendamping_drafts_a_proposal_for_their_own_kpm(world):
    response = api(world.pendamping_kota.user).post(
        LIST,
        {"kpm_id": "KDR-OWN", "type": "mandiri", "justification": "Siap mandiri",
         "programmes": ["ppse", "kur"], "consent_on": "2026-01-05"},
        format="json",
    )  # fmt: skip

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "draf"
    assert sorted(body["referral_programmes"]) == ["kur", "ppse"]
    assert response["Location"].endswith(f"/api/v1/proposals/{body['id']}/")
    proposal = Proposal.objects.get(pk=body["id"])
    assert proposal.kpm == world.kpm_own and proposal.created_by == world.pendamping_kota.user
    assert AuditEvent.objects.filter(
        object_type="graduasi.proposal", object_id=str(proposal.pk), action="create"
    ).exists()


@pytest.mark.parametrize("kpm_id", ["KDR-SAME", "KAB-OTHER", "TIDAK-ADA"])
def test_a_kpm_outside_the_caseload_reads_as_unknown(world, kpm_id):
    response = api(world.pendamping_kota.user).post(
        LIST, {"kpm_id": kpm_id, "type": "mandiri"}, format="json"
    )

    assert is_error(response, 400, "invalid")
    assert kpm_id in response.json()["fields"]["kpm_id"][0]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("name", ["dinsos_kota", "kementerian_national", "agency", "admin"])
def test_only_a_pendamping_drafts(world, name):
    response = api(persona(world, name)).post(
        LIST, {"kpm_id": "KDR-OWN", "type": "mandiri"}, format="json"
    )

    assert is_error(response, 403, "forbidden")
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ({"type": "alamiah"}, "type_not_supported"),
        ({"type": "mandiri", "programmes": ["ppse"]}, "consent_missing"),
        ({"type": "mandiri", "programmes": ["ppse"], "consent_on": "2099-01-01"}, "consent_date"),
    ],
)
def test_a_draft_a_rule_refuses_is_a_400_with_the_rules_code(world, sent, code):
    response = api(world.pendamping_kota.user).post(
        LIST, {"kpm_id": "KDR-OWN", **sent}, format="json"
    )

    assert is_error(response, 400, code)
    assert not Proposal.objects.exists()


def test_an_unknown_programme_or_type_names_the_field(world):
    response = api(world.pendamping_kota.user).post(
        LIST, {"kpm_id": "KDR-OWN", "type": "entah", "programmes": ["tidak-ada"]}, format="json"
    )

    assert is_error(response, 400, "invalid")
    assert set(response.json()["fields"]) == {"type", "programmes"}


def test_a_second_open_proposal_for_the_same_kpm_is_refused(world, three):
    response = api(world.pendamping_kota.user).post(
        LIST, {"kpm_id": "KDR-OWN", "type": "mandiri"}, format="json"
    )

    assert is_error(response, 400, "proposal_exists")


def test_a_mandiri_proposal_is_submitted_once_its_statement_is_attached(world):
    client = api(world.pendamping_kota.user)
    created = client.post(LIST, {"kpm_id": "KDR-OWN", "type": "mandiri"}, format="json").json()
    proposal = Proposal.objects.get(pk=created["id"])

    early = client.post(url(proposal, "submit"), format="json")
    wrong = client.post(
        url(proposal, "statement"), {"file": SimpleUploadedFile("a.pdf", b"bukan pdf")},
        format="multipart",
    )  # fmt: skip
    attached = client.post(
        url(proposal, "statement"), {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart"
    )
    sent = client.post(url(proposal, "submit"), format="json")

    assert is_error(early, 400, "statement_missing")
    assert is_error(wrong, 400, "statement")
    assert attached.status_code == 200 and attached.json()["has_statement"] is True
    assert sent.status_code == 200 and sent.json()["status"] == "diajukan"


def test_a_statement_must_be_sent_as_a_file(world):
    client = api(world.pendamping_kota.user)
    created = client.post(LIST, {"kpm_id": "KDR-OWN", "type": "mandiri"}, format="json").json()

    response = client.post(f"{LIST}{created['id']}/statement/", {}, format="multipart")

    assert is_error(response, 400, "invalid")
    assert set(response.json()["fields"]) == {"file"}


def test_the_pendamping_withdraws_an_undecided_proposal_once(world, three):
    proposal = three["KDR-OWN"]
    client = api(world.pendamping_kota.user)

    first = client.post(url(proposal, "withdraw"), format="json")
    again = client.post(url(proposal, "withdraw"), format="json")

    assert first.status_code == 200 and first.json()["status"] == "ditarik"
    assert is_error(again, 400, "not_open")


@pytest.mark.parametrize("action", ["submit", "withdraw", "statement"])
def test_another_pendamping_gets_404_on_a_proposal_not_theirs(world, three, action):
    proposal = three["KDR-OWN"]

    response = api(world.pendamping_kota_other.user).post(url(proposal, action), format="json")

    assert is_error(response, 404, "not_found")


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_an_officer_may_not_act_for_the_pendamping(world, three, action):
    response = api(world.dinsos_kota).post(url(three["KDR-OWN"], action), format="json")

    assert is_error(response, 403, "forbidden")


def test_a_write_without_the_csrf_token_is_refused_for_a_browser_session(world, three):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.dinsos_kota)

    response = client.post(url(three["KDR-OWN"], "approve"), {}, format="json")

    assert is_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["detail"]


# Two officers at once --------------------------------------------------------------------------


@live_db
def test_two_officers_posting_approve_at_once_get_one_200_and_one_409(world):
    proposal = submitted_for(world.kpm_own)
    officers = [world.dinsos_kota, make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)]
    clients = [api(officer) for officer in officers]
    barrier = threading.Barrier(len(clients))
    outcomes: list[int] = []

    def approve(client: APIClient) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(client.post(url(proposal, "approve"), {}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [200, 409]
    assert approvals(proposal) == 1
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.GRADUATED
