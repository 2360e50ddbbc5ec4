"""The records each object of the matrix points at, the signed-in clients of each role, and one
case asked of the site inside a savepoint that is rolled back, so no case sees another's writes.

Built on the `world` fixture: every record hangs from its KPM (own = kpm_own, same_district =
kpm_same_district, other_district = kpm_other_district, graduated = kpm_graduated; referrals and
follow-ups from a graduated family of each pendamping), or from an officer (own = dinsos_kota,
same_district = a second officer of Kota Kediri, other_district = dinsos_kab), or is a region
(Kota Kediri, one of its kecamatan, Kabupaten Kediri). Every page a role gets is searched for the
households and pendamping it may not see.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from graduasi.models import GraduationType, PipelineRun, Proposal, ProposalStatus
from graduasi.models.pipeline import RunTrigger
from graduasi.pipeline.run import pipeline_run
from kpm.models import (
    Anggota,
    CorrectionField,
    CorrectionRequest,
    EnrolmentProposal,
    ImportJob,
    Kpm,
    KpmStatus,
)
from pemberdayaan.models import FollowUp, Programme, Referral
from pendamping.models import P2k2Group, P2k2Meeting, P2k2Session, Visit, VisitPurpose
from pengguna.api_clients import api_key_issue
from pengguna.models import Role, User
from tests.conftest import (
    DESA_KAB_KEDIRI,
    DESA_KOTA_KEDIRI_2,
    KAB_KEDIRI,
    KOTA_KEDIRI,
    World,
    bearer,
    make_api_client,
    make_kpm,
    make_user,
)
from tests.pemberdayaan import graduate
from tests.security.authz import ADMIN_PAGE_ARGS, NO_OBJECT, Case, Route

MISSING_ID = 2_000_000_000
MISSING_KPM_ID = "TIDAK-ADA-0001"
MISSING_REGION = "35.99"  # a well-formed kabupaten code that no kabupaten has
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
REFERRED_PROGRAMME = "ppse"
IMPORT_FILE = (
    b"kpm_id,no_kk,kode_desa,alamat,desil,tanggal_masuk_pkh,nik,nama,jenis_kelamin,"
    b"tanggal_lahir,hubungan,pengurus\n"
    b"AUTHZ-0001,3571012005100009,35.71.01.1001,Jl. Uji 9,2,2020-01-01,3571015808780009,"
    b"Ibu Uji,P,1978-08-18,istri,1\n"
)
# Route arguments that are not records: the dashboard export asked for one table as CSV, a
# correction asked for a member's name.
FIXED_KWARGS: dict[str, dict[str, str]] = {
    "dasbor:export": {"table": "pendamping", "fmt": "csv"},
    "koreksi:create": {"field": "nama"},
}


# What each role may find in a page (its KPM IDs, pengurus NIKs, pendamping names); any other role
# finding one has been shown a record out of its scope.
CASEWORK = frozenset({"dinsos", "kementerian", "admin"})
WHOLE_PROVINCE = frozenset({"kementerian", "admin"})
AGENCIES = frozenset({"agency_user", "agency_api"})
SECRETS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
    name: (re.compile(pattern, re.IGNORECASE), seen_by)
    for name, pattern, seen_by in [
        ("KDR-OWN", r"KDR-OWN|3571015808780002", CASEWORK | {"pendamping"}),
        ("KDR-SAME", r"KDR-SAME(?!-GRAD)|3571035808780003", CASEWORK),
        ("KAB-OTHER", r"KAB-OTHER(?!-GRAD)|3506015808780004", WHOLE_PROVINCE),
        ("KDR-GRAD", r"KDR-GRAD|3571015808780005", CASEWORK | AGENCIES | {"pendamping"}),
        ("KDR-SAME-GRAD", r"KDR-SAME-GRAD|3571035808780006", CASEWORK | AGENCIES),
        # The agency client's agreement covers Kota Kediri only.
        ("KAB-OTHER-GRAD", r"KAB-OTHER-GRAD|3506015808780007", WHOLE_PROVINCE | {"agency_user"}),
        ("pendamping_kota_lain", r"pendamping_kota_lain", CASEWORK),
        ("pendamping_kab", r"pendamping_kab", WHOLE_PROVINCE),
    ]
}


@dataclass(frozen=True)
class Target:
    """Where an object is: URL arguments, and a query string for the dashboards' areas."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    query: str = ""


