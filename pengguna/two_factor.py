"""The second factor (TOTP, django-otp) for the roles of pengguna.rules.SECOND_FACTOR_ROLES:
enrolling an authenticator app, checking a code, and the admin's reset of a lost phone.

django-otp's TOTPDevice does the cryptography, the replay guard (a code is accepted once) and the
throttling (each wrong code doubles the wait before the next try: 1, 2, 4, 8... seconds); these
functions only decide which device, and audit what changes. A device's key is never audited,
logged or shown anywhere but the enrolment page of its own user.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction
from audit.services import audit_event, audit_record, audit_write
from pengguna.models import User
from pengguna.rules import needs_second_factor
from pengguna.sessions import user_sessions_end

DEVICE_NAME = "Aplikasi autentikator"
AUDITED_FIELDS = ("user_id", "name", "confirmed")  # never the key


def needs_otp(user: Any) -> bool:
    """Whether this signed-in account must give a TOTP code (pengguna.rules)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and needs_second_factor(
            role=getattr(user, "role", ""),
            is_staff=bool(getattr(user, "is_staff", False)),
            is_superuser=bool(getattr(user, "is_superuser", False)),
        )
    )


def otp_verified(user: Any) -> bool:
    """Whether this request's session has given a code (set by django_otp's OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def otp_satisfied(user: Any) -> bool:
    """Signed in, and either no second factor is required or this session has given it."""
    return bool(getattr(user, "is_authenticated", False)) and (
        not needs_otp(user) or otp_verified(user)
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same key on every visit until it is confirmed, so a
    user who scanned the code and reloaded the page still has the right one."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one enrolment at a time
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    wait_until: datetime | None = None  # refused without checking: too many wrong codes


def otp_check(*, request: HttpRequest, device: TOTPDevice, token: str) -> CodeCheck:
    """Check `token` against `device` (locked, so two tries cannot both use one code). A right
    code marks the session as verified; a wrong one counts toward the device's throttle."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            return CodeCheck(accepted=False, wait_until=(info or {}).get("locked_until"))
        if not locked.verify_token(token):
            return CodeCheck(accepted=False)
        if not locked.confirmed:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            audit_record(
                actor=request.user, action=AuditAction.CREATE, obj=locked, changes=_created(locked)
            )
    otp_login(request, locked)
    request.session.cycle_key()  # a new session id for the stronger sign-in
    return CodeCheck(accepted=True)


def _created(device: TOTPDevice) -> dict[str, list[Any]]:
    return {name: [None, getattr(device, name)] for name in AUDITED_FIELDS}


def totp_reset(*, by: User, user: User) -> int:
    """Remove every TOTP device of `user` (a lost or replaced phone) and end their sessions,
    so the next sign-in enrols a new app. Audited; returns how many devices were removed."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user))
        audit_write(
            [
                audit_event(
                    actor=by,
                    action=AuditAction.DELETE,
                    obj=d,
                    changes={name: [getattr(d, name), None] for name in AUDITED_FIELDS},
                )
                for d in devices
            ]
        )
        TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).delete()
        user_sessions_end(user)
    return len(devices)


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth URI as a QR code, an SVG data: URI (no script, no outside request)."""
    code = segno.make(device.config_url, error="m")
    return str(code.svg_data_uri(scale=4, border=4, light="#fff"))


def seconds_left(until: datetime | None) -> int:
    if until is None:
        return 1
    return max(1, int((until - timezone.now()).total_seconds() + 0.999))
