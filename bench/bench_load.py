"""Many people at once on a real server: gunicorn (config.wsgi, WORKERS sync workers, DEBUG off)
on loopback over this run's scratch database, driven by locust headless in its own process
(bench/locustfile_load.py), each simulated person signed in as a different account through the
real login form and posting the real forms with their CSRF tokens.

a) PENDAMPING pendamping, arriving SPAWN_RATE a second, then --load-seconds (180 by default)
   with all of them signed in: caseload pages, searches, KPM profiles, the list of visits due
   and home visits logged through the visit form, one in four with an economic assessment.
   Zero errors expected, and as many visits in the database as visit POSTs answered "saved".
   Baseline, same run: the same scenario with BASELINE_PENDAMPING pendamping for a third of the
   time, so the growth of p95 with load shows.
b) OFFICERS Dinsos officers, two for each of the ten kabupaten, deciding the queue's proposals
   at the same time (approve, or return with a note) for half of --load-seconds. Zero errors,
   and no proposal decided twice: when both officers of a kabupaten take the same proposal, one
   decision is kept and the other officer is told (409). Baseline, same run: two more officers
   of the first kabupaten for a sixth of the time (fresh accounts: a TOTP code is accepted
   once). Officers of role dinsos give a two-factor code after the password when the site asks:
   each has a confirmed TOTP device whose key the simulated person knows.

Fixture: seed_demo --kpm SEED_KPM over ten kabupaten of Jawa Timur of about 300 desa each (one
pendamping per about 300 KPM: the hundred pendamping accounts), the nightly assessment, and
PROPOSALS_PER_KABUPATEN proposals submitted through the services in each kabupaten.

Times are what locust measured from the client side over loopback, the server's queueing
included; percentiles are exact (nearest rank) over every request started in the measured
window, the time with everyone signed in; sign-in is measured apart. Locust, gunicorn and
PostgreSQL share the machine, whose load average is recorded before and after each run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bench.common import Measurement

if TYPE_CHECKING:
    from argparse import Namespace

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile_load.py"
# Ten kabupaten of Jawa Timur with 300-370 desa each: about ten pendamping apiece at SEED_KPM.
KABUPATEN = (
    "35.02", "35.06", "35.13", "35.14", "35.15", "35.16", "35.17", "35.23", "35.25", "35.29",
)  # fmt: skip
SEED_KPM = 31_000
PENDAMPING, BASELINE_PENDAMPING = 100, 10
OFFICERS_PER_KABUPATEN, BASELINE_OFFICERS = 2, 2
OFFICERS = OFFICERS_PER_KABUPATEN * len(KABUPATEN)
PROPOSALS_PER_KABUPATEN = 100
WORKERS = 4  # gunicorn sync workers: twice the cores of the machine the results were taken on
SPAWN_RATE = 5  # people signing in per second while a run starts
PASSWORD = "beban-uji-2026"


SIGN_IN = ("POST /masuk/ (login)", "POST /masuk/otp/ (code)")
SIGN_IN_PAGES = (*SIGN_IN, "GET /masuk/ (login form)", "GET /masuk/otp/ (code form)")
SIGN_IN_MARGIN = 60  # seconds the run may go on past the last arrival before everyone is in


@dataclass(frozen=True)
class Sample:
    """One request as locust saw it: when it started (epoch seconds), its name, how long."""

    started: float
    name: str
    ms: float
    ok: bool


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@dataclass
class Swarm:
    """One locust run: every request it made, the errors, what the simulated people counted.
    Its window is the `seconds` after the last person finished signing in: the times of a
    full crowd at work, apart from the crowd arriving (measured on its own)."""

    users: int
    seconds: int
    samples: list[Sample]
    exceptions: int
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average, before, after

    @cached_property
    def window(self) -> tuple[float, float]:
        ends = [s.started + s.ms / 1000 for s in self.samples if s.name in SIGN_IN]
        first = max(ends) if ends else min(s.started for s in self.samples)
        last = max(s.started for s in self.samples)
        return first, min(last, first + self.seconds)

    @property
    def window_seconds(self) -> float:
        return self.window[1] - self.window[0]

    def times(self, name: str | None = None) -> list[float]:
        """Milliseconds of the window's requests (of one endpoint, or all but signing in)."""
        first, last = self.window
        return [
            s.ms for s in self.samples
            if first <= s.started <= last
            and (s.name == name if name else s.name not in SIGN_IN_PAGES)
        ]  # fmt: skip

    def sign_ins(self) -> list[float]:
        return [s.ms for s in self.samples if s.name == SIGN_IN[0]]

    @property
    def failures(self) -> int:
        return sum(not s.ok for s in self.samples)

    @property
    def errors(self) -> int:
        return self.failures + self.exceptions


