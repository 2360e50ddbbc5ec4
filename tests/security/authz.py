"""The authorization matrix: every route of config.urls and every operation of the OpenAPI schema,
asked by every role about every kind of record it points at, with the status each must answer.

A case is (route, method, role, object). The route is the URL's name with its namespace (its
pattern when it has no name); the admin site is one route per model admin (`admin:kpm.kpm`, asked
for its list and its add page), one for the site itself, and one per page the project added to it.
The object is the record the URL names, seen from the personas of the `world` fixture:

- own: pendamping_kota's KPM (and what hangs from it), dinsos_kota's upload, Kota Kediri;
- same_district: another pendamping's KPM or another officer's upload in Kota Kediri;
- other_district: Kabupaten Kediri's;
- graduated: a graduated KPM of pendamping_kota (and what hangs from it);
- nonexistent: an id no row has;

and "-" for a route that names no record. Out of scope answers exactly like nonexistent: 404.

authz_matrix.csv holds the status every case must answer and test_authz_matrix.py holds every
route to it. After adding or changing a route, regenerate the file and review each changed row
before committing it:

    python -m tests.security.authz --write
"""

from __future__ import annotations

import csv
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MATRIX = Path(__file__).with_name("authz_matrix.csv")
REGENERATE = "python -m tests.security.authz --write"
WRITE_ENV = "AUTHZ_WRITE"

# kementerian is East Java's (35, both kabupaten of the world); kementerian_jabar is West Java's,
# for whom every record of the world lies outside the province.
ROLES = (
    "anonymous",
    "pendamping",
    "dinsos",
    "kementerian",
    "kementerian_jabar",
    "admin",
    "agency_user",
)
# An agency's API client signs with its key; only the API reads that header.
API_ROLES = (*ROLES, "agency_api")
OBJECTS = ("own", "same_district", "other_district", "graduated", "nonexistent")
NO_GRADUATED = ("own", "same_district", "other_district", "nonexistent")
NO_OBJECT = "-"
METHODS = ("GET", "POST")
EXTRA_METHODS = ("PUT", "PATCH", "DELETE")

# The record each route's URL (or, for dashboards, its ?wilayah=) names.
OBJECT_KINDS: dict[str, str] = {
    "kpm:import_detail": "import_job",
    "kpm:import_confirm": "import_job",
    "kpm:import_cancel": "import_job",
    "kpm:import_progress": "import_job",
    "kpm:import_errors_csv": "import_job",
    "kpm:profile": "kpm",
    "anggota:birth": "kpm",
    "anggota:pregnancy": "anggota",
    "anggota:school": "anggota",
    "anggota:exit": "anggota",
    "kunjungan:photo": "visit",
    "kunjungan:create": "kpm",
    "komitmen:grid": "kpm",
    "p2k2:group": "p2k2_group",
    "p2k2:meeting_create": "p2k2_group",
    "p2k2:meeting": "p2k2_meeting",
    "usulan:create": "kpm",
    **{
        f"usulan:{name}": "proposal"
        for name in (
            "detail",
            "edit",
            "statement",
            "attach",
            "submit",
            "withdraw",
            "approve",
            "reject",
            "return",
        )
    },
    "pemberdayaan:referral_status": "referral",
    "pemberdayaan:referral_add": "kpm",
    "pemberdayaan:follow_up": "follow_up",
    "kepesertaan:exit": "kpm",
    "koreksi:member": "anggota",
    "koreksi:create": "anggota",
    "koreksi:detail": "correction",
    "koreksi:approve": "correction",
    "koreksi:reject": "correction",
    "kepesertaan:proposal": "enrolment_proposal",
    "dasbor:region": "region",
    "dasbor:pendamping": "pendamping",
    "dasbor:run": "run",
    "dasbor:export": "region_query",
    "dasbor:report": "region",
    "api:dashboard": "region_query",
    "api:dashboard-pendamping": "region_query",
    **{
        f"api:proposal-{name}": "proposal"
        for name in ("detail", "approve", "reject", "return-", "statement", "submit", "withdraw")
    },
    "api:graduation-detail": "kpm",
    "api:referral-outcome": "referral",
    "api:kpm-detail": "kpm",
}

