"""POST /api/v1/referrals/{id}/outcome: an agency client reports an outcome once per
Idempotency-Key (201, then 200 with the same body on a replay); a referral it may not report on
reads as unknown; every refusal is {"code", "detail"} with a stable code."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import Programme, Referral, ReferralOutcome
from tests.conftest import World, bearer, live_db, make_api_client
from tests.pemberdayaan import graduate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
CODES = ("ppse", "pnm-mekaar", "pelatihan-kemenkopukm")


def url(referral: Referral | int) -> str:
    pk = referral if isinstance(referral, int) else referral.pk
    return reverse("api:referral-outcome", kwargs={"pk": pk})


def post(referral: Referral | int, body: Any, *, raw: str | None, key: str | None = "k-1"):
    headers: dict[str, Any] = bearer(raw) if raw else {}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(
        url(referral), data=json.dumps(body), content_type="application/json", **headers
    )


def is_error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"code", "detail", "fields"}
    return body


@pytest.fixture
def referrals(world: World) -> dict[str, Referral]:
    made, _ = graduate(
        world.kpm_own, TODAY - timedelta(days=40), actor=world.dinsos_kota, codes=CODES
    )
    return {r.programme.code: r for r in made}


@pytest.fixture
def raw(referrals) -> str:
    """The key of PNM's client, which reports on all three programmes, nationwide."""
    _client, key = make_api_client(
        "PNM Mekaar", programmes=tuple(Programme.objects.filter(code__in=CODES))
    )
    return key


# Success and replay ---------------------------------------------------------------------------


def test_an_outcome_is_recorded_then_a_replay_answers_the_same_without_change(referrals, raw):
    referral = referrals["pnm-mekaar"]
    sent = {"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 3_000_000}
    first = post(referral, sent, raw=raw)
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first.headers
    body = first.json()
    outcome = ReferralOutcome.objects.get()
    assert body == {
        "id": outcome.pk,
        "referral": {"id": referral.pk, "programme": "pnm-mekaar", "status": "berjalan"},
        "kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 3_000_000,
        "note": "", "created_at": body["created_at"],
    }  # fmt: skip
    referral.refresh_from_db()
    counts = (ReferralOutcome.objects.count(), AuditEvent.objects.count())
    for _ in range(2):
        again = post(referral, sent, raw=raw)
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == body
    assert (ReferralOutcome.objects.count(), AuditEvent.objects.count()) == counts
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.status_changed_at) == ("berjalan", referral.status_changed_at)


def test_a_replay_sent_with_the_same_fields_in_another_order_is_a_replay(referrals, raw):
    post(referrals["ppse"], {"kind": "diterima", "note": "ok"}, raw=raw)
    again = post(referrals["ppse"], {"note": " ok ", "kind": "diterima", "amount": None}, raw=raw)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"


def test_an_outcome_without_a_date_happened_today(referrals, raw):
    response = post(referrals["ppse"], {"kind": "diterima"}, raw=raw)
    assert response.status_code == 201
    assert response.json()["occurred_on"] == TODAY.isoformat()
    assert response.json()["referral"]["status"] == "diterima"


