"""Forms and API calls that create or change records take only the fields their role may set.

Each test posts a valid submission together with fields the role may not set (a status, a region,
the pendamping a KPM belongs to, a decision, who decided, a graduation type or date, a referral's
status) and checks the stored rows: the extra fields changed nothing. For the API, an unknown or
read-only field is either refused with 400 {code, detail} or ignored, as the endpoint's request
schema documents (no `additionalProperties: false`: ignored).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from graduasi.models import GraduationType, Proposal, ProposalStatus
from graduasi.services.proposals import (
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import (
    Anggota,
    CorrectionRequest,
    EnrolmentProposal,
    FundedQuota,
    Kpm,
    KpmStatus,
)
from pemberdayaan.models import FollowUp, Programme, Referral, ReferralOutcome, ReferralStatus
from pendamping.models import P2k2Group, Visit
from pengguna.models import User
from tests.conftest import (
    DESA_KAB_KEDIRI,
    DESA_KOTA_KEDIRI,
    KOTA_KEDIRI,
    World,
    bearer,
    make_api_client,
)
from tests.factories import AnggotaFactory, KpmFactory
from tests.pemberdayaan import graduate

TODAY = timezone.localdate()
LONG_AGO = "2019-01-02"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def forbidden_fields(world: World) -> dict[str, Any]:
    """What no form of a pendamping or officer sets: a decision and who took it, a status, a
    graduation, another KPM, another pendamping, a region."""
    return {
        "status": ProposalStatus.APPROVED,
        "decided_by": world.admin.pk,
        "decided_by_id": world.admin.pk,
        "decided_at": f"{LONG_AGO}T08:00:00+07:00",
        "decision_note": "Disetujui lewat isian tersembunyi",
        "created_by": world.admin.pk,
        "pendamping": world.pendamping_kab.pk,
        "pendamping_id": world.pendamping_kab.pk,
        "kpm": world.kpm_other_district.pk,
        "kpm_id": world.kpm_other_district.kpm_id,
        "graduated_on": LONG_AGO,
        "graduation_type": GraduationType.SEJAHTERA,
        "desa": DESA_KAB_KEDIRI,
        "desa_code": DESA_KAB_KEDIRI,
        "kabupaten_code": DESA_KAB_KEDIRI[:5],
        "recorded_by": world.admin.pk,
    }


def assert_kpm_untouched(kpm: Kpm, *, status: str = KpmStatus.ACTIVE) -> Kpm:
    """The KPM kept its region, its pendamping and (unless a legitimate change) its status."""
    fresh = Kpm.objects.get(pk=kpm.pk)
    assert fresh.desa_id == kpm.desa_id
    assert fresh.kabupaten_code == kpm.kabupaten_code
    assert fresh.pendamping_id == kpm.pendamping_id
    assert fresh.status == status
    return fresh


def submitted(world: World) -> Proposal:
    """A mandiri proposal of kpm_own with its signed statement, waiting for Dinsos."""
    user = world.pendamping_kota.user
    proposal = proposal_draft(kpm=world.kpm_own, actor=user, type=GraduationType.MANDIRI)
    statement = SimpleUploadedFile("pernyataan.pdf", PDF, content_type="application/pdf")
    proposal_attach_statement(proposal=proposal, actor=user, file=statement)
    return proposal_submit(proposal=proposal, actor=user)


# The API's documented contract for fields it does not know ------------------------------------


@cache
def request_schemas() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def refuses_unknown_fields(component: str) -> bool:
    """Whether the request schema says extra fields are refused (`additionalProperties`)."""
    return request_schemas()[component].get("additionalProperties") is False


def api_post(client: Client, url: str, body: dict[str, Any], *, method: str = "POST", **extra):
    return client.generic(method, url, json.dumps(body), content_type="application/json", **extra)


def assert_refused_or_ignored(response: Any, component: str, ok: int) -> bool:
    """True when the call went through (and the caller checks what was stored)."""
    body = response.json()
    if refuses_unknown_fields(component):
        assert response.status_code == 400, body
        assert {"code", "detail"} <= set(body), body
        return False
    assert response.status_code == ok, body
    return True


# Proposals: the pendamping writes type, justification, programmes, consent; nothing else --------


def test_the_proposal_form_ignores_status_decision_pendamping_kpm_and_graduation(world):
    page = signed_in(world.pendamping_kota.user)
    data = {
        **forbidden_fields(world),
        "type": GraduationType.MANDIRI,
        "justification": "Usaha warung sudah stabil.",
    }

    response = page.post(reverse("usulan:create", args=[world.kpm_own.kpm_id]), data)

    assert response.status_code == 302
    proposal = Proposal.objects.get(kpm=world.kpm_own)
    assert proposal.status == ProposalStatus.DRAFT
    assert (proposal.decided_by, proposal.decided_at, proposal.decision_note) == (None, None, "")
    assert proposal.pendamping == world.pendamping_kota
    assert proposal.created_by == world.pendamping_kota.user
    assert not Proposal.objects.filter(kpm=world.kpm_other_district).exists()
    kpm = assert_kpm_untouched(world.kpm_own)
    assert (kpm.graduated_on, kpm.graduation_type) == (None, "")


def test_editing_a_draft_ignores_the_same_fields(world):
    proposal = proposal_draft(
        kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI
    )
    page = signed_in(world.pendamping_kota.user)
    data = {**forbidden_fields(world), "type": GraduationType.MANDIRI, "justification": "Baru"}

    response = page.post(reverse("usulan:edit", args=[proposal.pk]), data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.justification) == (ProposalStatus.DRAFT, "Baru")
    assert (proposal.decided_by, proposal.decided_at) == (None, None)
    assert (proposal.kpm, proposal.pendamping) == (world.kpm_own, world.pendamping_kota)
    assert_kpm_untouched(world.kpm_own)


def test_the_api_draft_ignores_status_decision_and_pendamping(world):
    api = signed_in(world.pendamping_kota.user)
    body = {
        **forbidden_fields(world),
        "kpm_id": world.kpm_own.kpm_id,
        "type": GraduationType.MANDIRI,
        "justification": "Usaha warung sudah stabil.",
        "pendamping": {"id": world.pendamping_kab.pk, "name": "lain"},
        "has_statement": True,
        "id": 999_999,
    }

    response = api_post(api, reverse("api:proposal-list"), body)

    if assert_refused_or_ignored(response, "ProposalDraftRequest", 201):
        assert response.json()["status"] == ProposalStatus.DRAFT
        proposal = Proposal.objects.get(kpm=world.kpm_own)
        assert proposal.pk != 999_999
        assert proposal.status == ProposalStatus.DRAFT
        assert (proposal.decided_by, proposal.decided_at) == (None, None)
        assert proposal.pendamping == world.pendamping_kota
        assert not proposal.signed_statement
    assert_kpm_untouched(world.kpm_own)


def test_the_api_update_ignores_status_decision_and_kpm(world):
    proposal = proposal_draft(
        kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI
    )
    api = signed_in(world.pendamping_kota.user)
    body = {**forbidden_fields(world), "type": GraduationType.MANDIRI, "justification": "Baru"}

    response = api_post(api, reverse("api:proposal-detail", args=[proposal.pk]), body, method="PUT")

    if assert_refused_or_ignored(response, "ProposalChangeRequest", 200):
        proposal.refresh_from_db()
        assert (proposal.status, proposal.justification) == (ProposalStatus.DRAFT, "Baru")
        assert (proposal.decided_by, proposal.kpm) == (None, world.kpm_own)
        assert proposal.pendamping == world.pendamping_kota


# Decisions: the officer decides; who decided, when, the type and the graduation follow ----------


def assert_approved_by_the_officer(world: World, proposal: Proposal) -> None:
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.decided_by == world.dinsos_kota
    assert proposal.decided_at is not None
    assert timezone.localdate(proposal.decided_at) == TODAY
    assert proposal.type == GraduationType.MANDIRI
    kpm = assert_kpm_untouched(world.kpm_own, status=KpmStatus.GRADUATED)
    assert (kpm.graduated_on, kpm.graduation_type) == (TODAY, GraduationType.MANDIRI)


def test_the_approval_form_takes_the_note_and_nothing_else(world):
    proposal = submitted(world)
    page = signed_in(world.dinsos_kota)
    data = {
        **forbidden_fields(world),
        "status": ProposalStatus.REJECTED,
        "type": GraduationType.SEJAHTERA,
        "catatan": "Keluarga siap.",
    }

    response = page.post(reverse("usulan:approve", args=[proposal.pk]), data)

    assert response.status_code == 302
    assert_approved_by_the_officer(world, proposal)
    assert Proposal.objects.get(pk=proposal.pk).decision_note == "Keluarga siap."


def test_the_api_approval_takes_the_note_and_nothing_else(world):
    proposal = submitted(world)
    api = signed_in(world.dinsos_kota)
    body = {
        **forbidden_fields(world),
        "status": ProposalStatus.REJECTED,
        "type": GraduationType.SEJAHTERA,
        "note": "Keluarga siap.",
    }

    response = api_post(api, reverse("api:proposal-approve", args=[proposal.pk]), body)

    if assert_refused_or_ignored(response, "ApproveRequest", 200):
        assert response.json()["status"] == ProposalStatus.APPROVED
        assert_approved_by_the_officer(world, proposal)


def test_a_rejection_cannot_be_turned_into_an_approval(world):
    proposal = submitted(world)
    page = signed_in(world.dinsos_kota)
    data = {**forbidden_fields(world), "catatan": "Belum ada surat pernyataan yang sah."}

    response = page.post(reverse("usulan:reject", args=[proposal.pk]), data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.REJECTED, world.dinsos_kota)
    kpm = assert_kpm_untouched(world.kpm_own)
    assert kpm.graduated_on is None


# Case work: the record hangs from the KPM in the URL, written by the one who posts -------------


def test_a_visit_belongs_to_the_kpm_in_the_url_and_its_pendamping(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = signed_in(world.pendamping_kota.user)
    data = {
        **forbidden_fields(world),
        "visited_on": TODAY.isoformat(),
        "purposes": ["verifikasi_komitmen"],
        "notes": "Usaha warung berjalan.",
        "idempotency_key": str(uuid.uuid4()),
    }

    response = page.post(reverse("kunjungan:create", args=[world.kpm_own.kpm_id]), data)

    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.kpm == world.kpm_own
    assert visit.pendamping == world.pendamping_kota
    assert visit.created_by == world.pendamping_kota.user
    assert_kpm_untouched(world.kpm_own)


def test_a_birth_joins_the_kpm_in_the_url_and_moves_nothing(world):
    page = signed_in(world.pendamping_kota.user)
    born = TODAY - timedelta(days=10)
    nik = f"357101{born.day + 40:02d}{born:%m%y}0011"
    data = {
        **forbidden_fields(world),
        "nama": "Bayi Uji",
        "jenis_kelamin": "P",
        "tanggal_lahir": born.isoformat(),
        "nik": nik,
        "is_pengurus": "1",
    }

    response = page.post(reverse("anggota:birth", args=[world.kpm_own.kpm_id]), data)

    assert response.status_code == 302, response.context["form"].errors
    child = Anggota.objects.get(nik=nik)
    assert child.kpm == world.kpm_own
    assert not child.is_pengurus
    assert Anggota.objects.filter(kpm=world.kpm_own, is_pengurus=True).count() == 1
    assert_kpm_untouched(world.kpm_own)


def test_an_exit_records_the_exit_and_no_graduation_or_move(world):
    page = signed_in(world.dinsos_kota)
    kpm = world.kpm_same_district
    data = {
        **forbidden_fields(world),
        "status": KpmStatus.GRADUATED,
        "reason": "pindah",
        "tanggal": TODAY.isoformat(),
        "note": "Pindah ke luar kota.",
    }

    response = page.post(reverse("kepesertaan:exit", args=[kpm.kpm_id]), data)

    assert response.status_code == 302, response.context["form"].errors
    fresh = assert_kpm_untouched(kpm, status=KpmStatus.EXITED)
    assert (fresh.graduated_on, fresh.graduation_type) == (None, "")
    assert fresh.exit_reason == "pindah"


def test_a_new_p2k2_group_is_the_posting_pendamping_s_with_their_own_kpm(world):
    page = signed_in(world.pendamping_kota.user)
    data = {
        **forbidden_fields(world),
        "name": "Melati",
        "desa": DESA_KOTA_KEDIRI,
        "members": [world.kpm_own.pk],
    }
    url = reverse("p2k2:group_create") + f"?pendamping={world.pendamping_kab.user.username}"

    response = page.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    group = P2k2Group.objects.get(name="Melati")
    assert group.pendamping == world.pendamping_kota
    assert group.desa_id == DESA_KOTA_KEDIRI
    assert list(group.members.all()) == [world.kpm_own]


def test_a_p2k2_group_takes_no_kpm_of_another_caseload(world):
    page = signed_in(world.pendamping_kota.user)
    data = {"name": "Mawar", "desa": DESA_KOTA_KEDIRI, "members": [world.kpm_other_district.pk]}

    response = page.post(reverse("p2k2:group_create"), data)

    assert response.status_code == 400
    assert not P2k2Group.objects.filter(name="Mawar").exists()


# Pendamping assignment: only within the officer's kabupaten ------------------------------------


def reassign(world: World, kpm: Kpm, to_pendamping_pk: int) -> int:
    page = signed_in(world.dinsos_kota)
    data = {"kpm_ids": [kpm.kpm_id], "pendamping": to_pendamping_pk}
    return page.post(reverse("kpm:reassign"), data).status_code


def test_an_officer_moves_a_kpm_to_a_pendamping_of_their_kabupaten(world):
    assert reassign(world, world.kpm_own, world.pendamping_kota_other.pk) == 302
    assert Kpm.objects.get(pk=world.kpm_own.pk).pendamping == world.pendamping_kota_other


@pytest.mark.parametrize(
    ("kpm", "to"),
    [
        ("kpm_own", "pendamping_kab"),  # a pendamping of another kabupaten
        ("kpm_other_district", "pendamping_kota"),  # a KPM of another kabupaten
    ],
)
def test_an_officer_cannot_assign_across_kabupaten(world, kpm, to):
    household = getattr(world, kpm)

    assert reassign(world, household, getattr(world, to).pk) == 400

    assert_kpm_untouched(household)


def test_a_pendamping_cannot_reassign_at_all(world):
    page = signed_in(world.pendamping_kota.user)
    data = {"kpm_ids": [world.kpm_own.kpm_id], "pendamping": world.pendamping_kota_other.pk}

    assert page.post(reverse("kpm:reassign"), data).status_code == 403
    assert_kpm_untouched(world.kpm_own)


# After graduation: referrals and follow-ups -----------------------------------------------------


@pytest.fixture
def graduated(world: World) -> tuple[Referral, FollowUp]:
    """kpm_graduated referred to PPSE 200 days ago, with its 6-month follow-up due."""
    kpm = Kpm.objects.get(pk=world.kpm_graduated.pk)
    referrals, follow_ups = graduate(
        kpm, TODAY - timedelta(days=200), actor=world.dinsos_kota, codes=("ppse",)
    )
    world.kpm_graduated = kpm
    return referrals[0], follow_ups[0]


def test_a_new_referral_starts_as_referred_for_the_kpm_in_the_url(world, graduated):
    page = signed_in(world.dinsos_kota)
    programme = Programme.objects.get(code="pnm-mekaar")
    data = {
        **forbidden_fields(world),
        "status": ReferralStatus.COMPLETED,
        "programme": programme.pk,
        "consent_on": TODAY.isoformat(),
        "note": "Keluarga setuju.",
    }

    response = page.post(
        reverse("pemberdayaan:referral_add", args=[world.kpm_graduated.kpm_id]), data
    )

    assert response.status_code == 302, response.context["form"].errors
    referral = Referral.objects.get(programme=programme)
    assert referral.kpm == world.kpm_graduated
    assert referral.status == ReferralStatus.REFERRED
    assert (referral.created_by, referral.consent_by) == (world.dinsos_kota, world.dinsos_kota)


def test_a_status_change_moves_one_step_and_nothing_else(world, graduated):
    referral, _follow_up = graduated
    page = signed_in(world.dinsos_kota)
    other = Programme.objects.get(code="pnm-mekaar")
    data = {
        **forbidden_fields(world),
        "status": ReferralStatus.COMPLETED,
        "programme": other.pk,
        "to": ReferralStatus.ACCEPTED,
        "note": "Diterima program.",
    }

    response = page.post(reverse("pemberdayaan:referral_status", args=[referral.pk]), data)

    assert response.status_code == 302
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.status == ReferralStatus.ACCEPTED
    assert (fresh.kpm_id, fresh.programme_id) == (referral.kpm_id, referral.programme_id)


def test_a_follow_up_keeps_its_kpm_schedule_and_recorder(world, graduated):
    _referral, follow_up = graduated
    page = signed_in(world.pendamping_kota.user)
    data = {
        **forbidden_fields(world),
        "months_after": 12,
        "due_on": LONG_AGO,
        "done_on": TODAY.isoformat(),
        "monthly_income": "1.500.000",
        "member_count": 4,
        "business_status": "berjalan",
        "note": "Warung berjalan.",
    }

    response = page.post(reverse("pemberdayaan:follow_up", args=[follow_up.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    fresh = FollowUp.objects.get(pk=follow_up.pk)
    assert (fresh.kpm_id, fresh.months_after, fresh.due_on) == (
        follow_up.kpm_id,
        follow_up.months_after,
        follow_up.due_on,
    )
    assert (fresh.done_on, fresh.recorded_by) == (TODAY, world.pendamping_kota.user)
    assert_kpm_untouched(world.kpm_graduated, status=KpmStatus.GRADUATED)


def test_an_agency_outcome_sets_the_status_its_kind_leads_to(world, graduated):
    referral, _follow_up = graduated
    other_client, _other_key = make_api_client("Kemenkop UKM")
    client, raw = make_api_client(
        "PNM Mekaar", programmes=(referral.programme,), regions=(KOTA_KEDIRI,)
    )
    body = {
        **forbidden_fields(world),
        "kind": "diterima",
        "status": ReferralStatus.COMPLETED,
        "referral": referral.pk + 1,
        "client": other_client.pk,
        "status_after": ReferralStatus.COMPLETED,
    }

    response = api_post(
        Client(),
        reverse("api:referral-outcome", kwargs={"pk": referral.pk}),
        body,
        HTTP_IDEMPOTENCY_KEY="mass-1",
        **bearer(raw),
    )

    if assert_refused_or_ignored(response, "OutcomeAnsweredRequest", 201):
        outcome = ReferralOutcome.objects.get()
        assert (outcome.referral, outcome.client) == (referral, client)
        assert outcome.status_after == ReferralStatus.ACCEPTED
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED
    assert_kpm_untouched(world.kpm_graduated, status=KpmStatus.GRADUATED)


# The waiting list: an officer proposes from their own kabupaten's list ------------------------


def test_an_enrolment_proposal_is_for_the_officer_s_kabupaten_whatever_is_posted(world):
    FundedQuota.objects.create(
        kabupaten_id=KOTA_KEDIRI, valid_from=date(TODAY.year, 1, 1), funded_kpm=10
    )
    for desa in (DESA_KOTA_KEDIRI, DESA_KAB_KEDIRI):  # a place freed on each side
        KpmFactory.create(
            desa_code=desa, status=KpmStatus.GRADUATED, graduated_on=TODAY,
            graduation_type=GraduationType.ALAMIAH, last_paid_year=TODAY.year,
            last_paid_tahap=(TODAY.month - 1) // 3 + 1,
        )  # fmt: skip
    waiting = {}
    for name, desa, desil in (("W-KOTA", DESA_KOTA_KEDIRI, 2), ("W-KAB", DESA_KAB_KEDIRI, 1)):
        waiting[name] = KpmFactory.create(
            kpm_id=name, desa_code=desa, desil=desil, status=KpmStatus.WAITING
        )
        AnggotaFactory.create(kpm=waiting[name], pengurus=True)
    page = signed_in(world.dinsos_kota)
    data = {
        **forbidden_fields(world),
        "count": "1",
        "note": "Tahap 1",
        "kabupaten": DESA_KAB_KEDIRI[:5],
        "kabupaten_id": DESA_KAB_KEDIRI[:5],
        "kpm_ids": ["W-KAB"],
        "households": [waiting["W-KAB"].pk],
    }

    response = page.post(reverse("kepesertaan:waiting"), data)

    assert response.status_code == 302
    proposal = EnrolmentProposal.objects.get()
    assert (proposal.kabupaten_id, proposal.proposed_by) == (KOTA_KEDIRI, world.dinsos_kota)
    assert [c.kpm.kpm_id for c in proposal.candidates.all()] == ["W-KOTA"]
    assert {k.status for k in Kpm.objects.filter(kpm_id__in=waiting)} == {KpmStatus.WAITING}


# Correction requests: the person's asked value goes in; the decision is the other officer's ----


def test_a_correction_request_is_filed_undecided_for_the_member_in_the_url(world):
    member = Anggota.objects.get(kpm=world.kpm_own, is_pengurus=True)
    other = Anggota.objects.get(kpm=world.kpm_other_district, is_pengurus=True)
    page = signed_in(world.pendamping_kota.user)
    data = {
        **forbidden_fields(world),
        "status": "disetujui",
        "anggota": other.pk,
        "field": "nik",
        "value_now": "Nama Lain",
        "value_asked": "Nama Lain",
        "requested_by": world.dinsos_kab.pk,
        "nilai": "Siti Aminah Rahayu",
        "alasan": "Nama di KTP tertulis lengkap.",
    }

    response = page.post(reverse("koreksi:create", args=[member.pk, "nama"]), data)

    assert response.status_code == 302, response.context["form"].errors
    correction = CorrectionRequest.objects.get()
    assert (correction.anggota, correction.field) == (member, "nama")
    assert (correction.value_now, correction.value_asked) == (member.nama, "Siti Aminah Rahayu")
    assert (correction.status, correction.decided_by, correction.decided_at) == (
        "diajukan",
        None,
        None,
    )
    assert correction.requested_by == world.pendamping_kota.user
    assert Anggota.objects.get(pk=member.pk).nama == member.nama  # corrected only on approval
    assert Anggota.objects.get(pk=other.pk).nama == other.nama


def test_an_approval_applies_the_asked_value_and_records_the_officer(world):
    member = Anggota.objects.get(kpm=world.kpm_own, is_pengurus=True)
    correction = CorrectionRequest.objects.create(
        anggota=member, field="nama", value_now=member.nama, value_asked="Siti Aminah Rahayu",
        reason="Nama di KTP tertulis lengkap.", requested_by=world.pendamping_kota.user,
    )  # fmt: skip
    page = signed_in(world.dinsos_kota)
    data = {
        **forbidden_fields(world),
        "value_asked": "Nama Sisipan",
        "nilai": "Nama Sisipan",
        "status": "ditolak",
        "catatan": "Sesuai KTP.",
    }

    response = page.post(reverse("koreksi:approve", args=[correction.pk]), data)

    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.status, correction.decided_by) == ("disetujui", world.dinsos_kota)
    assert correction.requested_by == world.pendamping_kota.user
    assert Anggota.objects.get(pk=member.pk).nama == "Siti Aminah Rahayu"
    assert_kpm_untouched(world.kpm_own)