# Referrals and follow-ups hang from graduated families: own is kpm_graduated's, same_district and
# other_district are those of graduated families of the other two pendamping.
KIND_OBJECTS: dict[str, tuple[str, ...]] = {
    "kpm": OBJECTS,
    "anggota": OBJECTS,
    "visit": OBJECTS,
    "p2k2_group": OBJECTS,
    "p2k2_meeting": OBJECTS,
    "proposal": OBJECTS,
    "correction": OBJECTS,
    "referral": NO_GRADUATED,
    "follow_up": NO_GRADUATED,
    "import_job": NO_GRADUATED,
    "enrolment_proposal": NO_GRADUATED,
    "pendamping": NO_GRADUATED,
    "region": NO_GRADUATED,
    "region_query": NO_GRADUATED,
    "run": ("own", "nonexistent"),
}

# Which objects each role may see (pengguna.scoping); every other object is out of scope and must
# answer like `nonexistent`. Kementerian is the East Java (35) officer, so both kabupaten are in
# its scope; the agency client's agreement covers Kota Kediri.
EVERY = frozenset({"own", "same_district", "other_district", "graduated"})
KOTA = frozenset({"own", "same_district", "graduated"})
NONE: frozenset[str] = frozenset()
IN_SCOPE: dict[str, frozenset[str]] = {
    "anonymous": NONE,
    "pendamping": frozenset({"own", "graduated"}),
    "dinsos": KOTA,
    "kementerian": EVERY,
    "kementerian_jabar": NONE,
    "admin": EVERY,
    # An agency's own login sees graduated families, as its API client does (within its PKS).
    "agency_user": frozenset({"graduated"}),
    "agency_api": frozenset({"graduated"}),
}
GRADUATED_FAMILIES = frozenset({"own", "same_district", "other_district"})
IN_SCOPE_BY_KIND: dict[tuple[str, str], frozenset[str]] = {
    ("agency_api", "referral"): frozenset({"own", "same_district"}),
    ("agency_api", "follow_up"): NONE,
    ("agency_user", "referral"): GRADUATED_FAMILIES,
    ("agency_user", "follow_up"): GRADUATED_FAMILIES,
    ("dinsos", "import_job"): frozenset({"own"}),  # an officer sees their own uploads
    ("kementerian", "import_job"): NONE,
    ("pendamping", "import_job"): NONE,
    ("pendamping", "enrolment_proposal"): NONE,
    ("pendamping", "pendamping"): frozenset({"own"}),
    ("pendamping", "region"): NONE,
    ("pendamping", "region_query"): NONE,
    ("pendamping", "run"): NONE,
    # A nightly run's record is national (timings and counts): every dashboard role reads it.
    ("kementerian_jabar", "run"): frozenset({"own"}),
}


def in_scope(role: str, kind: str) -> frozenset[str]:
    """The objects of `kind` that `role` may see."""
    return IN_SCOPE_BY_KIND.get((role, kind), IN_SCOPE[role])


# Admin pages Django generates for each model admin; any other named admin page is the project's.
ADMIN_GENERATED = re.compile(r"^admin:\w+_(changelist|add|change|delete|history)$")
ADMIN_SITE_PAGES = frozenset(
    f"admin:{name}"
    for name in (
        "index",
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "autocomplete",
        "jsi18n",
        "view_on_site",
        "app_list",
    )
)
ADMIN_MODEL_PAGES = ("changelist", "add")
# The project's own admin pages that take arguments: which record of the scene each one names.
ADMIN_PAGE_ARGS: dict[str, dict[str, str]] = {
    "admin:pengguna_apiclient_rotate": {"pk": "api_client"},
    "admin:pengguna_apiclient_revoke": {"pk": "api_client"},
    "admin:pengguna_apiclient_suspend": {"pk": "api_client"},
    "admin:pengguna_apiclient_revoke_key": {"pk": "api_client", "prefix": "api_client_key"},
    "admin:pengguna_apikey_revoke": {"prefix": "officer_key"},
    "admin:otp_totp_totpdevice_config": {"pk": "totp_device"},
    "admin:otp_totp_totpdevice_qrcode": {"pk": "totp_device"},
    "admin:auth_user_password_change": {"id": "officer"},
    "admin:pengguna_user_reset_otp": {"pk": "officer"},
}
ADMIN_SITE = "admin:site"


@dataclass(frozen=True)
class Route:
    """One key of the matrix: the methods asked, the objects (or admin pages) asked about."""

    key: str
    pattern: str
    kwargs: frozenset[str]
    methods: tuple[str, ...]
    objects: tuple[str, ...]
    kind: str = ""
    named: bool = True

    @property
    def roles(self) -> tuple[str, ...]:
        return API_ROLES if self.key.startswith("api:") else ROLES


