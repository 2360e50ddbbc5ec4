"""TOTP for tests: a device with a known key, and the code an authenticator app would show."""

from __future__ import annotations

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

KNOWN_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def give_device(user, *, key: str = KNOWN_KEY, confirmed: bool = True) -> TOTPDevice:
    """The user's authenticator app, already enrolled (or only started, confirmed=False)."""
    return TOTPDevice.objects.create(user=user, name="uji", key=key, confirmed=confirmed)


def code_now(device: TOTPDevice) -> str:
    """A code the device accepts now: the current one, or the next when the current one was
    already used (django-otp accepts each time step once, and one step either side); when both
    are used, wait for the next step."""
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    ahead = max(0, device.last_t + 1 - now_step)
    if ahead > device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
        return code_now(device)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{value:0{device.digits}d}"


def device_for_sign_in(username: str) -> TOTPDevice | None:
    """Before signing `username` in through the form: their authenticator app (given one with
    the known key if they have none), or None when their role signs in with a password only."""
    from pengguna.models import User
    from pengguna.two_factor import needs_otp

    user = User.objects.get(username=username)
    if not needs_otp(user):
        return None
    found = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    return found or give_device(user)


def wrong_code(device: TOTPDevice) -> str:
    """Six digits no step within the tolerance gives."""
    near = {
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + d):06d}"
        for d in range(-device.tolerance - 1, device.tolerance + 2)
    }
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in near)
