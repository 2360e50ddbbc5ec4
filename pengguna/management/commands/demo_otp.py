"""`manage.py demo_otp <username>`: the current second-factor code of a demo login (DEBUG only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengguna.demo import DemoRefused, current_code, demo_devices, demo_otp_allowed
from pengguna.models import User
from pengguna.two_factor import needs_otp


class Command(BaseCommand):
    help = (
        "Tampilkan kode verifikasi dua langkah (6 angka) yang berlaku sekarang untuk satu akun, "
        "seperti di aplikasi autentikator. Hanya untuk demo: ditolak bila DJANGO_DEBUG mati."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Nama pengguna, mis. admin atau dinsos.kediri.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_otp_allowed():
            raise CommandError(
                "Ditolak: demo_otp hanya untuk demo (DJANGO_DEBUG=true). Di produksi kode "
                "hanya ada di aplikasi autentikator pemilik akun."
            )
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Tidak ada pengguna {options['username']!r}.")
        if not needs_otp(user):
            raise CommandError(f"{user.username} tidak memakai verifikasi dua langkah.")
        device = self._device(user)
        now = current_code(device)
        self.stdout.write(now.code)
        self.stderr.write(f"Berlaku {now.seconds_left} detik lagi ({user.username}).")

    def _device(self, user: User) -> TOTPDevice:
        """The confirmed device; the one being enrolled; else a new demo device."""
        devices = TOTPDevice.objects.filter(user=user)
        enrolling = devices.filter(confirmed=False).order_by("id").first()
        if enrolling is not None and not devices.filter(confirmed=True).exists():
            return enrolling
        try:
            device = demo_devices([user])[user.username]
        except DemoRefused as exc:  # DEBUG checked above; kept for safety
            raise CommandError(str(exc)) from exc
        assert device is not None
        return device