@dataclass
class Scene:
    world: World
    targets: dict[str, dict[str, Target]]
    admin_records: dict[str, Any]
    clients: dict[str, Client]
    cookies: dict[str, SimpleCookie]
    errors: dict[Case, str] = field(default_factory=dict)
    leaks: dict[Case, list[str]] = field(default_factory=dict)
    seen: dict[Case, set[str]] = field(default_factory=dict)

    def url(self, route: Route, obj: str) -> str:
        if route.kind == "admin":
            app, _, model = route.key.removeprefix("admin:").partition(".")
            return reverse(f"admin:{obj}" if not model else f"admin:{app}_{model}_{obj}")
        if route.kind == "admin_page":
            args = ADMIN_PAGE_ARGS.get(route.key, {})
            return reverse(route.key, kwargs={k: self.admin_records[v] for k, v in args.items()})
        target = self.targets[route.kind][obj] if obj != NO_OBJECT else Target()
        kwargs = {**FIXED_KWARGS.get(route.key, {}), **target.kwargs}
        url = reverse(route.key, kwargs=kwargs) if route.named else f"/{route.pattern}"
        return f"{url}?{target.query}" if target.query else url

    def client(self, role: str) -> Client:
        """The role's client with its cookies as they were once signed in, before any case."""
        client = self.clients[role]
        client.cookies = copy.deepcopy(self.cookies[role])
        return client

    def answer(self, route: Route, case: Case, *, query: str = "") -> int:
        """The status the site gives this case (with `query` added to its URL); whatever it
        wrote is rolled back."""
        client = self.client(case.role)
        url = self.url(route, case.object)
        if query:
            url += ("&" if "?" in url else "?") + query
        with transaction.atomic():
            response = client.generic(case.method, url, **_body(route, case))
            body = _read(response)
            transaction.set_rollback(True)
        if response.status_code == 200:
            self._look_for_leaks(case, body)
        failure = getattr(response, "exc_info", None)
        if response.status_code >= 500 and failure:
            self.errors[case] = repr(failure[1])
        return response.status_code

    def _look_for_leaks(self, case: Case, body: str) -> None:
        """Names of households and pendamping the role may not see must not be in the page."""
        self.seen[case] = {name for name, (pattern, _) in SECRETS.items() if pattern.search(body)}
        found = sorted(name for name in self.seen[case] if case.role not in SECRETS[name][1])
        if found:
            self.leaks[case] = found


def _read(response: Any) -> str:
    """The body as text. A streamed body is read to its end: the test client then closes the
    response keeping the database connection (closing it here would close the connection)."""
    chunks = response.streaming_content if response.streaming else [response.content]
    return b"".join(chunks).decode("utf-8", errors="replace")


def _body(route: Route, case: Case) -> dict[str, Any]:
    """An empty form for a page, an empty JSON object for the API; a well-formed report for the
    referral outcome, so that only who may report on which referral decides the answer."""
    if case.method == "GET":
        return {}
    if not route.key.startswith("api:"):
        return {"data": "", "content_type": "application/x-www-form-urlencoded"}
    if route.key == "api:referral-outcome":
        return {
            "data": json.dumps({"kind": "diterima"}),
            "content_type": "application/json",
            "HTTP_IDEMPOTENCY_KEY": f"authz-{case.role}-{case.object}",
        }
    return {"data": "{}", "content_type": "application/json"}


# Building the scene ----------------------------------------------------------------------------


def _by_kpm(world: World) -> dict[str, Kpm]:
    return {
        "own": world.kpm_own,
        "same_district": world.kpm_same_district,
        "other_district": world.kpm_other_district,
        "graduated": world.kpm_graduated,
    }


def _proposal(kpm: Kpm, officer: User, *, approved: bool) -> Proposal:
    pendamping = kpm.pendamping
    assert pendamping is not None
    now = timezone.now()
    proposal = Proposal.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        type=GraduationType.MANDIRI,
        status=ProposalStatus.APPROVED if approved else ProposalStatus.SUBMITTED,
        justification="Usaha warung keluarga sudah stabil.",
        created_by=pendamping.user,
        submitted_at=now - timedelta(days=3),
        decided_at=now if approved else None,
        decided_by=officer if approved else None,
    )
    proposal.signed_statement.save("pernyataan.pdf", ContentFile(PDF), save=True)
    return proposal


