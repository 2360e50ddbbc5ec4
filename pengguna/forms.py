import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Nama pengguna atau kata sandi salah. Periksa lalu coba lagi."),
        "inactive": _("Akun ini tidak aktif. Hubungi admin Dinas Sosial."),
    }


class OtpTokenForm(forms.Form):
    """The 6-digit code from the authenticator app. Spaces are allowed (apps show "123 456")."""

    otp_token = forms.CharField(
        label=_("Kode 6 angka"),
        max_length=12,
        error_messages={"required": _("Isi kode 6 angka dari aplikasi autentikator.")},
    )

    def clean_otp_token(self) -> str:
        token = re.sub(r"\s+", "", self.cleaned_data["otp_token"])
        if not re.fullmatch(r"[0-9]{6}", token):
            raise forms.ValidationError(
                _("Kode terdiri dari 6 angka, mis. 123456. Lihat aplikasi autentikator Anda.")
            )
        return token
