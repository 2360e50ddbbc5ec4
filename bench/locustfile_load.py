"""The people of bench_load, for locust: pendamping at work on their caseload, and Dinsos officers
deciding graduation proposals. Each simulated person signs in through the real login form as a
different account (CSRF token included, and the two-factor code when the site asks for one) and
then clicks through the same pages and forms a browser would.

bench_load starts locust on this file in its own process (`locust -f bench/locustfile_load.py
--headless PendampingUser`) and passes, in the environment:
- PKH_LOAD_ACCOUNTS: a JSON file, a list of {"username", "password", "otp_key"}; person n of the
  run takes account n, so every person is someone else;
- PKH_LOAD_COUNTS: a JSON file this module writes when the run stops, with what the server
  answered that locust's own statistics cannot tell apart (visits saved, decisions taken,
  decisions refused because a colleague had just decided);
- PKH_LOAD_SAMPLES: a CSV file of every request (start, name, milliseconds, success), so that
  the bench can take the percentiles of the time when everyone is signed in, exactly;
- PKH_LOAD_USERS and PKH_LOAD_SECONDS: the run ends that many seconds after the last of that
  many people has signed in (locust's --run-time is only the upper bound).

Nothing here imports Django's settings: django_otp.oath is plain Python.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from django_otp.oath import totp
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

ACCOUNTS: list[dict[str, Any]] = json.loads(Path(os.environ["PKH_LOAD_ACCOUNTS"]).read_text())
COUNTS = Path(os.environ["PKH_LOAD_COUNTS"])
SAMPLES = Path(os.environ["PKH_LOAD_SAMPLES"])
KEPT: list[tuple[float, str, float, int]] = []
NEXT_ACCOUNT = itertools.count()
SIGNED_IN = itertools.count(1)
CROWD = int(os.environ.get("PKH_LOAD_USERS", "0"))
WINDOW = float(os.environ.get("PKH_LOAD_SECONDS", "0"))
TALLY: dict[str, int] = {
    "visits_saved": 0, "visits_refused": 0, "decided": 0, "approved": 0, "returned": 0,
    "conflicts": 0, "otp_logins": 0, "queue_empty": 0,
}  # fmt: skip

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
MEMBER_COUNT = re.compile(r'name="member_count" value="(\d+)"')
KPM_LINK = re.compile(r'href="/kpm/(\d{4}-\d{7})/"')  # seed_demo's ids: kabupaten-serial
PROPOSAL_LINK = re.compile(r'href="/usulan/(\d+)/"')
LAST_PAGE = re.compile(r"halaman=(\d+)")
ALERT = re.compile(r'role="alert">([^<]+)<')
OTP_PATH = "/masuk/otp/"
# Parts of names common in Jawa Timur, as a pendamping would type them into the search box.
NAME_PARTS = ("siti", "sri", "wati", "yanto", "ningsih", "rahayu", "budi", "nur", "dewi", "eko")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@events.request.add_listener
def _keep(
    name: str, response_time: float, exception: Any = None, start_time: float | None = None,
    **_kwargs: Any,
) -> None:  # fmt: skip
    started = start_time if start_time is not None else time.time() - response_time / 1000
    KEPT.append((started, name, response_time, int(exception is None)))


@events.test_stop.add_listener
@events.quitting.add_listener
def _write_counts(**_kwargs: Any) -> None:
    COUNTS.write_text(json.dumps(TALLY))
    with SAMPLES.open("w", newline="") as handle:
        csv.writer(handle).writerows(KEPT)


def _token(pattern: re.Pattern[str], html: str | None) -> str:
    found = pattern.search(html or "")
    return found.group(1) if found else ""


def _jakarta_today() -> str:
    """The server's today (Asia/Jakarta, UTC+7 all year), which a visit may not pass."""
    return (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()


class Person(FastHttpUser):
    """Someone who signs in through the login form on start, as the next unused account."""

    abstract = True

    def on_start(self) -> None:
        self.account = ACCOUNTS[next(NEXT_ACCOUNT) % len(ACCOUNTS)]
        page = self.client.get("/masuk/", name="GET /masuk/ (login form)")
        data = {
            "csrfmiddlewaretoken": _token(CSRF, page.text),
            "username": self.account["username"],
            "password": self.account["password"],
            "next": "",
        }
        with self.client.post(
            "/masuk/", data=urlencode(data), headers=FORM, allow_redirects=False,
            name="POST /masuk/ (login)", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 302:
                answer.failure(f"login refused: HTTP {answer.status_code}")
                raise StopUser
            location = urlsplit(answer.headers.get("Location") or "/").path
        if location.startswith(OTP_PATH):
            self._second_factor(location)
        if next(SIGNED_IN) == CROWD and WINDOW:  # the last one in: the measured time begins
            gevent.spawn_later(WINDOW + 1, self.environment.runner.quit)

    def _second_factor(self, path: str) -> None:
        """The two-factor step: the current TOTP code of the account's device."""
        key = self.account.get("otp_key")
        page = self.client.get(path, name="GET /masuk/otp/ (code form)")
        data = {
            "csrfmiddlewaretoken": _token(CSRF, page.text),
            "otp_token": f"{totp(bytes.fromhex(key), step=30, digits=6):06d}" if key else "",
        }
        with self.client.post(
            path, data=urlencode(data), headers=FORM, allow_redirects=False,
            name="POST /masuk/otp/ (code)", catch_response=True,
        ) as answer:  # fmt: skip
            went = urlsplit(answer.headers.get("Location") or "").path
            if answer.status_code != 302 or went.startswith(OTP_PATH):
                answer.failure(f"two-factor code refused: HTTP {answer.status_code}")
                raise StopUser
        TALLY["otp_logins"] += 1


class PendampingUser(Person):
    """A pendamping on their caseload: the list and its pages, a search, a family's profile,
    and now and then a home visit: the list of active families due a visit, one of them, the
    visit form, saved (one in four with an economic assessment). Two to eight seconds between
    clicks: quicker than someone reading the page on a phone, so a hundred of them are a busy
    morning, not a quiet one."""

    wait_time = between(2, 8)

    def on_start(self) -> None:
        super().on_start()
        self.kpm_ids: list[str] = []
        self.pages = 1
        self._caseload_page(1)

    def _caseload_page(self, number: int) -> None:
        url = "/kpm/" if number == 1 else f"/kpm/?halaman={number}"
        page = self.client.get(url, name="GET /kpm/?halaman=[n] (caseload)")
        found = KPM_LINK.findall(page.text or "")
        self.kpm_ids = list(dict.fromkeys(self.kpm_ids + found))
        self.pages = max([self.pages, *map(int, LAST_PAGE.findall(page.text or ""))])

    def _some_kpm(self) -> str | None:
        return random.choice(self.kpm_ids) if self.kpm_ids else None

    @task(3)
    def browse(self) -> None:
        self._caseload_page(random.randint(1, self.pages))

    @task(1)
    def search(self) -> None:
        kpm_id = self._some_kpm()
        text = kpm_id[-4:] if kpm_id and random.random() < 0.5 else random.choice(NAME_PARTS)
        self.client.get(f"/kpm/?{urlencode({'q': text})}", name="GET /kpm/?q=[text] (search)")

    @task(3)
    def profile(self) -> None:
        kpm_id = self._some_kpm()
        if kpm_id:
            self.client.get(f"/kpm/{kpm_id}/", name="GET /kpm/[kpm_id]/ (profile)")

    @task(1)
    def visit(self) -> None:
        due = self.client.get(
            "/kpm/?status=aktif&kunjungan=perlu", name="GET /kpm/?kunjungan=perlu (visits due)"
        )
        choices = KPM_LINK.findall(due.text or "")
        if not choices:
            return
        url = f"/kunjungan/{random.choice(choices)}/baru/"
        form = self.client.get(url, name="GET /kunjungan/[kpm_id]/baru/ (visit form)").text or ""
        data = {
            "csrfmiddlewaretoken": _token(CSRF, form),
            "idempotency_key": _token(IDEMPOTENCY, form),
            "visited_on": _jakarta_today(),
            "purposes": random.sample(["pemutakhiran_data", "verifikasi_komitmen"], k=1),
            "notes": "Kunjungan rumah; keluarga ada di rumah.",
            "member_count": _token(MEMBER_COUNT, form),
        }
        if random.random() < 0.25:
            data |= {"household_income": f"{random.randint(8, 40) * 100_000}",
                     "stable_income": random.choice(["ya", "tidak"]),
                     "business_status": "berjalan"}  # fmt: skip
        with self.client.post(
            url, data=urlencode(data, doseq=True), headers=FORM, allow_redirects=False,
            name="POST /kunjungan/[kpm_id]/baru/ (log visit)", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 302:
                TALLY["visits_saved"] += 1
            else:
                TALLY["visits_refused"] += 1
                why = _token(ALERT, answer.text) or f"HTTP {answer.status_code}"
                answer.failure(f"visit not saved: {why}")


class OfficerUser(Person):
    """A Dinsos officer working through the queue of proposals: opens the queue, takes one of
    the oldest (a colleague of the same kabupaten may take the same one at the same moment),
    reads it and approves it, or returns it with a note one time in five. A proposal decided by
    the colleague first answers 409 with who decided it: the refusal the site promises, not an
    error."""

    wait_time = between(1, 3)

    @task
    def decide(self) -> None:
        queue = self.client.get("/usulan/", name="GET /usulan/ (queue)").text or ""
        waiting = PROPOSAL_LINK.findall(queue)
        if not waiting:
            TALLY["queue_empty"] += 1
            time.sleep(1)
            return
        pk = random.choice(waiting[:3])
        detail = self.client.get(f"/usulan/{pk}/", name="GET /usulan/[pk]/ (proposal)").text
        approve = random.random() < 0.8
        action = "setujui" if approve else "kembalikan"
        note = "Bukti lengkap." if approve else "Lengkapi keterangan usaha keluarga."
        data = {"csrfmiddlewaretoken": _token(CSRF, detail or ""), "catatan": note}
        with self.client.post(
            f"/usulan/{pk}/{action}/", data=urlencode(data), headers=FORM, allow_redirects=False,
            name="POST /usulan/[pk]/setujui|kembalikan/ (decide)", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 302:
                TALLY["decided"] += 1
                TALLY["approved" if approve else "returned"] += 1
            elif answer.status_code == 409:
                TALLY["conflicts"] += 1
                answer.success()
            else:
                why = _token(ALERT, answer.text) or f"HTTP {answer.status_code}"
                answer.failure(f"decision not taken: {why}")