def _correction(member: Anggota, kpm: Kpm) -> CorrectionRequest:
    """The pengurus' name to be corrected, asked through the KPM's pendamping."""
    assert kpm.pendamping is not None
    return CorrectionRequest.objects.create(
        anggota=member, field=CorrectionField.NAMA, value_now=member.nama,
        value_asked=f"{member.nama} Rahayu", reason="Salah ketik di data awal.",
        requested_by=kpm.pendamping.user,
    )  # fmt: skip


def _visit(kpm: Kpm) -> Visit:
    pendamping = kpm.pendamping
    assert pendamping is not None
    visit = Visit.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        visited_on=timezone.localdate() - timedelta(days=3),
        purposes=[VisitPurpose.DATA_UPDATE],
        created_by=pendamping.user,
    )
    visit.photo.save("rumah.jpg", ContentFile(JPEG), save=True)
    return visit


def _group(kpm: Kpm, name: str) -> tuple[P2k2Group, P2k2Meeting]:
    assert kpm.pendamping is not None
    group = P2k2Group.objects.create(pendamping=kpm.pendamping, name=name, desa_id=kpm.desa_id)
    group.members.set([kpm])
    session = P2k2Session.objects.order_by("module__order", "number").first()
    assert session is not None, "the P2K2 catalogue is seeded by a migration"
    meeting = P2k2Meeting.objects.create(
        group=group, session=session, scheduled_on=timezone.localdate()
    )
    return group, meeting


def _graduated_families(world: World) -> dict[str, tuple[Referral, FollowUp]]:
    """kpm_graduated (own) and a graduated family of each other pendamping, as an approval
    leaves them: referred to one programme, with the 6-month follow-up due."""
    on = timezone.localdate() - timedelta(days=200)
    families = {
        "own": Kpm.objects.get(pk=world.kpm_graduated.pk),
        "same_district": make_kpm(
            "KDR-SAME-GRAD", DESA_KOTA_KEDIRI_2, world.pendamping_kota_other,
            status=KpmStatus.GRADUATED, pengurus_nik="3571035808780006",
        ),
        "other_district": make_kpm(
            "KAB-OTHER-GRAD", DESA_KAB_KEDIRI, world.pendamping_kab,
            status=KpmStatus.GRADUATED, pengurus_nik="3506015808780007",
        ),
    }  # fmt: skip
    world.kpm_graduated = families["own"]
    found = {}
    for obj, kpm in families.items():
        officer = world.dinsos_kab if obj == "other_district" else world.dinsos_kota
        referrals, follow_ups = graduate(kpm, on, actor=officer, codes=(REFERRED_PROGRAMME,))
        found[obj] = (referrals[0], follow_ups[0])
    return found


def _kpm_records(world: World) -> dict[str, dict[str, Target]]:
    """Per kind hanging from a KPM, where each object is."""
    targets: dict[str, dict[str, Target]] = {kind: {} for kind in KPM_KINDS}
    for obj, (referral, follow_up) in _graduated_families(world).items():
        targets["referral"][obj] = Target({"pk": referral.pk})
        targets["follow_up"][obj] = Target({"pk": follow_up.pk})
    for obj, kpm in _by_kpm(world).items():
        officer = world.dinsos_kab if obj == "other_district" else world.dinsos_kota
        group, meeting = _group(kpm, f"Kelompok {obj}")
        pengurus = Anggota.objects.get(kpm=kpm, is_pengurus=True)
        pks = {
            "anggota": pengurus.pk,
            "visit": _visit(kpm).pk,
            "proposal": _proposal(kpm, officer, approved=obj == "graduated").pk,
            "correction": _correction(pengurus, kpm).pk,
            "p2k2_group": group.pk,
            "p2k2_meeting": meeting.pk,
        }
        targets["kpm"][obj] = Target({"kpm_id": kpm.kpm_id})
        for kind, pk in pks.items():
            targets[kind][obj] = Target({"pk": pk})
    targets["kpm"]["nonexistent"] = Target({"kpm_id": MISSING_KPM_ID})
    for kind in KPM_KINDS - {"kpm"}:
        targets[kind]["nonexistent"] = Target({"pk": MISSING_ID})
    return targets


KPM_KINDS = frozenset(
    {
        "kpm",
        "anggota",
        "visit",
        "proposal",
        "correction",
        "referral",
        "follow_up",
        "p2k2_group",
        "p2k2_meeting",
    }
)