def say(text: str) -> None:
    print(f"   {text}", flush=True)


# Fixture -------------------------------------------------------------------------------------


def _account(user: Any, otp_key: str = "") -> dict[str, str]:
    return {"username": user.username, "password": PASSWORD, "otp_key": otp_key}


def _pendamping_accounts() -> list[dict[str, str]]:
    """The first PENDAMPING pendamping with a caseload, each given the bench's password."""
    from django.contrib.auth.hashers import make_password

    from pengguna.models import Role, User

    users = list(
        User.objects.filter(role=Role.PENDAMPING, pendamping_profile__kpm__isnull=False)
        .distinct()
        .order_by("username")[:PENDAMPING]
    )
    if len(users) < PENDAMPING:
        raise RuntimeError(f"seed_demo made {len(users)} pendamping with KPM, not {PENDAMPING}")
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=make_password(PASSWORD))
    return [_account(user) for user in users]


def _officer_accounts() -> list[dict[str, str]]:
    """OFFICERS_PER_KABUPATEN Dinsos officers per kabupaten, listed kabupaten by kabupaten
    in turns (so the first n of the list cover as many kabupaten as they can), each with a
    confirmed TOTP device of a known key; then BASELINE_OFFICERS more of the first kabupaten
    for the baseline, so no account signs in twice with the same code."""
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pengguna.models import Role, User

    password = make_password(PASSWORD)
    accounts = []
    plan = [(n, kab) for n in range(OFFICERS_PER_KABUPATEN) for kab in KABUPATEN]
    plan += [(OFFICERS_PER_KABUPATEN + n, KABUPATEN[0]) for n in range(BASELINE_OFFICERS)]
    for n, kab in plan:
        username = f"beban.dinsos.{kab}.{n + 1}"
        user = User.objects.create(
            username=username, password=password, role=Role.DINSOS, scope_region_code=kab,
            first_name="Petugas", last_name=f"Dinsos {kab} {n + 1}",
        )  # fmt: skip
        key = hashlib.sha1(username.encode()).hexdigest()  # 20 bytes, as TOTPDevice makes them
        TOTPDevice.objects.create(user=user, name="bench", key=key, confirmed=True)
        accounts.append(_account(user, key))
    return accounts


def _proposals() -> int:
    """Up to PROPOSALS_PER_KABUPATEN submitted proposals in each kabupaten, through the
    services, for the KPM the assessment says may graduate (alamiah or sejahtera)."""
    from graduasi.models import CANDIDATE_STATUSES, KpmAssessment
    from kpm.models import KpmStatus

    made = 0
    for kab in KABUPATEN:
        candidates = KpmAssessment.objects.filter(
            status__in=CANDIDATE_STATUSES, kpm__kabupaten_code=kab,
            kpm__status=KpmStatus.ACTIVE, kpm__pendamping__isnull=False,
        ).order_by("kpm_id")  # fmt: skip
        kab_made = 0
        for kpm_pk, status in list(candidates.values_list("kpm_id", "status")):
            kab_made += _propose(kpm_pk, status)
            if kab_made == PROPOSALS_PER_KABUPATEN:
                break
        made += kab_made
    return made


