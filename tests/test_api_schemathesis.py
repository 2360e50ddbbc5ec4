"""Schemathesis against the project's own OpenAPI schema (/api/v1/schema/), over real HTTP on a
live server, with each role's credentials: agency clients under a full and a minimal agreement,
a Dinsos officer's key, a national ministry key, an admin key, a pendamping's web session (with
its CSRF token, so writes are tried too) and nobody. Every operation gets a bounded number of
generated requests, valid and invalid, plus requests that name records which exist; each
response must not be a server error and must conform to the schema (status code, content type,
body). Every failure is collected and printed, then the test asserts there were none."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from graduasi.models import Proposal
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import GraduationType, Kpm
from pemberdayaan.models import Programme, Referral
from pengguna.api_clients import api_key_issue
from pengguna.models import SharedField, User
from tests.conftest import KOTA_KEDIRI, World, live_db, make_api_client
from tests.factories import AnggotaFactory, KpmFactory

pytestmark = [live_db]

# Requests per operation and role, drawn from generated ones (valid and invalid) and ones
# naming records that exist. Derandomized: the same requests on every run.
EXAMPLES = 12
KNOWN = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Everything an agreement may add; the full NIK excludes the masked one.
FULL_AGREEMENT = tuple(f for f in SharedField.values if f != SharedField.NIK_MASKED)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


@dataclass
class Caller:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    caller: str
    operation: str
    request: str
    status: int | None
    body: str
    problem: str

    def __str__(self) -> str:
        return (
            f"[{self.caller}] {self.operation}\n  {self.request}\n  -> {self.status} "
            f"{self.body}\n  {self.problem}"
        )


@dataclass
class Seeded:
    """Records that exist, by the path parameter that names them."""

    kpm_ids: list[str]
    proposal_ids: list[int]  # submitted, then one signed draft of pendamping_kota
    to_decide: dict[str, list[int]]  # per decision: submitted proposals kept for it
    referral_ids: list[int]
    free_kpm_id: str  # pendamping_kota's, with no proposal yet


def _graduate(kpm: Kpm, officer: User, programmes: list[Programme]) -> Proposal:
    proposal = _signed_draft(kpm, programmes=programmes, consent_on=date(2026, 1, 5))
    proposal_submit(proposal=proposal, actor=_actor(kpm))
    return proposal_approve(proposal=proposal, officer=officer, note="Lengkap")


def seed(world: World, programmes: list[Programme]) -> Seeded:
    """A few graduated KPM with referrals, and submitted proposals waiting for a decision."""
    graduated = []
    for n in range(3):
        kpm = KpmFactory.create(pendamping=world.pendamping_kota, kpm_id=f"KDR-LULUS-{n}")
        AnggotaFactory(kpm=kpm, pengurus=True)
        AnggotaFactory(kpm=kpm, hubungan="anak", jenis_kelamin="L", tanggal_lahir=date(2012, 3, 4))
        _graduate(kpm, world.dinsos_kota, programmes)
        graduated.append(kpm.kpm_id)
    waiting = []
    for kpm in (world.kpm_own, world.kpm_same_district, world.kpm_other_district):
        waiting.append(proposal_submit(proposal=_signed_draft(kpm), actor=_actor(kpm)).pk)
    other_kabupaten = waiting[2]
    draft = _signed_draft(KpmFactory.create(pendamping=world.pendamping_kota, kpm_id="KDR-DRAF"))
    free = KpmFactory.create(pendamping=world.pendamping_kota, kpm_id="KDR-BEBAS")
    referrals = list(
        Referral.objects.filter(kpm__kpm_id__in=graduated).values_list("pk", flat=True)
    )
    return Seeded(
        kpm_ids=[*graduated, world.kpm_own.kpm_id, world.kpm_other_district.kpm_id],
        proposal_ids=[*waiting, draft.pk],
        to_decide={
            "approve": [waiting[0], other_kabupaten],
            "reject": [waiting[1], other_kabupaten],
            "return": [_submitted(world.pendamping_kota_other), other_kabupaten],
        },
        referral_ids=referrals,
        free_kpm_id=free.kpm_id,
    )


def _submitted(pendamping: Any) -> int:
    kpm = KpmFactory.create(pendamping=pendamping)
    return proposal_submit(proposal=_signed_draft(kpm), actor=_actor(kpm)).pk


def _actor(kpm: Kpm) -> User:
    assert kpm.pendamping is not None
    return kpm.pendamping.user


def _signed_draft(kpm: Kpm, **draft: Any) -> Proposal:
    actor = _actor(kpm)
    proposal = proposal_draft(kpm=kpm, actor=actor, type=GraduationType.MANDIRI, **draft)
    proposal_attach_statement(
        proposal=proposal, actor=actor, file=SimpleUploadedFile("surat.pdf", PDF)
    )
    return proposal


def _officer_key(user: User) -> dict[str, str]:
    _key, raw = api_key_issue(by=None, user=user)
    return {"Authorization": f"Bearer {raw}"}


def _session(user: User, live_url: str) -> Caller:
    client = Client()
    client.force_login(user)
    token = get_random_string(32)  # a CSRF secret: the cookie and the header carry the same
    return Caller(
        name=user.role,
        headers={"X-CSRFToken": token, "Referer": live_url},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
    )


def callers(world: World, programmes: list[Programme], live_url: str) -> list[Caller]:
    _full, full_key = make_api_client(
        "Kemenko PM", fields=FULL_AGREEMENT, programmes=tuple(programmes),
        rate_per_minute=1_000_000,
    )  # fmt: skip
    _minimal, minimal_key = make_api_client(
        "PNM Mekaar", regions=(KOTA_KEDIRI,), programmes=tuple(programmes[:1]),
        rate_per_minute=1_000_000,
    )  # fmt: skip
    return [
        Caller("agency_full", {"Authorization": f"Bearer {full_key}"}),
        Caller("agency_minimal", {"Authorization": f"Bearer {minimal_key}"}),
        Caller("dinsos_key", _officer_key(world.dinsos_kota)),
        Caller("kementerian_key", _officer_key(world.kementerian_national)),
        Caller("admin_key", _officer_key(world.admin)),
        _session(world.pendamping_kota.user, live_url),
        Caller("anonymous"),
    ]


def known_values(operation: Any, seeded: Seeded) -> list[dict[str, Any]]:
    """Requests naming records that exist (and, for proposal writes, a body that could pass),
    so that success is tried as well as refusal."""
    names = {p.name for p in operation.path_parameters}
    proposal = {"type": "mandiri", "justification": "Usaha warung stabil"}
    if "kpm_id" in names:
        return [{"path_parameters": {"kpm_id": v}} for v in seeded.kpm_ids]
    if "id" in names and "/referrals/" in operation.path:
        return [{"path_parameters": {"id": v}} for v in seeded.referral_ids]
    if "id" in names:
        action = operation.path.rstrip("/").rsplit("/", 1)[-1]
        if action in seeded.to_decide:
            body = {"approve": {"note": "Lengkap"}, "reject": {"reason": "Belum stabil"},
                    "return": {"note": "Lengkapi alasan"}}[action]  # fmt: skip
            return [{"path_parameters": {"id": v}, "body": body} for v in seeded.to_decide[action]]
        extra: dict[str, Any] = {}
        if operation.method.upper() == "PUT":
            extra = {"body": proposal}
        elif action == "statement":
            extra = {"body": {"file": PDF}, "media_type": "multipart/form-data"}
        return [{"path_parameters": {"id": v}, **extra} for v in seeded.proposal_ids]
    if operation.method.upper() == "POST" and operation.path.endswith("/proposals/"):
        return [{"body": {**proposal, "kpm_id": seeded.free_kpm_id}}]
    return []


def _strategy(operation: Any, seeded: Seeded) -> st.SearchStrategy[Any]:
    generated = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    known = [operation.as_strategy(**v) for v in known_values(operation, seeded)]
    return st.one_of(generated, *known) if known else generated


def exercise(operation: Any, seeded: Seeded, call: Callable[[Any], None], *, examples: int) -> None:
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=_strategy(operation, seeded))
    def run(case: Any) -> None:
        call(case)

    run()


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def test_every_operation_conforms_to_the_schema_for_every_role(world, live_server, settings):
    settings.API_STAFF_RATE_PER_MINUTE = 1_000_000  # the officers' keys: no 429 in this run
    programmes = list(Programme.objects.order_by("position")[:2])
    seeded = seed(world, programmes)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/")
    operations = list(_operations(schema))
    assert len(operations) >= 10
    failures: dict[tuple[str, str, str], Failure] = {}
    statuses: Counter[tuple[str, int]] = Counter()

    for caller, operation in itertools.product(
        callers(world, programmes, live_server.url), operations
    ):

        def call(case: Any, caller: Caller = caller, operation: Any = operation) -> None:
            response = None
            try:
                response = case.call(
                    base_url=live_server.url, headers=caller.headers, cookies=caller.cookies
                )
                statuses[operation.label, response.status_code] += 1
                case.validate_response(response, checks=CHECKS, headers=caller.headers)
            except BaseExceptionGroup as group:  # schemathesis: every check that failed
                problems = [f"{type(e).__name__}: {e}" for e in group.exceptions]
            except Exception as exc:  # e.g. a response that could not be read
                problems = [f"{type(exc).__name__}: {exc}"]
            else:
                return
            for problem in problems:
                key = (caller.name, operation.label, problem.strip()[:300])
                failures.setdefault(
                    key,
                    Failure(
                        caller=caller.name,
                        operation=operation.label,
                        request=case.as_curl_command(headers=caller.headers),
                        status=response.status_code if response is not None else None,
                        body=(response.text[:600] if response is not None else ""),
                        problem=problem.strip()[:1500],
                    ),
                )

        exercise(operation, seeded, call, examples=EXAMPLES + KNOWN)

    sent = sum(statuses.values())
    for (label, status), n in sorted(statuses.items()):  # shown when the test fails
        print(f"{label}: {status} x{n}")
    report = "\n\n".join(str(f) for f in failures.values())
    assert not failures, f"{len(failures)} failures in {sent} requests:\n\n{report}"
    # The run reached past the refusals: every operation answered 2xx to someone.
    answered = {label for (label, status) in statuses if 200 <= status < 300}
    assert answered == {op.label for op in operations}, sorted(statuses.items())


def test_every_operation_documents_the_429_a_throttled_key_gets(world, live_server, settings):
    """Keys are throttled after their permissions are checked: an officer's key and an agency
    client's key over their rate reach every operation their role may call, and each of those
    answers 429, which its schema must document."""
    settings.API_STAFF_RATE_PER_MINUTE = 0  # every request of an officer's key is over
    client, agency_key = make_api_client("Kemenko PM", fields=FULL_AGREEMENT)
    type(client).objects.filter(pk=client.pk).update(rate_per_minute=0)
    keys = {
        "dinsos_key": _officer_key(world.dinsos_kota),
        "admin_key": _officer_key(world.admin),
        "agency_full": {"Authorization": f"Bearer {agency_key}"},
    }
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/")
    undocumented = []
    throttled = set()
    for operation in _operations(schema):
        path = {p.name: ("KDR-OWN" if p.name == "kpm_id" else 1) for p in operation.path_parameters}
        for name, headers in keys.items():
            case = schema.make_case(operation=operation, path_parameters=path)
            response = case.call(base_url=live_server.url, headers=headers)
            if response.status_code != 429:
                continue
            throttled.add(operation.label)
            assert response.headers.get("retry-after") == ["60"], operation.label
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseExceptionGroup as group:
                problem = " / ".join(str(e).strip().splitlines()[0] for e in group.exceptions)
                undocumented.append(f"[{name}] {operation.label} -> 429 {response.text}: {problem}")
    assert {"GET /api/v1/kpm/", "GET /api/v1/graduations/"} <= throttled
    assert not undocumented, "\n".join(undocumented)
