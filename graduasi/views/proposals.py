"""Proposal pages: the pendamping drafts, edits, attaches the signed statement, submits and may
withdraw; a Dinsos officer approves, rejects or returns. The services decide who may do what;
these views show their refusals on the page (409 when another officer decided first).

Who: pendamping, Dinsos, kementerian (read only) and admin see a proposal of a KPM they see;
out of scope is 404 like an unknown id; other roles get 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import DomainError
from graduasi.forms import SUBMIT, DecisionForm, ProposalForm, StatementForm
from graduasi.models import OPEN_STATUSES, GraduationType, Proposal, ProposalStatus
from graduasi.proposal_selectors import (
    latest_economic_assessment,
    open_proposal_of,
    own_proposals,
    proposal_for_page,
    proposal_history,
)
from graduasi.selectors import policy_on
from graduasi.services.proposals import (
    EDITABLE_STATUSES,
    Prefill,
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_prefill,
    proposal_reject,
    proposal_return,
    proposal_submit,
    proposal_update,
)
from graduasi.services.proposals import proposal_withdraw as withdraw_service
from kpm.models import Kpm, KpmStatus
from kpm.views.caseload import role_required
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404

PROPOSAL_ROLES = (Role.PENDAMPING, Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # role_required lets only signed-in users through
    return user


# The detail page -----------------------------------------------------------------------------


def _is_own(user: User, proposal: Proposal) -> bool:
    return user.role == Role.PENDAMPING and proposal.pendamping.user_id == user.pk


def _detail_context(
    request: HttpRequest,
    proposal: Proposal,
    *,
    error: str = "",
    statement_form: StatementForm | None = None,
    decision_forms: dict[str, DecisionForm] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    own, status = _is_own(user, proposal), proposal.status
    assessment = proposal.economic_assessment
    if assessment is None and proposal.type == GraduationType.SEJAHTERA:
        assessment = latest_economic_assessment(proposal.kpm_id)
    forms = {
        name: DecisionForm(auto_id=f"id_{name}_%s") for name in ("approve", "reject", "return")
    }
    forms.update(decision_forms or {})
    return {
        "proposal": proposal,
        "kpm": proposal.kpm,
        "history": proposal_history(proposal),
        "programmes": list(proposal.referral_programmes.all()),
        "assessment": assessment,
        "assessment_attached": proposal.economic_assessment_id is not None,
        "can_edit": own and status in EDITABLE_STATUSES,
        "can_withdraw": own and status in OPEN_STATUSES,
        "can_decide": user.role == Role.DINSOS and status == ProposalStatus.SUBMITTED,
        "statement_form": statement_form or StatementForm(auto_id="id_surat_%s"),
        "decision_forms": forms,
        "error": error,
    }


def _render_detail(
    request: HttpRequest, pk: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The proposal page as it stands now (read again after a refused action)."""
    proposal = proposal_for_page(_user(request), pk)
    context = _detail_context(request, proposal, **extra)
    return render(request, "graduasi/proposal_detail.html", context, status=status)


@role_required(*PROPOSAL_ROLES)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One proposal: the KPM, the evidence, the history and the actions the user may take."""
    return _render_detail(request, pk)


@role_required(*PROPOSAL_ROLES)
@require_GET
def statement(request: HttpRequest, pk: int) -> FileResponse:
    """The signed statement, only for those who may see the proposal; never served unchecked."""
    proposal = get_visible_or_404(Proposal.objects.select_related("kpm"), request.user, pk=pk)
    name = proposal.signed_statement.name
    if not name:
        raise Http404
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        handle = proposal.signed_statement.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"surat-pernyataan-{proposal.kpm.kpm_id}{extension}",
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Drafting and editing ------------------------------------------------------------------------


def _after_save(request: HttpRequest, proposal: Proposal, form: ProposalForm) -> HttpResponse:
    """Attach the file given with the form, submit when asked, and say what happened."""
    user = _user(request)
    upload = form.cleaned_data.get("signed_statement")
    words = {"kpm": proposal.kpm.kpm_id}
    if upload:
        try:
            proposal = proposal_attach_statement(proposal=proposal, actor=user, file=upload)
        except DomainError as exc:
            messages.warning(request, _("Surat pernyataan belum tersimpan: %s") % exc.message)
    if request.POST.get("aksi") != SUBMIT:
        messages.success(request, _("Draf usulan graduasi KPM %(kpm)s tersimpan.") % words)
        if proposal.type == GraduationType.MANDIRI and not proposal.signed_statement:
            messages.info(request, _("Lampirkan surat pernyataan sebelum mengajukan."))
        return redirect("usulan:detail", proposal.pk)
    try:
        proposal_submit(proposal=proposal, actor=user)
    except DomainError as exc:
        messages.error(
            request,
            _("Usulan tersimpan sebagai draf, tetapi belum diajukan: %s") % exc.message,
        )
    else:
        done = _("Usulan graduasi KPM %(kpm)s diajukan ke Dinas Sosial.")
        messages.success(request, done % words)
    return redirect("usulan:detail", proposal.pk)


def _form_page(
    request: HttpRequest,
    form: ProposalForm,
    kpm: Kpm,
    proposal: Proposal | None,
    prefill: Prefill | None = None,
) -> HttpResponse:
    file_lost = bool(request.FILES.get("signed_statement")) and bool(form.errors)
    prefill = prefill or proposal_prefill(kpm)
    context = {
        "form": form,
        "kpm": kpm,
        "proposal": proposal,
        "prefill": prefill,
        "prefill_label": GraduationType(prefill.type).label,
        "evidence_months": policy_on(timezone.localdate()).sejahtera_evidence_max_age_months,
        "file_lost": file_lost,
        "file_refused": "signed_statement" in form.errors,
        "active": kpm.status == KpmStatus.ACTIVE,
    }
    return render(request, "graduasi/proposal_form.html", context)


def _posted_form(request: HttpRequest, **kwargs: Any) -> ProposalForm:
    posted = request.method == "POST"
    return ProposalForm(
        request.POST if posted else None, request.FILES if posted else None, **kwargs
    )


@role_required(Role.PENDAMPING)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """The KPM's pendamping proposes its graduation; saving makes a draft (and may submit it)."""
    user = _user(request)
    kpm = get_visible_or_404(Kpm.objects.all(), user, kpm_id=kpm_id)
    existing = open_proposal_of(kpm)
    if existing is not None:
        messages.info(request, _("KPM ini sudah punya usulan yang masih berjalan."))
        return redirect("usulan:detail", existing.pk)
    prefill = proposal_prefill(kpm)
    form = _posted_form(request, initial={"type": prefill.type})
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_draft(kpm=kpm, actor=user, **form.proposal_arguments())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _after_save(request, proposal, form)
    return _form_page(request, form, kpm, None, prefill)


