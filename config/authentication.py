"""How an API caller signs in: a web session, or an API key. Kept apart from config/api.py: DRF
imports the classes its settings name while rest_framework.views is still loading, so this module
imports the project's models only inside functions."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in web session (writes need the CSRF token). Naming a scheme in
    `WWW-Authenticate` makes DRF answer a caller who is not signed in with 401, not 403.
    A session of an account that needs a second factor counts only once it has given its
    code (pengguna.middleware sends such a browser to the code page; the API answers 401)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        from pengguna.two_factor import needs_otp, otp_verified

        result = super().authenticate(request)
        if result is None:
            return None
        user = getattr(request._request, "user", None)
        if needs_otp(result[0]) and not otp_verified(user):
            raise _refused("otp_required")
        return result

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`: an agency client's key, or a Dinsos / ministry officer's
    own. A key that is unknown, revoked or expired, or whose agreement (PKS) has ended or been
    suspended, is refused with 401 and a code saying which."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise _refused("invalid_key")
        return self.authenticate_key(parts[1].decode("latin-1"))

    def authenticate_key(self, key: str) -> tuple[Any, Any]:
        from django.utils import timezone

        from pengguna.models import ApiKey

        prefix, dot, _rest = key.partition(".")
        api_key = (
            ApiKey.objects.select_related("user", "client").filter(prefix=prefix).first()
            if dot
            else None
        )
        if api_key is None or not api_key.is_valid(key):
            raise _refused("invalid_key")
        if api_key.revoked:
            raise _refused("key_revoked")
        if api_key.has_expired:
            raise _refused("key_expired")
        client = api_key.client
        if client is not None and not client.active:
            raise _refused("client_suspended")
        if client is not None and client.expires_on < timezone.localdate():
            raise _refused("agreement_expired")
        if not api_key.user.is_active:
            raise _refused("user_inactive")
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _refused(code: str) -> exceptions.AuthenticationFailed:
    from django.utils.translation import gettext as _

    messages = {
        "invalid_key": _("Kunci API tidak dikenal."),
        "key_revoked": _("Kunci API ini sudah dicabut; minta kunci baru kepada admin."),
        "key_expired": _("Kunci API ini sudah kedaluwarsa; minta kunci baru kepada admin."),
        "client_suspended": _("Akses klien API ini sedang dihentikan."),
        "agreement_expired": _("Perjanjian kerja sama (PKS) klien ini sudah berakhir."),
        "user_inactive": _("Akun pemilik kunci ini tidak aktif."),
        "otp_required": _(
            "Sesi ini belum diverifikasi dua langkah. Masukkan kode dari aplikasi autentikator "
            "di halaman masuk, atau pakai kunci API."
        ),
    }
    return exceptions.AuthenticationFailed(messages[code], code=code)
