"""Every route and API operation against authz_matrix.csv: each is listed (a new one without rows
fails until the matrix is regenerated and reviewed), every case answers the status written there,
no page a role gets names a household or pendamping out of its scope (nor does any list asked for
another region), and the matrix itself says what the design says: out of scope answers exactly
like nonexistent."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from urllib.parse import urlencode

import pytest

from tests.conftest import DESA_KAB_KEDIRI, KAB_KEDIRI
from tests.security.authz import (
    ADMIN_PAGE_ARGS,
    KIND_OBJECTS,
    MATRIX,
    NO_OBJECT,
    OBJECT_KINDS,
    REGENERATE,
    WRITE_ENV,
    Case,
    cases,
    in_scope,
    read_matrix,
    routes,
    schema_operations,
    write_matrix,
)
from tests.security.scene import Scene

FIX = f"Run `{REGENERATE}` and review every changed row of {MATRIX.name} before committing it."


# a) the matrix covers every route and operation, and nothing else ----------------------------


def unnamed_records() -> list[str]:
    """Routes whose URL arguments name no record the matrix knows how to make."""
    return [
        f"{route.key} ({route.pattern}) takes {sorted(route.kwargs)}"
        for route in routes()
        if (route.kwargs and not route.kind)
        or (route.kind == "admin_page" and route.kwargs and route.key not in ADMIN_PAGE_ARGS)
    ]


def test_every_route_with_arguments_names_the_record_it_points_at():
    unnamed = unnamed_records()
    assert not unnamed, (
        "Routes whose arguments name no record of the matrix; add each to OBJECT_KINDS (or "
        "ADMIN_PAGE_ARGS) in tests/security/authz.py:\n" + "\n".join(unnamed)
    )
    assert set(OBJECT_KINDS.values()) <= set(KIND_OBJECTS)


def test_every_route_and_operation_has_rows_and_no_row_is_stale():
    expected, written = set(cases()), set(read_matrix())
    known = {case.route for case in written}
    new_routes = sorted({c.route for c in expected} - known)
    missing = sorted(c for c in expected - written if c.route in known)
    stale = sorted(written - expected)
    operations = [
        f"{method} {key} ({operation})"
        for key, method, operation in schema_operations()
        if not any(c.route == key and c.method == method for c in written)
    ]
    problems = [
        *(f"route without rows: {key}" for key in new_routes),
        *(f"API operation without rows: {text}" for text in operations),
        *(f"missing row: {c.route} {c.method} {c.role} {c.object}" for c in missing[:50]),
        *(f"stale row: {c.route} {c.method} {c.role} {c.object}" for c in stale[:50]),
    ]
    assert not problems, "\n".join([*problems, FIX])


# b) every case answers what the matrix says -----------------------------------------------------


def test_every_case_answers(scene: Scene, quiet_refusals: None):
    """Every case the matrix lists (the tests above report routes it lacks); when regenerating,
    every case there is."""
    writing = bool(os.environ.get(WRITE_ENV))
    if writing and unnamed_records():
        pytest.fail("Name the records these routes take first:\n" + "\n".join(unnamed_records()))
    by_key = {route.key: route for route in routes()}
    listed = read_matrix()
    asked = [case for case in cases() if writing or case in listed]
    started = time.monotonic()
    answers = {case: scene.answer(by_key[case.route], case) for case in asked}
    took = time.monotonic() - started
    leaks = [
        f"{c.route} {c.method} as {c.role} on {c.object} shows {', '.join(names)}"
        for c, names in sorted(scene.leaks.items())
    ]
    assert not leaks, "Pages showing records out of the role's scope:\n" + "\n".join(leaks)
    crashed = [
        f"{c.route} {c.method} as {c.role} on {c.object}: {status} {scene.errors.get(c, '')}"
        for c, status in answers.items()
        if status >= 500
    ]
    assert not crashed, "Server errors (no case may answer one):\n" + "\n".join(crashed)
    # The search finds what is there: each list shows what its role may see.
    for role, names in [
        ("pendamping", {"KDR-OWN", "KDR-GRAD"}),
        ("dinsos", {"KDR-OWN", "KDR-SAME", "KDR-GRAD", "pendamping_kota_lain"}),
        ("kementerian", {"KDR-OWN", "KDR-SAME", "KAB-OTHER", "pendamping_kab"}),
    ]:
        assert names <= scene.seen.get(Case("kpm:caseload", "GET", role, NO_OBJECT), set())
    feed = Case("api:graduation-list", "GET", "agency_api", NO_OBJECT)
    assert scene.seen.get(feed) == {"KDR-GRAD", "KDR-SAME-GRAD"}
    if writing:
        write_matrix(answers)
        print(f"\n{len(answers)} cases in {took:.1f} s written to {MATRIX}")
        return
    expected = listed
    wrong = [
        f"{c.route} {c.method} as {c.role} on {c.object}: expected {expected.get(c)}, got {status}"
        for c, status in answers.items()
        if expected.get(c) != status
    ]
    assert not wrong, f"{len(wrong)} of {len(answers)} cases answered otherwise:\n" + "\n".join(
        [*wrong, f"If the change is intended: {FIX}"]
    )


def test_filters_never_widen_a_list(scene: Scene, quiet_refusals: None):
    """Every page without a record of its own, asked for the other kabupaten's region, desa or
    pendamping (and a status), still shows only what the role may see, and never fails."""
    world = scene.world
    query = urlencode(
        {
            "wilayah": KAB_KEDIRI,
            "kabupaten": KAB_KEDIRI,
            "kecamatan": DESA_KAB_KEDIRI[:8],
            "desa": DESA_KAB_KEDIRI,
            "pendamping": world.pendamping_kab.pk,
            "status": "lulus",
            "tab": "diputuskan",
        }
    )
    failed = []
    for route in routes():
        if route.objects != (NO_OBJECT,) or "GET" not in route.methods:
            continue
        for role in route.roles:
            case = Case(route.key, "GET", role, NO_OBJECT)
            if scene.answer(route, case, query=query) >= 500:
                failed.append(f"{route.key} as {role}: {scene.errors.get(case, 'server error')}")
    leaks = [f"{c.route} as {c.role} shows {', '.join(n)}" for c, n in sorted(scene.leaks.items())]
    assert not failed + leaks, "\n".join(failed + leaks)


# c) the matrix says what the design says ------------------------------------------------------


def test_the_matrix_is_not_trivial():
    status = read_matrix()

    def of(route: str, method: str, role: str, obj: str = NO_OBJECT) -> int:
        return status[Case(route, method, role, obj)]

    assert of("kpm:profile", "GET", "pendamping", "own") == 200
    assert of("kpm:profile", "GET", "pendamping", "same_district") == 404
    assert of("kpm:profile", "GET", "pendamping", "other_district") == 404
    assert of("kpm:profile", "GET", "dinsos", "same_district") == 200
    assert of("kpm:profile", "GET", "dinsos", "other_district") == 404
    assert of("kpm:profile", "GET", "anonymous", "own") == 302
    assert of("usulan:approve", "POST", "dinsos", "own") == 302
    assert of("usulan:approve", "POST", "pendamping", "own") == 403
    assert of("usulan:approve", "POST", "dinsos", "other_district") == 404
    assert of("api:graduation-detail", "GET", "agency_api", "graduated") == 200
    assert of("api:graduation-detail", "GET", "agency_api", "own") == 404
    assert of("api:graduation-detail", "GET", "anonymous", "graduated") == 401
    assert of("api:kpm-detail", "GET", "dinsos", "other_district") == 404
    assert of("api:referral-outcome", "POST", "agency_api", "own") == 201
    assert of("api:referral-outcome", "POST", "agency_api", "other_district") == 404
    assert of("admin:kpm.kpm", "GET", "admin", "changelist") == 200
    assert of("admin:kpm.kpm", "GET", "dinsos", "changelist") == 302
    counts: dict[int, int] = defaultdict(int)
    for answer in status.values():
        counts[answer] += 1
    assert {200, 302, 401, 403, 404, 405} <= set(counts), counts


def test_out_of_scope_answers_exactly_like_nonexistent():
    """A record a role may not see gets the answer of one that does not exist; an answer other
    than 404 is allowed only when the route refuses every record alike (sign in, wrong role,
    wrong method), so it tells nothing about the record."""
    kinds = {route.key: route.kind for route in routes()}
    groups: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for case, answer in read_matrix().items():
        groups[case.route, case.method, case.role][case.object] = answer
    leaks = []
    for (route, method, role), answers in sorted(groups.items()):
        if "nonexistent" not in answers:
            continue
        unseen = {obj for obj in answers if obj not in in_scope(role, kinds[route])}
        hidden = {answers[obj] for obj in unseen}
        alike = len(set(answers.values())) == 1
        if len(hidden) > 1 or (hidden != {404} and not alike):
            shown = ", ".join(f"{obj} {answers[obj]}" for obj in sorted(answers))
            leaks.append(f"{route} {method} as {role}: {shown}")
    assert not leaks, "Out of scope answered unlike nonexistent:\n" + "\n".join(leaks)