@dataclass(frozen=True, order=True)
class Case:
    route: str
    method: str
    role: str
    object: str


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the resolver, flattened: its full pattern, name and view."""

    pattern: str
    name: str | None
    callback: Any
    kwargs: frozenset[str]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    from django.urls import URLResolver

    for entry in patterns:
        regex = entry.pattern.regex
        full = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            for found in _walk(entry.url_patterns, full, inner):
                yield Pattern(
                    found.pattern,
                    found.name,
                    found.callback,
                    found.kwargs | frozenset(regex.groupindex),
                )
            continue
        name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
        yield Pattern(full, name, entry.callback, frozenset(regex.groupindex))


def url_patterns() -> list[Pattern]:
    """Every pattern of config.urls, depth first in resolving order."""
    from django.urls import get_resolver

    return list(_walk(get_resolver().url_patterns))


def _view_methods(callback: Any) -> set[str]:
    """PUT/PATCH/DELETE where a REST view has them (a viewset's actions, an APIView's handlers)."""
    actions = getattr(callback, "actions", None)
    if actions:
        return {method.upper() for method in actions}
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return set()
    return {
        m for m in EXTRA_METHODS if m.lower() in cls.http_method_names and hasattr(cls, m.lower())
    }


def _admin_group(pattern: Pattern) -> str:
    """The model admin a generated admin page belongs to, or the site."""
    from django.contrib import admin

    models = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    found = re.match(r"^admin/(\w+)/(\w+)/", pattern.pattern)
    if found and (found[1], found[2]) in models:
        return f"admin:{found[1]}.{found[2]}"
    return ADMIN_SITE


def _admin_route(pattern: Pattern) -> Route:
    name = pattern.name or ""
    custom = name and not ADMIN_GENERATED.match(name) and name not in ADMIN_SITE_PAGES
    if custom:
        return Route(name, pattern.pattern, pattern.kwargs, METHODS, (NO_OBJECT,), "admin_page")
    group = _admin_group(pattern)
    pages = ("index",) if group == ADMIN_SITE else ADMIN_MODEL_PAGES
    return Route(group, "admin/", frozenset(), ("GET",), pages, "admin")


def _route(pattern: Pattern, schema_methods: set[str]) -> Route:
    key = pattern.name or pattern.pattern
    extra = (_view_methods(pattern.callback) | schema_methods) & set(EXTRA_METHODS)
    methods = (*METHODS, *(m for m in EXTRA_METHODS if m in extra))
    kind = OBJECT_KINDS.get(key, "")
    objects = KIND_OBJECTS[kind] if kind else (NO_OBJECT,)
    return Route(key, pattern.pattern, pattern.kwargs, methods, objects, kind, bool(pattern.name))


@cache
def routes() -> tuple[Route, ...]:
    """Every key of the matrix, once, in URL order."""
    by_key: dict[str, Route] = {}
    schema: dict[str, set[str]] = {}
    for key, method, _operation in schema_operations():
        schema.setdefault(key, set()).add(method)
    for pattern in url_patterns():
        admin = pattern.pattern.startswith("admin/")
        methods = schema.get(pattern.name or "", set())
        route = _admin_route(pattern) if admin else _route(pattern, methods)
        by_key.setdefault(route.key, route)
    return tuple(by_key.values())


@cache
def schema_operations() -> tuple[tuple[str, str, str], ...]:
    """(route key, method, operationId) of every operation in the OpenAPI schema."""
    from django.urls import resolve
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        for method, operation in operations.items():
            found.append((match.view_name, method.upper(), operation["operationId"]))
    return tuple(found)


def cases(of: tuple[Route, ...] | None = None) -> list[Case]:
    """Every case of the matrix, in a stable order."""
    found = [
        Case(route.key, method, role, obj)
        for route in of or routes()
        for method in route.methods
        for role in route.roles
        for obj in route.objects
    ]
    return sorted(found)


def read_matrix(path: Path = MATRIX) -> dict[Case, int]:
    """The expected status of each case, as checked in."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {
            Case(row["route"], row["method"], row["role"], row["object"]): int(row["status"])
            for row in rows
        }


def write_matrix(answers: dict[Case, int], path: Path = MATRIX) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["route", "method", "role", "object", "status"])
        for case in sorted(answers):
            writer.writerow([case.route, case.method, case.role, case.object, answers[case]])


def main(argv: list[str]) -> int:
    """`--write`: run every case against a test database and write what each answered."""
    if argv != ["--write"]:
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    import pytest

    os.environ[WRITE_ENV] = "1"
    here = Path(__file__).with_name("test_authz_matrix.py")
    return int(
        pytest.main(["-q", "-s", "-p", "no:cacheprovider", f"{here}::test_every_case_answers"])
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
