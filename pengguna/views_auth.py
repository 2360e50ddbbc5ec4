"""Signing in and out: the password step (with django-axes' lockout page), the second factor
(enrolling an authenticator app, entering its code) and the notice of an ended session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from pengguna.forms import LoginForm, OtpTokenForm
from pengguna.models import User
from pengguna.rules import SessionEnd
from pengguna.sessions import ENDED
from pengguna.two_factor import (
    confirmed_device,
    enrolment_device,
    needs_otp,
    otp_check,
    otp_verified,
    qr_data_uri,
    seconds_left,
    secret_text,
)


def _session_notice(request: HttpRequest) -> str:
    """Why the last session ended, said once on the sign-in page."""
    reason = request.session.pop(ENDED, None)
    if reason == SessionEnd.IDLE:
        minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
        return _(
            "Sesi Anda berakhir karena %(n)s menit tidak ada kegiatan. Silakan masuk lagi."
        ) % {"n": minutes}
    if reason == SessionEnd.ABSOLUTE:
        hours = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
        return _("Sesi Anda berakhir karena sudah %(n)s jam sejak masuk. Silakan masuk lagi.") % {
            "n": hours
        }
    return ""


def second_factor_url(user: User, *, next_url: str = "") -> str:
    """The enrolment page for an account without an authenticator app yet, else the code page;
    `next_url` is where to go once the code is given."""
    name = "otp_verify" if confirmed_device(user) is not None else "otp_enrol"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LoginView(auth_views.LoginView):
    template_name = "pengguna/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_notice"] = _session_notice(self.request)
        return context

    def get_success_url(self) -> str:
        """After the password, an account that needs a second factor goes to give it first."""
        url = super().get_success_url()
        user = self.request.user
        if needs_otp(user) and not otp_verified(user):
            home = reverse(settings.LOGIN_REDIRECT_URL)
            return second_factor_url(user, next_url="" if url == home else url)  # type: ignore[arg-type]
        return url


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses a GET); back to the sign-in page with a short note."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Anda telah keluar."))
        return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page with the lockout in words, HTTP 429."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    message = _(
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)s menit, atau hubungi "
        "admin."
    ) % {"n": minutes}
    context = {"form": form, "lockout_message": message, "next": _safe_next(request)}
    return render(request, "pengguna/login.html", context, status=429)


def _safe_next(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def _done(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(_safe_next(request) or reverse(settings.LOGIN_REDIRECT_URL))


def _refusal(check_wait: int | None) -> str:
    if check_wait is not None:
        return _(
            "Terlalu banyak kode yang salah. Tunggu %(n)s detik, lalu masukkan kode yang baru "
            "muncul di aplikasi."
        ) % {"n": check_wait}
    return _(
        "Kode salah atau sudah kedaluwarsa. Masukkan kode yang sedang tampil di aplikasi "
        "autentikator; pastikan jam ponsel Anda tepat."
    )


def _token_step(request: HttpRequest, device: Any, form: OtpTokenForm) -> HttpResponse | None:
    """Check a posted code; the response to send once it is right, or None with the form's
    error set."""
    if not form.is_valid():
        return None
    check = otp_check(request=request, device=device, token=form.cleaned_data["otp_token"])
    if check.accepted:
        return _done(request)
    wait = seconds_left(check.wait_until) if check.wait_until is not None else None
    form.add_error("otp_token", _refusal(wait))
    return None


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the 6-digit code from the user's authenticator app."""
    user = request.user
    assert isinstance(user, User)
    if not needs_otp(user) or otp_verified(user):
        return _done(request)
    device = confirmed_device(user)
    if device is None:
        return redirect(second_factor_url(user, next_url=_safe_next(request)))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and (done := _token_step(request, device, form)) is not None:
        return done
    context = {"form": form, "next": _safe_next(request), "demo_command": _demo_hint(device)}
    return render(request, "pengguna/otp_verify.html", context)


def _demo_hint(device: Any) -> str:
    """For a demo login with the public demo key (DEBUG only): how to get its code."""
    from pengguna.demo import demo_otp_allowed, demo_otp_command, is_demo_device

    if demo_otp_allowed() and is_demo_device(device):
        return demo_otp_command(device.user.get_username())
    return ""


@never_cache  # the page shows the key
@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of an account that needs a second factor: scan the QR code (or type the
    key) into an authenticator app, then confirm with its first code. Once an app is confirmed
    this page only sends to the code page: a password alone never enrols a second app."""
    user = request.user
    assert isinstance(user, User)
    if not needs_otp(user) or otp_verified(user):
        return _done(request)
    if confirmed_device(user) is not None:
        return redirect(second_factor_url(user, next_url=_safe_next(request)))
    device = enrolment_device(user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and (done := _token_step(request, device, form)) is not None:
        return done
    context = {
        "form": form,
        "next": _safe_next(request),
        "qr": qr_data_uri(device),
        "secret": secret_text(device),
        "otpauth": device.config_url,
    }
    return render(request, "pengguna/otp_enrol.html", context)
