"""The second factor of the demo logins, so a reviewer of `make run` can sign in as the Dinsos
officer, the ministry or the admin: each gets an authenticator device with one fixed, public
demo key (add it once to an authenticator app), and `manage.py demo_otp <username>` prints the
current code. Only while DEBUG is on: a public key is no second factor in production.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengguna.models import User
from pengguna.two_factor import needs_otp, secret_text

DEMO_TOTP_KEY = b"pkh-demo-totp-key-26".hex()  # 20 bytes, as authenticator apps expect
DEMO_DEVICE_NAME = "Demo (kunci publik)"


class DemoRefused(Exception):
    """The demo second factor is not available (DEBUG off, or not a demo account)."""


def demo_otp_allowed() -> bool:
    return bool(settings.DEBUG)


def demo_secret() -> str:
    """The demo key as typed into an authenticator app (base32, no spaces)."""
    device = TOTPDevice(key=DEMO_TOTP_KEY)
    return secret_text(device).replace(" ", "")


@transaction.atomic
def demo_devices(users: Iterable[User]) -> dict[str, TOTPDevice | None]:
    """For each of `users` that needs a second factor, its confirmed device; one with the demo
    key is created for a user who has none. Users who need none map to None."""
    if not demo_otp_allowed():
        raise DemoRefused("DEBUG is off")
    found: dict[str, TOTPDevice | None] = {}
    for user in users:
        if not needs_otp(user):
            found[user.username] = None
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
            )
        found[user.username] = device
    return found


def is_demo_device(device: TOTPDevice) -> bool:
    return device.key == DEMO_TOTP_KEY


def demo_otp_command(username: str) -> str:
    """The command line that prints `username`'s current code, as typed in a new terminal."""
    return f"DJANGO_DEBUG=true .venv/bin/python manage.py demo_otp {username}"


@dataclass(frozen=True)
class CurrentCode:
    code: str
    seconds_left: int


def current_code(device: TOTPDevice, *, now: float | None = None) -> CurrentCode:
    """The code an authenticator app with this device's key shows at `now` (Unix seconds)."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() if now is None else now
    left = device.step - int(clock.time - device.t0) % device.step
    return CurrentCode(code=f"{clock.token():0{device.digits}d}", seconds_left=left)
