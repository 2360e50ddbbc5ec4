"""Who sees what: the one place that knows. Every view, API, filter list and export uses it.

A record out of a user's scope is treated exactly like one that does not exist (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from pengguna.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from pengguna.models import User

NOTHING = Q(pk__in=[])
M = TypeVar("M", bound=Model)


def region_q(code: str | None, *, prefix: str = "") -> Q:
    """Rows whose denormalised region codes fall inside `code` (national when None)."""
    if code is None:
        return Q()
    field = {2: "provinsi_code", 5: "kabupaten_code", 8: "kecamatan_code"}.get(len(code))
    if field is None:
        return Q(**{f"{prefix}desa_id": code})
    return Q(**{f"{prefix}{field}": code})


def kpm_visibility(user: User | AnonymousUser, *, path: str = "") -> Q:
    """KPM rows `user` may see; an unknown role or an inactive user sees nothing."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    prefix = f"{path}__" if path else ""
    match user.role:
        case Role.ADMIN:
            return Q()
        case Role.PENDAMPING:
            return Q(**{f"{prefix}pendamping__user": user})
        case Role.DINSOS:
            if not user.scope_region_code:
                return NOTHING
            return region_q(user.scope_region_code, prefix=prefix)
        case Role.KEMENTERIAN:
            return region_q(user.scope_region_code, prefix=prefix)
        case Role.AGENCY:
            from kpm.models import KpmStatus

            return Q(**{f"{prefix}status": KpmStatus.GRADUATED})
    return NOTHING


# Roles that record case work (visits, household changes, commitments) on the KPM they see.
CASE_WRITER_ROLES = frozenset({Role.PENDAMPING, Role.DINSOS, Role.ADMIN})


def may_write_case(user: User | AnonymousUser) -> bool:
    """Whether `user`'s role records case work at all; which KPM is decided by visibility."""
    if not user.is_authenticated or not user.is_active:
        return False
    return getattr(user, "role", None) in CASE_WRITER_ROLES


def pendamping_visibility(user: User | AnonymousUser, *, path: str = "") -> Q:
    """Pendamping rows `user` may see: themselves, or those working in the user's region."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    prefix = f"{path}__" if path else ""
    match user.role:
        case Role.ADMIN:
            return Q()
        case Role.PENDAMPING:
            return Q(**{f"{prefix}user": user})
        case Role.DINSOS | Role.KEMENTERIAN:
            code = user.scope_region_code
            if code is None:
                return NOTHING if user.role == Role.DINSOS else Q()
            return Q(**{f"{prefix}kabupaten__code__startswith": code})
    return NOTHING


def kabupaten_visibility(user: User | AnonymousUser, *, path: str = "") -> Q:
    """Kabupaten a user may see, or rows tied to one (quotas, enrolment proposals) through
    `path`, the foreign key to the kabupaten."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    field = f"{path}__code" if path else "code"
    match user.role:
        case Role.ADMIN:
            return Q()
        case Role.DINSOS:
            code = user.scope_region_code
            return Q(**{field: code}) if code else NOTHING
        case Role.KEMENTERIAN:
            code = user.scope_region_code
            return Q() if code is None else Q(**{f"{field}__startswith": f"{code}."})
    return NOTHING


# Roles that look at roll-ups (dashboards, reports, their exports).
DASHBOARD_ROLES = frozenset({Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN})


def region_visible(user: User | AnonymousUser, code: str) -> bool:
    """Whether `user` may see the roll-ups of region `code` (the empty code: the nation): a
    Dinsos officer their kabupaten and what lies in it, ministry staff their province or the
    whole country, an admin everything; no other role any."""
    if not user.is_authenticated or not user.is_active or user.role not in DASHBOARD_ROLES:
        return False
    if user.role == Role.ADMIN:
        return True
    scope = user.scope_region_code
    if scope is None:
        return user.role == Role.KEMENTERIAN
    return bool(scope) and (code == scope or code.startswith(f"{scope}."))


def import_job_visibility(user: User | AnonymousUser, *, path: str = "") -> Q:
    """Import jobs a user may see: a Dinsos officer their own uploads, an admin every job."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    prefix = f"{path}__" if path else ""
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.DINSOS:
        return Q(**{f"{prefix}uploaded_by": user})
    return NOTHING


class ScopedQuerySet(QuerySet[M]):
    """A queryset whose `visible_to(user)` applies the visibility rule named by `scope`."""

    scope_rule: Any = staticmethod(kpm_visibility)
    scope_path: str = ""

    def visible_to(self, user: User | AnonymousUser) -> Self:
        return self.filter(self.scope_rule(user, path=self.scope_path))


def get_visible_or_404(queryset: ScopedQuerySet[M], user: User | AnonymousUser, **lookup: Any) -> M:
    """The one record `user` may see, or 404 whether it is out of scope or does not exist."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