def _propose(kpm_pk: int, status: str) -> bool:
    """The KPM's pendamping drafts and submits its proposal; False when refused (the evidence
    for sejahtera too old, say)."""
    from config.errors import DomainError
    from graduasi.services.proposals import proposal_draft, proposal_submit
    from kpm.models import Kpm

    kpm = Kpm.objects.select_related("pendamping__user").get(pk=kpm_pk)
    assert kpm.pendamping is not None  # the candidates have one
    user = kpm.pendamping.user
    try:
        proposal = proposal_draft(
            kpm=kpm, actor=user, type=status, programmes=[], consent_on=None,
            justification="Usulan untuk uji beban.",
        )  # fmt: skip
        proposal_submit(proposal=proposal, actor=user)
    except DomainError:
        return False
    return True


def fixture() -> tuple[list[dict[str, str]], list[dict[str, str]], str]:
    """Seed, assess and propose; the pendamping and officer accounts and a line saying what."""
    from django.core.management import call_command

    from kpm.models import Kpm
    from pendamping.models import Pendamping

    started = time.perf_counter()
    call_command("load_wilayah", verbosity=0)
    call_command("seed_demo", "--seed", "7", "--kpm", str(SEED_KPM), "--kabupaten", *KABUPATEN,
                 verbosity=0)  # fmt: skip
    call_command("assess", verbosity=0)
    pendamping = _pendamping_accounts()
    officers = _officer_accounts()
    proposals = _proposals()
    line = (
        f"{Kpm.objects.count():,} KPM in {len(KABUPATEN)} kabupaten, "
        f"{Pendamping.objects.count()} pendamping, {proposals:,} proposals waiting"
    )
    say(f"fixture: {line} ({time.perf_counter() - started:.0f} s)")
    return pendamping, officers, line


# Server and load generator -------------------------------------------------------------------


