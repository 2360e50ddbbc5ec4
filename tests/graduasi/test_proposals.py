"""The proposal workflow: who may move a proposal from which state, the evidence it needs, the
four-eyes rule, and two officers deciding at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from graduasi.models import AssessmentStatus, GraduationType, KpmAssessment, Proposal
from graduasi.models import ProposalStatus as S
from graduasi.rules import months_before
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_prefill,
    proposal_reject,
    proposal_return,
    proposal_submit,
    proposal_withdraw,
)
from kpm.models import Kpm, KpmStatus
from pengguna.models import Role
from tests.conftest import KOTA_KEDIRI, World, live_db, make_user
from tests.factories import EconomicAssessmentFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

PERSONAS: dict[str, Callable[[World], Any]] = {
    "pendamping_own": lambda w: w.pendamping_kota.user,
    "pendamping_other": lambda w: w.pendamping_kota_other.user,
    "dinsos_same_kabupaten": lambda w: w.dinsos_kota,
    "dinsos_other_kabupaten": lambda w: w.dinsos_kab,
    "kementerian": lambda w: w.kementerian_national,
    "agency": lambda w: w.agency,
    "admin": lambda w: w.admin,
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def statement(content: bytes = PDF, name: str = "pernyataan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def assess(kpm: Kpm, status: str) -> KpmAssessment:
    return KpmAssessment.objects.create(
        kpm=kpm, status=status, reasons=[{"code": "no_component", "holds": True, "values": {}}],
        component_count=0, yearly_benefit=0, per_tahap=0, status_since=date(2026, 1, 1),
        updated_at=timezone.now(),
    )  # fmt: skip


def draft(world: World, type: str = GraduationType.MANDIRI) -> Proposal:
    return proposal_draft(kpm=world.kpm_own, actor=world.pendamping_kota.user, type=type)


def submitted(world: World) -> Proposal:
    proposal = draft(world)
    proposal_attach_statement(proposal=proposal, actor=world.pendamping_kota.user, file=statement())
    return proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)


def returned(world: World) -> Proposal:
    return proposal_return(proposal=submitted(world), officer=world.dinsos_kota, note="Perbaiki")


def statuses(proposal: Proposal) -> list[list[str]]:
    events = AuditEvent.objects.filter(object_type="graduasi.proposal", object_id=str(proposal.pk))
    return [e.changes["status"] for e in events.order_by("id") if "status" in e.changes]


# Every transition, per role ------------------------------------------------------------------

PENDAMPING_ONLY = {name: name == "pendamping_own" for name in PERSONAS}
OFFICER_ONLY = {name: name == "dinsos_same_kabupaten" for name in PERSONAS}

TRANSITIONS: dict[str, tuple[Callable[[World], Any], Callable[[Any, Any], Any]]] = {
    "draft": (lambda w: w.kpm_own, lambda kpm, u: proposal_draft(kpm=kpm, actor=u, type="mandiri")),
    "attach": (
        draft,
        lambda p, u: proposal_attach_statement(proposal=p, actor=u, file=statement()),
    ),
    "submit_draft": (
        lambda w: proposal_attach_statement(
            proposal=draft(w), actor=w.pendamping_kota.user, file=statement()
        ),
        lambda p, u: proposal_submit(proposal=p, actor=u),
    ),
    "resubmit_returned": (returned, lambda p, u: proposal_submit(proposal=p, actor=u)),
    "withdraw_draft": (draft, lambda p, u: proposal_withdraw(proposal=p, actor=u)),
    "withdraw_submitted": (submitted, lambda p, u: proposal_withdraw(proposal=p, actor=u)),
    "withdraw_returned": (returned, lambda p, u: proposal_withdraw(proposal=p, actor=u)),
    "approve": (submitted, lambda p, u: proposal_approve(proposal=p, officer=u)),
    "reject": (submitted, lambda p, u: proposal_reject(proposal=p, officer=u, reason="Belum")),
    "return": (submitted, lambda p, u: proposal_return(proposal=p, officer=u, note="Lengkapi")),
}
ALLOWED = {
    name: OFFICER_ONLY if name in ("approve", "reject", "return") else PENDAMPING_ONLY
    for name in TRANSITIONS
}
TABLE = [
    pytest.param(transition, persona, ALLOWED[transition][persona], id=f"{transition}-{persona}")
    for transition in TRANSITIONS
    for persona in PERSONAS
]


@pytest.mark.parametrize(("transition", "persona", "allowed"), TABLE)
def test_each_transition_is_allowed_only_to_its_role(world, transition, persona, allowed):
    setup, act = TRANSITIONS[transition]
    subject = setup(world)
    audit_rows = AuditEvent.objects.count()
    user = PERSONAS[persona](world)
    if allowed:
        act(subject, user)
        assert AuditEvent.objects.count() > audit_rows
    else:
        with pytest.raises(DomainError) as refused:
            act(subject, user)
        assert refused.value.code in ("forbidden", "four_eyes")
        assert AuditEvent.objects.count() == audit_rows


# The whole path ------------------------------------------------------------------------------


def test_a_returned_proposal_is_resubmitted_and_its_approval_graduates_the_kpm(world):
    proposal = returned(world)
    assert proposal.decision_note == "Perbaiki"
    proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    approved = proposal_approve(proposal=proposal, officer=world.dinsos_kota, note="Lengkap")
    assert approved.status == S.APPROVED and approved.decided_by == world.dinsos_kota
    assert approved.decided_at is not None and approved.submitted_at is not None
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.status == KpmStatus.GRADUATED
    assert statuses(proposal) == [
        [None, S.DRAFT], [S.DRAFT, S.SUBMITTED], [S.SUBMITTED, S.RETURNED],
        [S.RETURNED, S.SUBMITTED], [S.SUBMITTED, S.APPROVED],
    ]  # fmt: skip
    notes = [
        e.changes["note"][1]
        for e in AuditEvent.objects.filter(object_type="graduasi.proposal").order_by("id")
        if "note" in e.changes
    ]
    assert notes == ["", "Perbaiki", "", "Lengkap"]
    kpm_rows = AuditEvent.objects.filter(object_type="kpm.kpm", object_id=str(world.kpm_own.pk))
    assert [e.changes["status"] for e in kpm_rows] == [[KpmStatus.ACTIVE, KpmStatus.GRADUATED]]


def test_a_rejection_needs_a_reason_and_a_return_needs_a_note(world):
    proposal = submitted(world)
    with pytest.raises(DomainError, match="alasan"):
        proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason="  ")
    with pytest.raises(DomainError, match="diperbaiki"):
        proposal_return(proposal=proposal, officer=world.dinsos_kota, note="")
    rejected = proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason="Masih miskin")
    assert rejected.status == S.REJECTED and rejected.decision_note == "Masih miskin"
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.status == KpmStatus.ACTIVE


def test_a_draft_is_not_decided_and_a_decided_proposal_is_not_withdrawn(world):
    proposal = draft(world)
    with pytest.raises(DomainError) as refused:
        proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    assert refused.value.code == "not_submitted"
    proposal_attach_statement(proposal=proposal, actor=world.pendamping_kota.user, file=statement())
    proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    with pytest.raises(DomainError, match="tidak dapat diubah"):
        proposal_withdraw(proposal=proposal, actor=world.pendamping_kota.user)


def test_a_second_decision_tells_plainly_who_decided_first(world):
    proposal = submitted(world)
    other = make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI, first_name="Bu Sari")
    proposal_approve(proposal=proposal, officer=other)
    with pytest.raises(DomainError, match="sudah disetujui oleh Bu Sari pada") as refused:
        proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason="Tidak")
    assert refused.value.code == "conflict"


def test_a_kpm_that_left_the_programme_meanwhile_is_not_graduated(world):
    proposal = submitted(world)
    Kpm.objects.filter(pk=world.kpm_own.pk).update(status=KpmStatus.EXITED)
    with pytest.raises(DomainError) as refused:
        proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    assert refused.value.code == "kpm_not_active"
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.EXITED


def test_a_withdrawn_proposal_frees_the_kpm_for_a_new_one(world):
    proposal_withdraw(proposal=draft(world), actor=world.pendamping_kota.user)
    assert draft(world).status == S.DRAFT


# Drafting ------------------------------------------------------------------------------------


def test_a_second_open_proposal_for_the_same_kpm_is_refused(world):
    draft(world)
    with pytest.raises(DomainError) as refused:
        draft(world)
    assert refused.value.code == "proposal_exists"
    assert Proposal.objects.count() == 1


def test_a_kpm_that_is_not_active_is_not_proposed(world):
    with pytest.raises(DomainError) as refused:
        proposal_draft(kpm=world.kpm_graduated, actor=world.pendamping_kota.user, type="mandiri")
    assert refused.value.code == "kpm_not_active"


def test_alamiah_and_sejahtera_need_the_assessment_to_say_so(world):
    for type in (GraduationType.ALAMIAH, GraduationType.SEJAHTERA):
        with pytest.raises(DomainError) as refused:
            draft(world, type)
        assert refused.value.code == "type_not_supported"
    assess(world.kpm_own, AssessmentStatus.ALAMIAH)
    assert draft(world, GraduationType.ALAMIAH).type == GraduationType.ALAMIAH


def test_the_prefill_takes_the_assessment_type_and_its_holding_reasons(world):
    assert proposal_prefill(world.kpm_own).type == GraduationType.MANDIRI
    assess(world.kpm_own, AssessmentStatus.SEJAHTERA)
    prefill = proposal_prefill(world.kpm_own)
    assert prefill.type == GraduationType.SEJAHTERA
    assert [line.code for line in prefill.reasons] == ["no_component"]


# Four-eyes -----------------------------------------------------------------------------------


def test_the_officer_who_created_a_proposal_never_decides_it(world):
    proposal = submitted(world)
    Proposal.objects.filter(pk=proposal.pk).update(created_by=world.dinsos_kota)
    proposal.refresh_from_db()
    for decide in (
        lambda: proposal_approve(proposal=proposal, officer=world.dinsos_kota),
        lambda: proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason="x"),
        lambda: proposal_return(proposal=proposal, officer=world.dinsos_kota, note="x"),
    ):
        with pytest.raises(DomainError) as refused:
            decide()
        assert refused.value.code == "four_eyes"
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_the_credited_pendamping_never_decides_even_when_made_an_officer(world):
    proposal = submitted(world)
    user = world.pendamping_kota.user
    user.role, user.scope_region_code = Role.DINSOS, KOTA_KEDIRI
    user.save()
    with pytest.raises(DomainError) as refused:
        proposal_approve(proposal=proposal, officer=user)
    assert refused.value.code == "four_eyes"


# Refused inputs ------------------------------------------------------------------------------


def test_a_mandiri_proposal_without_a_statement_is_not_submitted(world):
    proposal = draft(world)
    with pytest.raises(DomainError) as refused:
        proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    assert refused.value.code == "statement_missing"
    proposal.refresh_from_db()
    assert proposal.status == S.DRAFT and proposal.submitted_at is None


def test_a_six_megabyte_statement_is_refused(world):
    proposal = draft(world)
    big = statement(PDF + b"0" * (6 * 1024 * 1024))
    with pytest.raises(DomainError, match="terlalu besar") as refused:
        proposal_attach_statement(proposal=proposal, actor=world.pendamping_kota.user, file=big)
    assert refused.value.code == "statement"
    proposal.refresh_from_db()
    assert not proposal.signed_statement


def test_a_file_that_is_not_pdf_jpg_or_png_is_refused_whatever_its_name(world):
    proposal = draft(world)
    fake = statement(b"MZ\x90\x00 not a document", name="pernyataan.pdf")
    with pytest.raises(DomainError, match="PDF, JPG atau PNG"):
        proposal_attach_statement(proposal=proposal, actor=world.pendamping_kota.user, file=fake)


def test_a_png_statement_is_kept_under_a_name_from_its_content(world):
    proposal = draft(world)
    kept = proposal_attach_statement(
        proposal=proposal, actor=world.pendamping_kota.user, file=statement(PNG, "scan.pdf")
    )
    assert kept.signed_statement.name.startswith("proposals/")
    assert kept.signed_statement.name.endswith(".png")


def sejahtera_draft(world: World, assessed_on: date) -> Proposal:
    assess(world.kpm_own, AssessmentStatus.SEJAHTERA)
    EconomicAssessmentFactory.create(kpm=world.kpm_own, assessed_on=assessed_on)
    return draft(world, GraduationType.SEJAHTERA)


def test_a_sejahtera_proposal_with_an_assessment_six_months_and_a_day_old_is_refused(world):
    stale = months_before(timezone.localdate(), 6) - timedelta(days=1)
    proposal = sejahtera_draft(world, stale)
    with pytest.raises(DomainError) as refused:
        proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    assert refused.value.code == "assessment_stale"
    proposal.refresh_from_db()
    assert proposal.status == S.DRAFT and proposal.economic_assessment is None


def test_a_sejahtera_proposal_records_the_assessment_six_months_old(world):
    proposal = sejahtera_draft(world, months_before(timezone.localdate(), 6))
    sent = proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    assert sent.status == S.SUBMITTED
    assert sent.economic_assessment == world.kpm_own.assessments.get()


def test_a_sejahtera_proposal_without_any_assessment_is_refused(world):
    assess(world.kpm_own, AssessmentStatus.SEJAHTERA)
    proposal = draft(world, GraduationType.SEJAHTERA)
    with pytest.raises(DomainError, match="asesmen ekonomi"):
        proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)


# Two officers at once ------------------------------------------------------------------------


@live_db
def test_two_officers_approving_at_once_give_one_approval_and_one_conflict(world):
    proposal = submitted(world)
    officers = [world.dinsos_kota, make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)]
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def approve(officer: Any) -> None:
        try:
            barrier.wait(timeout=10)
            proposal_approve(proposal=Proposal.objects.get(pk=proposal.pk), officer=officer)
            outcomes.append("approved")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "conflict"]
    proposal.refresh_from_db()
    assert proposal.status == S.APPROVED
    assert statuses(proposal).count([S.SUBMITTED, S.APPROVED]) == 1
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.GRADUATED


def test_an_approved_kpm_loses_its_assessment_once_the_approval_commits(
    world, django_capture_on_commit_callbacks
):
    assess(world.kpm_own, "alamiah")
    proposal = submitted(world)

    with django_capture_on_commit_callbacks(execute=True):
        proposal_approve(proposal=proposal, officer=world.dinsos_kota)

    assert not KpmAssessment.objects.filter(kpm=world.kpm_own).exists()
