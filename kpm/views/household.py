"""Household change pages: a birth, a pregnancy or delivery, a school level, a member leaving.

Who: the KPM's own pendamping, a Dinsos officer of its kabupaten/kota, an admin. A KPM or
member out of the user's scope is a 404; a role that sees the KPM but records no case work
(ministry, agency) gets 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from kpm.forms_household import BirthForm, ExitForm, PregnancyForm, SchoolForm
from kpm.models import Anggota, Kpm, MemberStatus, Sex
from kpm.services.household import (
    HOUSEHOLD_STATUSES,
    anggota_add_birth,
    anggota_change_school,
    anggota_exit,
    anggota_record_delivery,
    anggota_record_pregnancy,
)
from pengguna.scoping import get_visible_or_404, may_write_case

MOTHER_MIN_AGE = 10


def kpm_profile_url(kpm_id: str) -> str:
    """The KPM's profile page; the home page while no profile page is installed."""
    try:
        return reverse("kpm:profile", args=[kpm_id])
    except NoReverseMatch:
        return reverse("home")


def writable_kpm(request: HttpRequest, kpm_id: str) -> Kpm:
    """The KPM `kpm_id` for case work: 404 out of scope, 403 for a role that only reads."""
    kpm = get_visible_or_404(Kpm.objects.all(), request.user, kpm_id=kpm_id)
    if not may_write_case(request.user):
        raise PermissionDenied
    return kpm


def _writable_member(request: HttpRequest, pk: int) -> Anggota:
    member = get_visible_or_404(Anggota.objects.select_related("kpm"), request.user, pk=pk)
    if not may_write_case(request.user):
        raise PermissionDenied
    return member


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


def _mothers(kpm: Kpm) -> QuerySet[Anggota]:
    born_by = _years_before(timezone.localdate(), MOTHER_MIN_AGE)
    return Anggota.objects.filter(
        kpm=kpm, status=MemberStatus.ACTIVE, jenis_kelamin=Sex.FEMALE, tanggal_lahir__lte=born_by
    ).order_by("-hamil", "tanggal_lahir", "pk")


def _posted(request: HttpRequest) -> dict[str, object] | None:
    return request.POST if request.method == "POST" else None  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def anggota_birth(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """A baby born into the KPM."""
    kpm = writable_kpm(request, kpm_id)
    form = BirthForm(_posted(request), mothers=_mothers(kpm))
    if request.method == "POST" and form.is_valid():
        try:
            child = anggota_add_birth(kpm=kpm, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Kelahiran %(nama)s tercatat.") % {"nama": child.nama})
            return redirect(kpm_profile_url(kpm.kpm_id))
    context = {"form": form, "kpm": kpm, "inactive": kpm.status not in HOUSEHOLD_STATUSES}
    return render(request, "kpm/anggota_birth.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def anggota_pregnancy(request: HttpRequest, pk: int) -> HttpResponse:
    """A woman's pregnancy (due date) or delivery."""
    member = _writable_member(request, pk)
    form = PregnancyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["event"] == PregnancyForm.PREGNANT:
                anggota_record_pregnancy(
                    anggota=member, actor=request.user, perkiraan_lahir=data["perkiraan_lahir"]
                )
                done = _("Kehamilan %(nama)s tercatat.")
            else:
                anggota_record_delivery(
                    anggota=member, actor=request.user,
                    tanggal_persalinan=data["tanggal_persalinan"],
                )  # fmt: skip
                done = _("Persalinan %(nama)s tercatat.")
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done % {"nama": member.nama})
            return redirect(kpm_profile_url(member.kpm.kpm_id))
    return _member_page(request, "kpm/anggota_pregnancy.html", form, member)


@login_required
@require_http_methods(["GET", "POST"])
def anggota_school(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's current school level."""
    member = _writable_member(request, pk)
    form = SchoolForm(_posted(request), initial={"jenjang_sekolah": member.jenjang_sekolah})
    if request.method == "POST" and form.is_valid():
        try:
            anggota_change_school(
                anggota=member, actor=request.user,
                jenjang_sekolah=form.cleaned_data["jenjang_sekolah"],
            )  # fmt: skip
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("Jenjang sekolah %(nama)s tersimpan.") % {"nama": member.nama}
            )
            return redirect(kpm_profile_url(member.kpm.kpm_id))
    return _member_page(request, "kpm/anggota_school.html", form, member)


@login_required
@require_http_methods(["GET", "POST"])
def anggota_exit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A member who died or moved out."""
    member = _writable_member(request, pk)
    others = list(
        Anggota.objects.filter(kpm_id=member.kpm_id, status=MemberStatus.ACTIVE)
        .exclude(pk=member.pk)
        .order_by("tanggal_lahir", "pk")
    )
    form = ExitForm(_posted(request), member=member, others=others)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            anggota_exit(
                anggota=member, actor=request.user, status=data["status"], on=data["tanggal"],
                new_pengurus=data.get("new_pengurus"),
            )  # fmt: skip
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("Perubahan anggota %(nama)s tercatat.") % {"nama": member.nama}
            )
            return redirect(kpm_profile_url(member.kpm.kpm_id))
    extra = {"last_member": not others}
    return _member_page(request, "kpm/anggota_exit.html", form, member, extra)


def _member_page(
    request: HttpRequest,
    template: str,
    form: object,
    member: Anggota,
    extra: Mapping[str, object] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "member": member,
        "kpm": member.kpm,
        "inactive": member.kpm.status not in HOUSEHOLD_STATUSES
        or member.status != MemberStatus.ACTIVE,
        **(extra or {}),
    }
    return render(request, template, context)
