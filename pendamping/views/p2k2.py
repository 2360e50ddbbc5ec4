"""P2K2 pages: the pendamping's groups, a new group, a group's members and meetings, the
roll-call. Dinsos officers see their kabupaten's groups; only pendamping and admins write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ConflictError, DomainError
from kpm.models import Kpm
from pendamping.forms_p2k2 import GroupCreateForm, GroupMembersForm, MeetingPlanForm, RollCallForm
from pendamping.models import MeetingStatus, P2k2Group, P2k2Meeting, P2k2Module, Pendamping
from pendamping.selectors import (
    p2k2_caseload_desa,
    p2k2_coverage,
    p2k2_group_meetings,
    p2k2_group_members,
    p2k2_groups_overview,
    p2k2_meeting_roll,
    p2k2_modules,
    submission_seen,
)
from pendamping.services.p2k2 import (
    p2k2_group_create,
    p2k2_group_set_members,
    p2k2_meeting_hold,
    p2k2_meeting_plan,
)
from pendamping.views.replay import is_replay, replay_conflict, replay_refused, replay_saved
from pengguna.models import Role
from pengguna.scoping import CASE_WRITER_ROLES, get_visible_or_404

VIEWERS = tuple(CASE_WRITER_ROLES)  # the roles that record case work see the P2K2 pages
EDITORS = (Role.PENDAMPING, Role.ADMIN)


def _role(request: HttpRequest) -> str | None:
    return getattr(request.user, "role", None)


def _require(request: HttpRequest, roles: tuple[str, ...]) -> None:
    """A user who can see the page's record but has no business here is refused (403)."""
    if _role(request) not in roles:
        raise PermissionDenied


def _group(request: HttpRequest, pk: int, roles: tuple[str, ...] = VIEWERS) -> P2k2Group:
    queryset = P2k2Group.objects.select_related("desa", "pendamping__user")
    group = get_visible_or_404(queryset, request.user, pk=pk)
    _require(request, roles)
    return group


@login_required
@require_GET
def p2k2_groups(request: HttpRequest) -> HttpResponse:
    """The groups the user may see, with member count, last meeting and module coverage."""
    _require(request, VIEWERS)
    context = {
        "groups": p2k2_groups_overview(request.user),
        "can_create": _role(request) in EDITORS,
    }
    return render(request, "pendamping/p2k2_groups.html", context)


def _creating_for(request: HttpRequest) -> Pendamping | None:
    """The pendamping a new group belongs to: oneself, or for an admin the one named in
    ?pendamping=<username> (None until chosen)."""
    if _role(request) == Role.PENDAMPING:
        own = Pendamping.objects.visible_to(request.user).select_related("user").first()
        if own is None:
            raise Http404
        return own
    username = request.GET.get("pendamping", "").strip()
    if not username:
        return None
    found = Pendamping.objects.visible_to(request.user).select_related("user")
    chosen = found.filter(user__username=username).first()
    if chosen is None:
        messages.error(request, _("Pendamping dengan nama pengguna itu tidak ditemukan."))
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def p2k2_group_create_view(request: HttpRequest) -> HttpResponse:
    """Name a group, pick its desa, tick its members from one's own caseload in that desa."""
    _require(request, EDITORS)
    pendamping = _creating_for(request)
    if pendamping is None:
        return render(request, "pendamping/p2k2_group_create.html", {"choose_pendamping": True})
    desa_choices = p2k2_caseload_desa(pendamping)
    source = request.POST if request.method == "POST" else request.GET
    first = desa_choices.values_list("code", flat=True).first()
    desa_code = source.get("desa") or first or ""
    picking = request.method == "POST" and "pilih_desa" in request.POST
    kwargs: dict[str, Any] = {"pendamping": pendamping, "desa_code": desa_code}
    if request.method == "POST" and not picking:
        form = GroupCreateForm(request.POST, **kwargs)
        group = _group_create_save(request, form, pendamping)
        if group is not None:
            messages.success(request, _("Kelompok %(name)s dibuat.") % {"name": group.name})
            return redirect("p2k2:group", pk=group.pk)
    else:
        initial = {"name": source.get("name", ""), "desa": desa_code}
        form = GroupCreateForm(initial=initial, **kwargs)
    status = 400 if form.is_bound else 200
    context = {"form": form, "pendamping": pendamping, "has_desa": first is not None}
    return render(request, "pendamping/p2k2_group_create.html", context, status=status)