def _officer_records(world: World) -> dict[str, dict[str, Target]]:
    """Import jobs and enrolment proposals: each officer's own, per kabupaten."""
    other_officer = make_user("dinsos_kota_lain", Role.DINSOS, KOTA_KEDIRI)
    officers = {
        "own": (world.dinsos_kota, KOTA_KEDIRI),
        "same_district": (other_officer, KOTA_KEDIRI),
        "other_district": (world.dinsos_kab, KAB_KEDIRI),
    }
    jobs, enrolments = {}, {}
    for obj, (officer, kabupaten) in officers.items():
        job = ImportJob(uploaded_by=officer, original_name="authz.csv", row_count=1)
        job.file.save("authz.csv", ContentFile(IMPORT_FILE), save=True)
        enrolment = EnrolmentProposal.objects.create(kabupaten_id=kabupaten, proposed_by=officer)
        jobs[obj], enrolments[obj] = Target({"pk": job.pk}), Target({"pk": enrolment.pk})
    jobs["nonexistent"] = enrolments["nonexistent"] = Target({"pk": MISSING_ID})
    return {"import_job": jobs, "enrolment_proposal": enrolments}


def _area_records(world: World) -> dict[str, dict[str, Target]]:
    """Regions and pendamping as the dashboards name them, and the nightly run's record."""
    regions = {
        "own": KOTA_KEDIRI,
        "same_district": DESA_KOTA_KEDIRI_2[:8],  # a kecamatan of Kota Kediri
        "other_district": KAB_KEDIRI,
        "nonexistent": MISSING_REGION,
    }
    pendamping = {
        "own": Target({"pk": world.pendamping_kota.pk}),
        "same_district": Target({"pk": world.pendamping_kota_other.pk}),
        "other_district": Target({"pk": world.pendamping_kab.pk}),
        "nonexistent": Target({"pk": MISSING_ID}),
    }
    run = pipeline_run(on=timezone.localdate(), trigger=RunTrigger.COMMAND, force=True)
    assert isinstance(run, PipelineRun)
    return {
        "region": {obj: Target({"code": code}) for obj, code in regions.items()},
        "region_query": {obj: Target(query=f"wilayah={code}") for obj, code in regions.items()},
        "pendamping": pendamping,
        "run": {"own": Target({"pk": run.pk}), "nonexistent": Target({"pk": MISSING_ID})},
    }


def _admin_records(world: World, client_pk: int, client_key: str) -> dict[str, Any]:
    """What the project's own admin pages name (authz.ADMIN_PAGE_ARGS): the agency client and
    its key, an officer's own key, a TOTP device, an officer."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer_key, _raw = api_key_issue(by=None, user=world.dinsos_kota)
    device = TOTPDevice.objects.create(user=world.admin, name="authz", confirmed=True)
    return {
        "api_client": client_pk,
        "api_client_key": client_key.partition(".")[0],
        "officer_key": officer_key.prefix,
        "totp_device": device.pk,
        "officer": world.dinsos_kota.pk,
    }


def _clients(world: World, raw_key: str) -> dict[str, Client]:
    users: dict[str, User | None] = {
        "anonymous": None,
        "pendamping": world.pendamping_kota.user,
        "dinsos": world.dinsos_kota,
        "kementerian": world.kementerian_jatim,
        "kementerian_jabar": world.kementerian_jabar,
        "admin": world.admin,
        "agency_user": world.agency,
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    headers: dict[str, Any] = bearer(raw_key)
    clients["agency_api"] = Client(raise_request_exception=False, **headers)
    return clients


def scene_build(world: World) -> Scene:
    """Every record the matrix points at, and a signed-in client per role."""
    programme = Programme.objects.get(code=REFERRED_PROGRAMME)
    api_client, raw_key = make_api_client(
        "PNM Mekaar", programmes=(programme,), regions=(KOTA_KEDIRI,), rate_per_minute=1_000_000
    )
    targets = {**_kpm_records(world), **_officer_records(world), **_area_records(world)}
    clients = _clients(world, raw_key)
    cookies = {role: copy.deepcopy(client.cookies) for role, client in clients.items()}
    admin_records = _admin_records(world, api_client.pk, raw_key)
    return Scene(world, targets, admin_records, clients, cookies)