def test_a_grant_paid_out_finishes_the_referral_and_moves_the_kpm_in_the_feed(
    world, referrals, raw
):
    kpm = Kpm.objects.filter(pk=world.kpm_own.pk)
    kpm.update(updated_at=timezone.now() - timedelta(days=400))
    before = kpm.get().updated_at
    response = post(
        referrals["ppse"],
        {"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 5_000_000},
        raw=raw,
    )
    assert response.json()["referral"]["status"] == "selesai"
    assert kpm.get().updated_at > before


def test_a_training_completed_is_recorded_with_its_date(referrals, raw):
    day = TODAY - timedelta(days=7)
    response = post(
        referrals["pelatihan-kemenkopukm"],
        {"kind": "pelatihan_selesai", "occurred_on": day.isoformat(), "note": "Lulus"},
        raw=raw,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["occurred_on"], body["note"], body["amount"]) == (day.isoformat(), "Lulus", None)
    assert body["referral"]["status"] == "selesai"


# Who may report on which referral -------------------------------------------------------------


def test_referrals_the_client_may_not_report_on_read_exactly_as_unknown_ones(world, referrals):
    only_ppse = (Programme.objects.get(code="ppse"),)
    _c, ppse_key = make_api_client("Kemensos PPSE", programmes=only_ppse)
    _c, kab_key = make_api_client("PPSE Kab Kediri", regions=("35.06",), programmes=only_ppse)
    [active_referral], _ = graduate(
        world.kpm_same_district, TODAY, actor=world.dinsos_kota, codes=("ppse",)
    )
    Kpm.objects.filter(pk=world.kpm_same_district.pk).update(status=KpmStatus.ACTIVE)
    unknown = max(r.pk for r in Referral.objects.all()) + 1000
    body = {"kind": "diterima"}
    answers = [
        post(referrals["pnm-mekaar"], body, raw=ppse_key),  # another programme
        post(referrals["ppse"], body, raw=kab_key),  # outside the client's regions
        post(active_referral, body, raw=ppse_key),  # a KPM no longer graduated
        post(unknown, body, raw=ppse_key),
        post(2**63 + 5, body, raw=ppse_key),  # beyond any id
    ]
    bodies = {json.dumps(is_error(a, 404, "not_found"), sort_keys=True) for a in answers}
    assert len(bodies) == 1
    assert not ReferralOutcome.objects.exists()


def test_an_officers_session_is_refused_with_403(world, referrals):
    http = Client()
    http.force_login(world.dinsos_kota)
    response = http.post(
        url(referrals["ppse"]), data=json.dumps({"kind": "diterima"}),
        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip
    is_error(response, 403, "forbidden")
    assert not ReferralOutcome.objects.exists()


def test_an_officers_own_api_key_is_refused_with_403(world, referrals):
    from pengguna.api_clients import api_key_issue

    _key, officer_raw = api_key_issue(by=None, user=world.kementerian_national)
    is_error(post(referrals["ppse"], {"kind": "diterima"}, raw=officer_raw), 403, "forbidden")


def test_without_a_key_the_answer_is_401(referrals):
    is_error(post(referrals["ppse"], {"kind": "diterima"}, raw=None), 401, "not_authenticated")
    is_error(post(referrals["ppse"], {"kind": "diterima"}, raw="salah.kunci"), 401, "invalid_key")


# Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "lunas"}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat()}, "amount"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 0}, "amount"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": -5}, "amount"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 1.5}, "amount"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": "banyak"}, "amount"),
        ({"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 10**19}, "amount"),
        ({"kind": "diterima", "amount": 1_000}, "amount"),
        ({"kind": "dicairkan", "amount": 1_000}, "occurred_on"),
        ({"kind": "pelatihan_selesai"}, "occurred_on"),
        (
            {"kind": "diterima", "occurred_on": (TODAY + timedelta(days=1)).isoformat()},
            "occurred_on",
        ),
        ({"kind": "diterima", "occurred_on": "20-11-2026"}, "occurred_on"),
        ({"kind": "diterima", "note": "x" * 1001}, "note"),
        ({"kind": "diterima", "note": "a\x00b"}, "note"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_in_indonesian(referrals, raw, body, field):
    answer = is_error(post(referrals["ppse"], body, raw=raw), 400, "invalid")
    assert list(answer["fields"]) == [field]
    assert not ReferralOutcome.objects.exists()


def test_the_messages_are_indonesian(referrals, raw):
    answer = post(referrals["ppse"], {"kind": "dicairkan"}, raw=raw).json()
    assert answer["fields"] == {
        "amount": ["Isi nilai yang dicairkan (rupiah)."],
        "occurred_on": ["Isi tanggal kejadian untuk hasil ini."],
    }
    assert post(referrals["ppse"], {}, raw=raw).json()["fields"] == {
        "kind": ["Pilih hasil rujukan."]
    }


@pytest.mark.parametrize(
    ("key", "code"),
    [(None, "idempotency_key_required"), ("", "idempotency_key_required"),
     ("   ", "idempotency_key_required"), ("k" * 101, "idempotency_key_invalid"),
     ("kunci\x7f", "idempotency_key_invalid")],
)  # fmt: skip
def test_the_idempotency_key_is_required_and_bounded(referrals, raw, key, code):
    is_error(post(referrals["ppse"], {"kind": "diterima"}, raw=raw, key=key), 400, code)
    assert not ReferralOutcome.objects.exists()


def test_a_key_of_a_hundred_printable_characters_is_taken(referrals, raw):
    key = ("A-z0~ !" * 15)[:100]
    assert post(referrals["ppse"], {"kind": "diterima"}, raw=raw, key=key).status_code == 201


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"diterima"'])
def test_a_body_that_is_not_a_json_object_is_a_400(referrals, raw, data):
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": "k-1", **bearer(raw)}
    response = Client().post(
        url(referrals["ppse"]), data=data, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}


# Refused by the rule, or by the key -------------------------------------------------------------


def test_an_outcome_on_a_closed_referral_is_a_409(referrals, raw):
    post(referrals["pnm-mekaar"], {"kind": "ditolak"}, raw=raw, key="k-1")
    answer = post(referrals["pnm-mekaar"], {"kind": "diterima"}, raw=raw, key="k-2")
    assert "tidak dapat dilaporkan lagi" in is_error(answer, 409, "referral_closed")["detail"]
    assert ReferralOutcome.objects.count() == 1


def test_an_outcome_out_of_step_is_a_400_with_the_rules_code(referrals, raw):
    post(referrals["pnm-mekaar"], {"kind": "diterima"}, raw=raw, key="k-1")
    answer = post(referrals["pnm-mekaar"], {"kind": "diterima"}, raw=raw, key="k-2")
    is_error(answer, 400, "outcome_not_allowed")


@pytest.mark.parametrize(
    ("referral_code", "body"),
    [("pnm-mekaar", {"kind": "diterima", "note": "lain"}), ("ppse", {"kind": "diterima"})],
)
def test_a_key_reused_for_another_report_is_a_422(referrals, raw, referral_code, body):
    post(referrals["pnm-mekaar"], {"kind": "diterima"}, raw=raw, key="k-1")
    is_error(
        post(referrals[referral_code], body, raw=raw, key="k-1"), 422, "idempotency_key_reused"
    )
    assert ReferralOutcome.objects.count() == 1


# Two deliveries at once -------------------------------------------------------------------------


@live_db
def test_two_deliveries_of_one_report_at_once_record_one_outcome(world):
    made, _ = graduate(
        world.kpm_own, TODAY - timedelta(days=40), actor=world.dinsos_kota, codes=("kur",)
    )
    referral = made[0]
    _client, key = make_api_client("Bank KUR", programmes=(referral.programme,))
    kpm_before = Kpm.objects.get(pk=world.kpm_own.pk).updated_at
    sent = {"kind": "dicairkan", "occurred_on": YESTERDAY.isoformat(), "amount": 10_000_000}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict[str, Any]]] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            response = post(referral, sent, raw=key, key="kur-0001")
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(status for status, _ in answers) == [200, 201]
    assert answers[0][1] == answers[1][1]
    assert ReferralOutcome.objects.filter(referral=referral).count() == 1
    assert Referral.objects.get(pk=referral.pk).status == "berjalan"
    assert Kpm.objects.get(pk=world.kpm_own.pk).updated_at > kpm_before


# The admin reads them -----------------------------------------------------------------------------


def test_the_admin_lists_reported_outcomes_and_may_not_change_them(world, referrals, raw):
    post(referrals["ppse"], {"kind": "diterima"}, raw=raw, key="pnm-lapor-0001")
    outcome = ReferralOutcome.objects.get()
    http = Client()
    http.force_login(world.admin)
    listing = http.get(reverse("admin:pemberdayaan_referraloutcome_changelist"))
    assert listing.status_code == 200
    assert "pnm-lapor-0001" in listing.content.decode()
    found = http.get(
        reverse("admin:pemberdayaan_referraloutcome_changelist"), {"q": "pnm-lapor-0001"}
    )
    assert "pnm-lapor-0001" in found.content.decode()
    assert http.get(reverse("admin:pemberdayaan_referraloutcome_add")).status_code == 403
    change = reverse("admin:pemberdayaan_referraloutcome_change", args=[outcome.pk])
    http.post(change, {"kind": "ditolak"})
    delete = reverse("admin:pemberdayaan_referraloutcome_delete", args=[outcome.pk])
    assert http.post(delete, {"post": "yes"}).status_code == 403
    assert ReferralOutcome.objects.get().kind == "diterima"


def test_the_kpm_profile_shows_each_referrals_reported_outcomes(world, referrals, raw):
    day = (TODAY - timedelta(days=2)).isoformat()
    post(referrals["pnm-mekaar"], {"kind": "diterima", "occurred_on": day}, raw=raw, key="a")
    sent = {"kind": "dicairkan", "occurred_on": day, "amount": 2_500_000}
    post(referrals["pnm-mekaar"], sent, raw=raw, key="b")
    http = Client()
    http.force_login(world.dinsos_kota)
    response = http.get(reverse("kpm:profile", args=[world.kpm_own.kpm_id]))
    html = response.content.decode()
    shown = (TODAY - timedelta(days=2)).strftime("%d-%m-%Y")
    assert html.count('data-testid="referral-outcomes"') == 1
    assert html.count('data-testid="referral-outcome"') == 2
    assert f"Diterima program, {shown}</li>" in html
    assert f"Pinjaman atau bantuan dicairkan, {shown}: Rp2.500.000</li>" in html