def _group_create_save(
    request: HttpRequest, form: GroupCreateForm, pendamping: Pendamping
) -> P2k2Group | None:
    """The new group, or None with the refusal shown on the form."""
    if not form.is_valid():
        return None
    try:
        return p2k2_group_create(
            pendamping=pendamping,
            name=form.cleaned_data["name"],
            desa=form.cleaned_data["desa"],
            members=form.cleaned_data["members"],
            actor=request.user,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None


def _coverage_table(members: list[Kpm]) -> tuple[list[P2k2Module], list[tuple[Kpm, list]]]:
    """The catalogue's modules, and per member (module, attended, sessions in module)."""
    modules = p2k2_modules()
    coverage = p2k2_coverage([kpm.pk for kpm in members])
    return modules, [(kpm, [(m, *coverage[kpm.pk][m.code]) for m in modules]) for kpm in members]


@login_required
@require_http_methods(["GET", "POST"])
def p2k2_group_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A group's details, members with their module coverage, and meetings; members are
    edited here by the group's pendamping (or an admin)."""
    group = _group(request, pk)
    can_edit = _role(request) in EDITORS
    form = GroupMembersForm(group=group)
    if request.method == "POST":
        _require(request, EDITORS)
        form = GroupMembersForm(request.POST, group=group)
        if form.is_valid():
            try:
                p2k2_group_set_members(
                    group=group, members=form.cleaned_data["members"], actor=request.user
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Anggota kelompok disimpan."))
                return redirect("p2k2:group", pk=group.pk)
    members = list(p2k2_group_members(group))
    modules, table = _coverage_table(members)
    context = {
        "group": group,
        "members": members,
        "modules": modules,
        "coverage": table,
        "meetings": p2k2_group_meetings(group),
        "form": form if can_edit else None,
        "can_edit": can_edit,
    }
    return render(
        request, "pendamping/p2k2_group.html", context, status=400 if form.is_bound else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def p2k2_meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a group's meeting: a session from the catalogue and a date."""
    group = _group(request, pk, EDITORS)
    held = set(
        group.meetings.filter(status=MeetingStatus.HELD).values_list("session_id", flat=True)
    )
    form = MeetingPlanForm(request.POST or None, held_sessions=held)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = p2k2_meeting_plan(
                group=group,
                session=form.cleaned_data["session"],
                scheduled_on=form.cleaned_data["scheduled_on"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Pertemuan direncanakan."))
            return redirect("p2k2:meeting", pk=meeting.pk)
    status = 400 if form.is_bound else 200
    context = {"group": group, "form": form}
    return render(request, "pendamping/p2k2_meeting_create.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def p2k2_meeting_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The roll-call: one form for the whole group; saving marks the meeting held. A held
    meeting's roll-call can be corrected the same way."""
    queryset = P2k2Meeting.objects.select_related(
        "group__desa", "group__pendamping__user", "session__module"
    )
    meeting = get_visible_or_404(queryset, request.user, pk=pk)
    _require(request, VIEWERS)
    can_edit = _role(request) in EDITORS
    roll = p2k2_meeting_roll(meeting)
    form = RollCallForm(meeting=meeting, roll=roll)
    conflict: ConflictError | None = None
    if request.method == "POST":
        _require(request, EDITORS)
        form = RollCallForm(request.POST, meeting=meeting, roll=roll)
        answer, conflict = _roll_call_save(request, form, meeting)
        if answer is not None:
            return answer
    context = {
        "meeting": meeting,
        "group": meeting.group,
        "form": form,
        "can_edit": can_edit,
        "roll": roll,
        "conflict": conflict,
        "server_url": request.path,
    }
    status = 409 if conflict else 400 if form.is_bound else 200
    return render(request, "pendamping/p2k2_meeting.html", context, status=status)


def _roll_call_save(
    request: HttpRequest, form: RollCallForm, meeting: P2k2Meeting
) -> tuple[HttpResponse | None, ConflictError | None]:
    """Save a posted roll-call: the answer to send (a redirect, or JSON to the offline
    queue), or None with the form carrying the refusal, and the conflict when there is one."""
    replay = is_replay(request)
    if not form.is_valid():
        return (replay_refused(form=form) if replay else None), None
    key = form.cleaned_data.get("idempotency_key")
    seen = submission_seen(key)
    try:
        p2k2_meeting_hold(
            meeting=meeting, held_on=form.cleaned_data["held_on"], attendance=form.attendance(),
            actor=request.user, idempotency_key=key, base_version=form.base_version(),
        )  # fmt: skip
    except ConflictError as exc:
        if replay:
            return replay_conflict(exc), exc
        form.take_versions(exc.versions)
        return None, exc
    except DomainError as exc:
        if replay:
            return replay_refused(message=exc.message), None
        form.add_error(None, exc.message)
        return None, None
    saved = _("Kehadiran disimpan; pertemuan terlaksana.")
    back = reverse("p2k2:group", args=[meeting.group_id])
    if not seen:  # shown on the next page, also when the offline queue sent it
        messages.success(request, saved)
    if replay:
        return replay_saved(message=saved, back=back, replayed=seen), None
    return redirect(back), None
