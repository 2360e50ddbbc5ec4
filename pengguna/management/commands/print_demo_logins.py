"""`manage.py print_demo_logins`: where to open the app, which demo logins exist, and how the
officers and the admin give their second-factor code (the public demo key, or demo_otp)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from kpm.demo.api_client import DEMO_API_PATH, demo_api_key
from kpm.demo.logins import DEMO_PASSWORD, DEMO_URL, DEMO_USERNAMES
from pengguna.demo import (
    demo_devices,
    demo_otp_allowed,
    demo_otp_command,
    demo_secret,
    is_demo_device,
)
from pengguna.models import Role, User
from pengguna.two_factor import needs_otp
from wilayah.models import Kabupaten, Provinsi


def scope_label(user: User) -> str:
    """The region a demo login answers for, in words."""
    if user.role == Role.PENDAMPING:
        return "KPM dampingan sendiri"
    if user.role == Role.AGENCY:
        return "KPM graduasi"
    if user.role == Role.ADMIN:
        return "semua"
    code = user.scope_region_code
    if code is None:
        return "nasional"
    model = Kabupaten if len(code) == 5 else Provinsi
    name = model.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{code} {name}" if name else code


def password_label(users: list[User]) -> dict[str, str]:
    """The demo password for each login that still has it, else a note that it was changed.
    Demo logins share one hash, so each distinct hash is checked once."""
    verdict: dict[str, bool] = {}
    labels = {}
    for user in users:
        if user.password not in verdict:
            verdict[user.password] = user.check_password(DEMO_PASSWORD)
        labels[user.username] = DEMO_PASSWORD if verdict[user.password] else "(sudah diubah)"
    return labels


def second_factor_labels(users: list[User]) -> dict[str, tuple[str, str]]:
    """For each login: the TOTP key to add to an authenticator app, and how to get the current
    code without one. Logins of roles that need a second factor get the public demo key while
    DEBUG is on (pengguna.demo); an app the user enrolled themselves is left as it is."""
    if not demo_otp_allowed():
        return {
            u.username: ("(hanya saat DEBUG)", "-") if needs_otp(u) else ("-", "-") for u in users
        }
    devices = demo_devices(users)
    labels = {}
    for user in users:
        device = devices[user.username]
        if device is None:
            labels[user.username] = ("-", "-")
            continue
        key = demo_secret() if is_demo_device(device) else "(aplikasi sendiri)"
        labels[user.username] = (key, demo_otp_command(user.username))
    return labels


class Command(BaseCommand):
    help = (
        "Tampilkan alamat aplikasi, akun demo yang ada (nama pengguna, peran, wilayah, kata "
        "sandi, kunci TOTP demo dan cara melihat kodenya), dan kunci baru untuk klien API demo "
        "(kunci sebelumnya dicabut)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=DEMO_URL, help=f"Alamat aplikasi (bawaan {DEMO_URL}).")

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Buka {options['url']}")
        self._logins()
        self._api_key(options["url"])

    def _logins(self) -> None:
        order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
        users = sorted(
            User.objects.filter(username__in=DEMO_USERNAMES, is_active=True),
            key=lambda u: order[u.username],
        )
        if not users:
            self.stdout.write("Belum ada akun demo; jalankan: manage.py seed_demo")
            return
        passwords = password_label(users)
        second = second_factor_labels(users)
        rows = [("Nama pengguna", "Peran", "Wilayah", "Kata sandi", "Kunci TOTP", "Kode TOTP")]
        rows += [
            (
                u.username,
                str(Role(u.role).label),
                scope_label(u),
                passwords[u.username],
                *second[u.username],
            )
            for u in users
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())

    def _api_key(self, url: str) -> None:
        """A fresh key for the demo agency client (the one printed last time stops now)."""
        issued = demo_api_key()
        if issued is None:
            return
        client, raw = issued
        base = url if url.endswith("/") else f"{url}/"
        self.stdout.write("")
        self.stdout.write(
            f"Klien API demo: {client.name} ({client.agency}), "
            f"nomor PKS {client.agreement_number}. Kunci baru (kunci sebelumnya dicabut):"
        )
        self.stdout.write(f"  {raw}")
        self.stdout.write(f'  curl -H "Authorization: Bearer {raw}" {base}{DEMO_API_PATH}')
        self.stdout.write(f"  Dokumentasi: {base}api/v1/docs/")