@role_required(Role.PENDAMPING)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The pendamping revises a draft or returned proposal, and may resubmit it at once."""
    user = _user(request)
    proposal = proposal_for_page(user, pk)
    if proposal.status not in EDITABLE_STATUSES:
        messages.info(
            request,
            _("Usulan ini berstatus %(status)s dan tidak dapat diubah lagi.")
            % {"status": proposal.get_status_display().lower()},
        )
        return redirect("usulan:detail", proposal.pk)
    initial = {
        "type": proposal.type,
        "justification": proposal.justification,
        "programmes": list(proposal.referral_programmes.all()),
        "consent_on": proposal.referral_consent_on,
    }
    form = _posted_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_update(proposal=proposal, actor=user, **form.proposal_arguments())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _after_save(request, proposal, form)
    return _form_page(request, form, proposal.kpm, proposal)


# Pendamping actions on the detail page -------------------------------------------------------


@role_required(Role.PENDAMPING)
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach or replace the signed statement; a refused file is shown beside the field."""
    user = _user(request)
    proposal = proposal_for_page(user, pk)
    form = StatementForm(request.POST, request.FILES, auto_id="id_surat_%s")
    if form.is_valid():
        try:
            proposal_attach_statement(
                proposal=proposal, actor=user, file=form.cleaned_data["signed_statement"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Surat pernyataan tersimpan."))
            return redirect("usulan:detail", pk)
    return _render_detail(request, pk, status=400, statement_form=form)


def _pendamping_action(
    request: HttpRequest, pk: int, act: Callable[..., Proposal], done: str
) -> HttpResponse:
    proposal = proposal_for_page(_user(request), pk)
    try:
        act(proposal=proposal, actor=request.user)
    except DomainError as exc:
        return _render_detail(request, pk, status=400, error=exc.message)
    messages.success(request, done)
    return redirect("usulan:detail", pk)


@role_required(Role.PENDAMPING)
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a draft or returned proposal to Dinsos."""
    return _pendamping_action(
        request, pk, proposal_submit, _("Usulan diajukan ke Dinas Sosial untuk diputuskan.")
    )


@role_required(Role.PENDAMPING)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a proposal not yet decided (after the confirmation on the page)."""
    return _pendamping_action(request, pk, withdraw_service, _("Usulan ditarik."))


# Dinsos decisions ----------------------------------------------------------------------------


def _decide(
    request: HttpRequest, pk: int, name: str, act: Callable[[Proposal, User, str], Proposal]
) -> HttpResponse:
    user = _user(request)
    proposal = proposal_for_page(user, pk)
    form = DecisionForm(request.POST, auto_id=f"id_{name}_%s")
    if not form.is_valid():
        return _render_detail(request, pk, status=400, decision_forms={name: form})
    try:
        decided = act(proposal, user, form.cleaned_data["catatan"])
    except DomainError as exc:
        status = 409 if exc.code == "conflict" else 400
        return _render_detail(
            request, pk, status=status, error=exc.message, decision_forms={name: form}
        )
    words = {"kpm": decided.kpm.kpm_id, "status": decided.get_status_display().lower()}
    messages.success(request, _("Usulan graduasi KPM %(kpm)s %(status)s.") % words)
    return redirect("usulan:detail", pk)


@role_required(Role.DINSOS)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer approves (the note is optional): the KPM graduates today."""
    return _decide(request, pk, "approve", _approve)


@role_required(Role.DINSOS)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer rejects, with the reason."""
    return _decide(request, pk, "reject", _reject)


@role_required(Role.DINSOS)
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer returns the proposal to the pendamping with what to revise."""
    return _decide(request, pk, "return", _return)


def _approve(proposal: Proposal, officer: User, note: str) -> Proposal:
    return proposal_approve(proposal=proposal, officer=officer, note=note)


def _reject(proposal: Proposal, officer: User, note: str) -> Proposal:
    return proposal_reject(proposal=proposal, officer=officer, reason=note)


def _return(proposal: Proposal, officer: User, note: str) -> Proposal:
    return proposal_return(proposal=proposal, officer=officer, note=note)


# The pendamping's own list -------------------------------------------------------------------


@role_required(Role.PENDAMPING)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """Usulan saya: returned ones first (they need action), drafts, submitted, decided."""
    on = timezone.localdate()
    rows = own_proposals(_user(request), on=on)
    return render(request, "graduasi/proposal_mine.html", {"rows": rows, "on": on})