def database_url() -> str:
    """The scratch database Django points at, as a DATABASE_URL for the server's processes
    (a Unix socket directory, as the embedded server has, is written percent-encoded)."""
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = quote(s.get("HOST") or "", safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment() -> dict[str, str]:
    """Production settings (DEBUG off, a random secret) minus HTTPS, which loopback lacks."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(), DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_COOKIES="false",
        DJANGO_STATIC_MANIFEST="false", LOG_LEVEL="WARNING",
    )  # fmt: skip
    return env


@contextmanager
def gunicorn(workdir: Path) -> Iterator[str]:
    """gunicorn serving config.wsgi on a free loopback port until the block ends; its URL."""
    port = _free_port()
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--timeout", "120", "--graceful-timeout", "10"],
        cwd=ROOT, env=server_environment(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, workdir)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / "gunicorn.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"{url}/masuk/", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer at {url} within 60 s")


def swarm(
    host: str, user_class: str, accounts: list[dict[str, str]], users: int, seconds: int,
    workdir: Path,
) -> Swarm:  # fmt: skip
    """Run locust headless: `users` people of `user_class`, each on its own account, arriving
    SPAWN_RATE a second, then `seconds` more with everyone signed in."""
    tag = f"{user_class}-{users}"
    files = {kind: workdir / f"{tag}.{kind}" for kind in ("accounts.json", "counts.json", "csv")}
    files["accounts.json"].write_text(json.dumps(accounts[:users]))
    env = dict(
        os.environ, PKH_LOAD_ACCOUNTS=str(files["accounts.json"]),
        PKH_LOAD_COUNTS=str(files["counts.json"]), PKH_LOAD_SAMPLES=str(files["csv"]),
        PKH_LOAD_USERS=str(users), PKH_LOAD_SECONDS=str(seconds),
    )  # fmt: skip
    run_time = seconds + math.ceil(users / SPAWN_RATE) + SIGN_IN_MARGIN
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
        "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{run_time}s",
        "--stop-timeout", "30", "--csv", str(workdir / tag), "--only-summary",
        "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    say(
        f"{users} x {user_class}: {seconds} s with everyone signed in (at most {run_time} s in all)"
    )
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if not files["csv"].exists():
        raise RuntimeError(f"locust kept no requests:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    with files["csv"].open() as handle:
        samples = [Sample(float(a), b, float(c), d == "1") for a, b, c, d in csv.reader(handle)]
    result = Swarm(
        users=users, seconds=seconds, samples=samples, exceptions=_count(workdir, tag),
        counts=json.loads(files["counts.json"].read_text()),
        notes=_failures(workdir, tag), load=(load_before, os.getloadavg()[0]),
    )  # fmt: skip
    say(
        f"{len(samples):,} requests, {result.errors} errors; window {result.window_seconds:.0f} s,"
        f" p95 {percentile(result.times(), 95):.0f} ms"
        + "".join(f"; {n}" for n in result.notes[:3])
    )
    return result


def _count(workdir: Path, tag: str) -> int:
    """Exceptions raised inside the simulated people (a bug there, or a page not as expected)."""
    with (workdir / f"{tag}_exceptions.csv").open() as handle:
        return sum(int(row["Count"]) for row in csv.DictReader(handle))


def _failures(workdir: Path, tag: str) -> list[str]:
    with (workdir / f"{tag}_failures.csv").open() as handle:
        return [f"{r['Occurrences']}x {r['Name']}: {r['Error']}" for r in csv.DictReader(handle)]


# Measurements --------------------------------------------------------------------------------

PENDAMPING_ENDPOINTS = (
    ("GET /kpm/?halaman=[n] (caseload)", "caseload page"),
    ("GET /kpm/?q=[text] (search)", "caseload search"),
    ("GET /kpm/[kpm_id]/ (profile)", "KPM profile"),
    ("GET /kpm/?kunjungan=perlu (visits due)", "list of visits due"),
    ("GET /kunjungan/[kpm_id]/baru/ (visit form)", "visit form"),
    ("POST /kunjungan/[kpm_id]/baru/ (log visit)", "visit saved (POST)"),
)
OFFICER_ENDPOINTS = (
    ("GET /usulan/ (queue)", "proposal queue"),
    ("GET /usulan/[pk]/ (proposal)", "proposal page"),
    ("POST /usulan/[pk]/setujui|kembalikan/ (decide)", "decision (POST)"),
)


def _spread(times: list[float]) -> str:
    return f"p50 {percentile(times, 50):.0f} ms, p99 {percentile(times, 99):.0f} ms"


def _latency(run: Swarm, base: Swarm, name: str, label: str, who: str) -> Measurement:
    times, base_times = run.times(name), base.times(name)
    return Measurement(
        name=f"{label}, {run.users} {who}, p95", value=percentile(times, 95), unit="ms",
        baseline=percentile(base_times, 95), baseline_label=f"{base.users} {who}",
        note=(
            f"{_spread(times)}; {len(times):,} requests "
            f"(baseline {_spread(base_times)}, {len(base_times):,} requests)"
        ),
    )  # fmt: skip


def _overall(run: Swarm, base: Swarm, who: str, fixture_line: str) -> Measurement:
    times, base_times = run.times(), base.times()
    return Measurement(
        name=f"{run.users} {who}, {run.window_seconds:.0f} s all signed in, every request, p95",
        value=percentile(times, 95), unit="ms", baseline=percentile(base_times, 95),
        baseline_label=f"{base.users} {who}, {base.window_seconds:.0f} s", target="0 errors",
        note=(
            f"{run.errors} errors in {len(run.samples):,} requests, sign-in included "
            f"({'met' if run.errors == 0 else 'not met'}; baseline {base.errors}); window: "
            f"{len(times):,} requests, {len(times) / max(run.window_seconds, 1):.1f}/s, "
            f"{_spread(times)} (baseline {len(base_times) / max(base.window_seconds, 1):.1f}/s, "
            f"{_spread(base_times)}); load average {run.load[0]:.1f} before, "
            f"{run.load[1]:.1f} after (baseline {base.load[0]:.1f}); {fixture_line}"
            + "".join(f"; {n}" for n in run.notes[:3])
        ),
    )  # fmt: skip


def _sign_in(run: Swarm, base: Swarm, who: str) -> Measurement:
    times, base_times = run.sign_ins(), base.sign_ins()
    otp = run.counts.get("otp_logins", 0)
    return Measurement(
        name=f"sign-in (login form POST), {run.users} {who} arriving {SPAWN_RATE} a second, p95",
        value=percentile(times, 95), unit="ms", baseline=percentile(base_times, 95),
        baseline_label=f"{base.users} {who}",
        note=(
            f"{_spread(times)}; {len(times)} sign-ins, each hashing the password once "
            "(PBKDF2, Django's 1,000,000 iterations); "
            + (f"{otp} then gave a two-factor code" if otp else "no two-factor step was asked")
        ),
    )  # fmt: skip


def _visits_written(runs: list[tuple[Swarm, int]]) -> Measurement:
    saved = sum(run.counts.get("visits_saved", 0) for run, _ in runs)
    written = sum(rows for _, rows in runs)
    return Measurement(
        name="visits written during the pendamping runs", value=written, unit="rows",
        target="= visit POSTs answered saved",
        note=(
            f"{saved:,} POSTs answered saved ({'met' if saved == written else 'not met'}); "
            + ", ".join(f"{run.users} pendamping: {rows:,}" for run, rows in runs)
        ),
    )  # fmt: skip


def _decided_once(runs: list[Swarm], twice: int, decided: int) -> Measurement:
    posted = sum(run.counts.get("decided", 0) for run in runs)
    conflicts = sum(run.counts.get("conflicts", 0) for run in runs)
    return Measurement(
        name="proposals decided more than once (both officer runs)", value=twice,
        unit="proposals", target="0",
        note=(
            f"{'met' if twice == 0 else 'not met'}; {decided:,} proposals decided in the "
            f"database, {posted:,} decision POSTs answered decided "
            f"({'equal' if posted == decided else 'not equal'}), {conflicts:,} answered 409 "
            "(a colleague had just decided it)"
        ),
    )  # fmt: skip


# The decisions recorded per proposal: each is one audit row moving it out of "diajukan".
DECISIONS_SQL = """
SELECT count(*) FILTER (WHERE n > 1), count(*) FROM (
    SELECT object_id, count(*) AS n FROM audit_auditevent
    WHERE object_type = %s AND changes -> 'status' ->> 0 = 'diajukan' AND occurred_at >= %s
    GROUP BY object_id) d
"""


def _decisions_since(started: Any) -> tuple[int, int]:
    from django.db import connection

    from graduasi.models import Proposal

    with connection.cursor() as cur:
        cur.execute(DECISIONS_SQL, [Proposal._meta.label_lower, started])
        twice, decided = cur.fetchone()
    return int(twice), int(decided)


def _visits() -> int:
    from pendamping.models import Visit

    return Visit.objects.count()


def run(options: Namespace) -> list[Measurement]:
    from django.utils import timezone

    seconds = int(getattr(options, "load_seconds", 180))
    pendamping, officers, fixture_line = fixture()
    with tempfile.TemporaryDirectory(prefix="pkh-load-") as folder, gunicorn(Path(folder)) as host:
        workdir = Path(folder)
        pendamping_runs = []
        for users, length in ((BASELINE_PENDAMPING, max(30, seconds // 3)), (PENDAMPING, seconds)):
            before = _visits()
            result = swarm(host, "PendampingUser", pendamping, users, length, workdir)
            pendamping_runs.append((result, _visits() - before))
        started = timezone.now()
        officer_runs = [
            swarm(host, "OfficerUser", officers[OFFICERS:], BASELINE_OFFICERS,
                  max(20, seconds // 6), workdir),
            swarm(host, "OfficerUser", officers, OFFICERS, max(30, seconds // 2), workdir),
        ]  # fmt: skip
        twice, decided = _decisions_since(started)
    (base, _), (many, _) = pendamping_runs
    results = [_overall(many, base, "pendamping", fixture_line)]
    results += [_latency(many, base, n, label, "pendamping") for n, label in PENDAMPING_ENDPOINTS]
    results += [_sign_in(many, base, "pendamping"), _visits_written(pendamping_runs)]
    base, many = officer_runs
    results.append(_overall(many, base, "Dinsos officers", fixture_line))
    results += [_latency(many, base, n, label, "Dinsos officers") for n, label in OFFICER_ENDPOINTS]
    results += [
        _sign_in(many, base, "Dinsos officers"),
        _decided_once(officer_runs, twice, decided),
    ]
    return results
