"""Agency API clients and API keys: create a client with its service user, issue a key (shown
once, stored hashed), revoke one, rotate a client's keys. Each write is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record, field_values
from config.errors import DomainError
from pengguna.models import ApiClient, ApiKey, Role, User

# Roles that may hold a key of their own (agency keys belong to a client).
STAFF_KEY_ROLES = frozenset({Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN})
# How long a rotated key keeps working, so the agency can switch without a gap.
ROTATION_GRACE = timedelta(hours=24)


@transaction.atomic
def api_client_create(
    *,
    by: Any,
    name: str,
    agency: str,
    agreement_number: str,
    purpose: str,
    expires_on: date,
    fields: Iterable[str] = (),
    region_codes: Iterable[str] = (),
    programmes: Iterable[Any] = (),
    rate_per_minute: int = 600,
) -> ApiClient:
    """A client for one agreement, with the service user its requests act as (no password)."""
    user = User(username=_service_username(name), role=Role.AGENCY, first_name=name[:150])
    user.set_unusable_password()
    user.save()
    client = ApiClient(
        name=name,
        agency=agency,
        agreement_number=agreement_number,
        purpose=purpose,
        expires_on=expires_on,
        fields=list(fields),
        region_codes=list(region_codes),
        rate_per_minute=rate_per_minute,
        user=user,
    )
    client.full_clean(exclude=["user"])
    client.save()
    client.programmes.set(list(programmes))
    audit_record(actor=by, action=AuditAction.CREATE, obj=client, changes=_created(client))
    return client


def _service_username(name: str) -> str:
    base = f"api-{slugify(name)[:100] or 'klien'}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _created(obj: Any) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in field_values(obj).items()}


@transaction.atomic
def api_key_issue(
    *,
    by: Any,
    client: ApiClient | None = None,
    user: User | None = None,
    name: str = "",
    expiry_date: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for an agency client, or for an officer's own use (until `expiry_date`, when
    given); returns the key once."""
    if (client is None) == (user is None):
        raise DomainError(_("Kunci dibuat untuk satu klien lembaga atau satu petugas."))
    if client is not None:
        owner = client.user
    else:
        assert user is not None
        if user.role not in STAFF_KEY_ROLES or not user.is_active:
            raise DomainError(
                _("Kunci pribadi hanya untuk petugas Dinsos, Kementerian atau admin yang aktif."),
                code="wrong_role",
            )
        owner = user
    label = name or (client.name if client else owner.get_username())
    created, raw = ApiKey.objects.create_key(
        name=label[:50], user=owner, client=client, expiry_date=expiry_date
    )
    key = cast(ApiKey, created)  # the library's manager is typed for its abstract model
    _audit_key(by, key, {"api_key": [None, key.prefix]})
    return key, raw


def _audit_key(by: Any, key: ApiKey, changes: dict[str, list[Any]]) -> None:
    """A key's change, audited on its owner (the client, or the officer): a key's own id is its
    hash, which the audit trail has no room for and no need of. The prefix names the key."""
    owner: ApiClient | User = key.client or key.user
    audit_record(actor=by, action=AuditAction.UPDATE, obj=owner, changes=changes)


@transaction.atomic
def api_key_revoke(*, by: Any, key: ApiKey) -> ApiKey:
    """Stop a key at once (cannot be undone)."""
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if not locked.revoked:
        locked.revoked = True
        locked.save(update_fields=["revoked"])
        _audit_key(by, locked, {f"api_key {locked.prefix} revoked": [False, True]})
    return locked


@transaction.atomic
def api_client_revoke_keys(*, by: Any, client: ApiClient) -> int:
    """Stop every key of the client at once; returns how many were still in use."""
    keys = ApiKey.objects.select_for_update().filter(client=client, revoked=False)
    count = 0
    for key in keys:
        api_key_revoke(by=by, key=key)
        count += 1
    return count


@transaction.atomic
def api_client_suspend(*, by: Any, client: ApiClient) -> ApiClient:
    """Stop the client's access (its keys stay, refused with `client_suspended`)."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if locked.active:
        locked.active = False
        locked.save(update_fields=["active"])
        audit_record(
            actor=by, action=AuditAction.UPDATE, obj=locked, changes={"active": [True, False]}
        )
    return locked


@transaction.atomic
def api_key_rotate(
    *, by: Any, client: ApiClient, grace: timedelta = ROTATION_GRACE
) -> tuple[ApiKey, str]:
    """A new key for the client; its other keys stop after `grace` (at once when zero)."""
    ends = timezone.now() + grace
    for old in ApiKey.objects.select_for_update().filter(client=client, revoked=False):
        if not grace:
            api_key_revoke(by=by, key=old)
        elif old.expiry_date is None or old.expiry_date > ends:
            before = old.expiry_date
            old.expiry_date = ends
            old.save(update_fields=["expiry_date"])
            _audit_key(
                by,
                old,
                {
                    f"api_key {old.prefix} expiry_date": [
                        before and before.isoformat(),
                        ends.isoformat(),
                    ]
                },
            )
    return api_key_issue(by=by, client=client)
