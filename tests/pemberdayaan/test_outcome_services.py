"""Outcomes an agency reports on a referral: each moves the referral as the rule says, with its
audit row in the same transaction; one the client may not report on is unknown to it; a report
sent again under the same key changes nothing, and a key reused for another report is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import Kpm
from pemberdayaan.models import Programme, Referral, ReferralOutcome, ReferralStatus
from pemberdayaan.services import outcomes
from pemberdayaan.services.outcomes import referral_outcome_record
from pengguna.models import ApiClient
from tests.conftest import World, make_api_client
from tests.pemberdayaan import graduate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GRADUATED_ON = TODAY - timedelta(days=40)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
CODES = ("ppse", "pnm-mekaar", "pelatihan-kemenkopukm")


@pytest.fixture
def referrals(world: World) -> dict[str, Referral]:
    """The graduated KPM of Kota Kediri referred to a grant, a loan and a training."""
    made, _ = graduate(world.kpm_own, GRADUATED_ON, actor=world.dinsos_kota, codes=CODES)
    return {r.programme.code: r for r in made}


@pytest.fixture
def client(referrals) -> ApiClient:
    programmes = Programme.objects.filter(code__in=CODES)
    made, _raw = make_api_client("PNM Mekaar", programmes=tuple(programmes))
    return made


KEYS = iter(range(10**6))


def report(client: ApiClient, referral: Referral | int, kind: str, **given: Any):
    facts: dict[str, Any] = {
        "occurred_on": TODAY - timedelta(days=1), "amount": None, "note": "",
        "idempotency_key": f"key-{next(KEYS)}", "request_hash": "a" * 64,
    }  # fmt: skip
    facts.update(given)
    referral_id = referral if isinstance(referral, int) else referral.pk
    return referral_outcome_record(client=client, referral_id=referral_id, kind=kind, **facts)


def audit_rows(referral: Referral) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(
        object_type="pemberdayaan.referral", object_id=referral.pk, action=AuditAction.UPDATE
    )
    return list(rows.order_by("id"))


def state(referral: Referral) -> tuple[Any, ...]:
    """Everything a report may change, for one referral and its KPM."""
    fresh = Referral.objects.get(pk=referral.pk)
    return (
        fresh.status, fresh.status_changed_at, fresh.updated_at,
        ReferralOutcome.objects.count(), AuditEvent.objects.count(),
        Kpm.objects.get(pk=fresh.kpm_id).updated_at,
    )  # fmt: skip


# Each transition ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kinds", "after"),
    [
        ("pnm-mekaar", ("diterima",), "diterima"),
        ("pnm-mekaar", ("ditolak",), "ditolak"),
        ("pnm-mekaar", ("diterima", "ditolak"), "ditolak"),
        ("ppse", ("dicairkan",), "selesai"),
        ("ppse", ("diterima", "dicairkan"), "selesai"),
        ("pnm-mekaar", ("diterima", "dicairkan"), "berjalan"),
        ("pnm-mekaar", ("diterima", "dicairkan", "dicairkan"), "berjalan"),
        ("pnm-mekaar", ("dicairkan", "pelatihan_selesai"), "selesai"),
        ("pelatihan-kemenkopukm", ("pelatihan_selesai",), "selesai"),
        ("pelatihan-kemenkopukm", ("diterima", "pelatihan_selesai"), "selesai"),
    ],
)
def test_each_outcome_moves_the_referral_and_is_audited(client, referrals, code, kinds, after):
    referral = referrals[code]
    statuses = [referral.status]
    for kind in kinds:
        amount = 2_500_000 if kind == "dicairkan" else None
        outcome, replayed = report(client, referral, kind, amount=amount)
        assert not replayed
        assert outcome.status_before == statuses[-1]
        statuses.append(outcome.status_after)
    referral.refresh_from_db()
    assert referral.status == after == statuses[-1]
    stored = list(ReferralOutcome.objects.filter(referral=referral).order_by("id"))
    assert [o.kind for o in stored] == list(kinds)
    assert all(o.client == client for o in stored)
    events = audit_rows(referral)
    assert [e.changes["outcome"][1]["kind"] for e in events] == list(kinds)
    assert all(e.actor == client.user for e in events)


def test_the_outcome_keeps_what_was_reported(client, referrals):
    outcome, _ = report(
        client, referrals["pnm-mekaar"], "dicairkan", amount=3_000_000, note="  Tahap 1 cair ",
        occurred_on=TODAY - timedelta(days=3), idempotency_key="pnm-2026-0001",
        request_hash="b" * 64,
    )  # fmt: skip
    outcome.refresh_from_db()
    assert (outcome.kind, outcome.amount, outcome.note, outcome.occurred_on) == (
        "dicairkan", 3_000_000, "Tahap 1 cair", TODAY - timedelta(days=3),
    )  # fmt: skip
    assert (outcome.status_before, outcome.status_after) == ("dirujuk", "berjalan")
    assert (outcome.idempotency_key, outcome.request_hash) == ("pnm-2026-0001", "b" * 64)
    [event] = audit_rows(referrals["pnm-mekaar"])
    assert event.changes == {
        "status": ["dirujuk", "berjalan"],
        "outcome": [None, {
            "id": outcome.pk, "kind": "dicairkan",
            "occurred_on": (TODAY - timedelta(days=3)).isoformat(), "amount": 3_000_000,
        }],
    }  # fmt: skip


def test_a_status_change_is_stamped_and_moves_the_kpm_in_the_agencies_feed(client, referrals):
    referral = referrals["ppse"]
    Kpm.objects.filter(pk=referral.kpm_id).update(updated_at=LONG_AGO)
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=LONG_AGO)
    report(client, referral, "diterima")
    referral.refresh_from_db()
    assert referral.status_changed_at > LONG_AGO
    assert Kpm.objects.get(pk=referral.kpm_id).updated_at > LONG_AGO


def test_an_outcome_that_leaves_the_status_as_it_was_does_not_touch_the_referral(client, referrals):
    referral = referrals["pnm-mekaar"]
    report(client, referral, "dicairkan", amount=1_000_000)
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=LONG_AGO, updated_at=LONG_AGO)
    Kpm.objects.filter(pk=referral.kpm_id).update(updated_at=LONG_AGO)
    outcome, _ = report(client, referral, "dicairkan", amount=500_000)
    assert (outcome.status_before, outcome.status_after) == ("berjalan", "berjalan")
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status_changed_at, fresh.updated_at) == (LONG_AGO, LONG_AGO)
    assert Kpm.objects.get(pk=referral.kpm_id).updated_at == LONG_AGO
    assert "status" not in audit_rows(referral)[-1].changes


# Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "first", "then"),
    [
        ("pnm-mekaar", ("ditolak",), "diterima"),
        ("pnm-mekaar", ("ditolak",), "dicairkan"),
        ("ppse", ("dicairkan",), "pelatihan_selesai"),
        ("pelatihan-kemenkopukm", ("pelatihan_selesai",), "ditolak"),
    ],
)
def test_nothing_more_is_reported_on_a_closed_referral(client, referrals, code, first, then):
    referral = referrals[code]
    for kind in first:
        report(client, referral, kind, amount=1_000 if kind == "dicairkan" else None)
    before = state(referral)
    with pytest.raises(DomainError) as refused:
        report(client, referral, then, amount=1_000 if then == "dicairkan" else None)
    assert refused.value.code == "referral_closed"
    assert "hasil baru tidak dapat dilaporkan lagi" in refused.value.message
    assert state(referral) == before


@pytest.mark.parametrize(
    ("first", "then", "words"),
    [
        (("diterima",), "diterima", "hanya untuk rujukan berstatus dirujuk"),
        (("dicairkan",), "ditolak", "berstatus berjalan"),
    ],
)
def test_an_outcome_out_of_step_is_refused_with_a_clear_message(
    client, referrals, first, then, words
):
    referral = referrals["pnm-mekaar"]
    for kind in first:
        report(client, referral, kind, amount=1_000 if kind == "dicairkan" else None)
    before = state(referral)
    with pytest.raises(DomainError) as refused:
        report(client, referral, then)
    assert refused.value.code == "outcome_not_allowed"
    assert words in refused.value.message
    assert state(referral) == before


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        ("lunas", {}),
        ("dicairkan", {}),
        ("dicairkan", {"amount": 0}),
        ("diterima", {"amount": 1_000}),
        ("diterima", {"occurred_on": TODAY + timedelta(days=1)}),
    ],
)
def test_facts_the_api_would_refuse_are_refused_here_too(client, referrals, kind, given):
    with pytest.raises(DomainError) as refused:
        report(client, referrals["ppse"], kind, **given)
    assert refused.value.code == "invalid"
    assert not ReferralOutcome.objects.exists()


def test_the_audit_row_is_part_of_the_same_transaction(client, referrals, monkeypatch):
    referral = referrals["ppse"]
    before = state(referral)

    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(outcomes, "audit_record", broken)
    with pytest.raises(RuntimeError):
        report(client, referral, "diterima")
    assert state(referral) == before


# What a client may report on -------------------------------------------------------------------


def unknown_to(client: ApiClient, referral_id: int) -> bool:
    with pytest.raises(Http404):
        report(client, referral_id, "diterima")
    return not ReferralOutcome.objects.exists()


def test_a_referral_to_a_programme_outside_the_agreement_is_unknown(world, referrals):
    only_ppse, _raw = make_api_client("Kemensos PPSE", programmes=(referrals["ppse"].programme,))
    assert unknown_to(only_ppse, referrals["pnm-mekaar"].pk)
    report(only_ppse, referrals["ppse"], "diterima")


def test_a_referral_outside_the_clients_regions_is_unknown(world, referrals):
    programmes = tuple(Programme.objects.filter(code__in=CODES))
    kab_only, _raw = make_api_client("PNM Kab Kediri", regions=("35.06",), programmes=programmes)
    assert unknown_to(kab_only, referrals["ppse"].pk)
    other_kecamatan, _raw = make_api_client(
        "PNM Kediri 03", regions=("35.71.03", "32"), programmes=programmes
    )
    assert unknown_to(other_kecamatan, referrals["ppse"].pk)


@pytest.mark.parametrize(
    "regions", [("35.06", "35.71"), ("35",), ("35.71.01",), ("35.71.01.1001",)]
)
def test_a_referral_inside_any_of_the_clients_regions_is_reported(referrals, regions):
    programmes = tuple(Programme.objects.filter(code__in=CODES))
    inside, _raw = make_api_client("PNM Jatim", regions=regions, programmes=programmes)
    _outcome, replayed = report(inside, referrals["ppse"], "diterima")
    assert not replayed


def test_a_referral_of_a_family_no_longer_graduated_is_unknown(world, client, referrals):
    Kpm.objects.filter(pk=world.kpm_own.pk).update(status="aktif")
    assert unknown_to(client, referrals["ppse"].pk)


def test_an_unknown_referral_is_unknown(client, referrals):
    assert unknown_to(client, max(r.pk for r in referrals.values()) + 1000)


# Idempotency ---------------------------------------------------------------------------------


def test_a_replay_returns_the_stored_outcome_and_changes_nothing(client, referrals):
    referral = referrals["pnm-mekaar"]
    Kpm.objects.filter(pk=referral.kpm_id).update(updated_at=LONG_AGO)
    first, replayed = report(
        client, referral, "diterima", idempotency_key="k-1", request_hash="c" * 64
    )
    assert not replayed
    before = state(referral)
    for _ in range(3):
        again, replayed = report(
            client, referral, "diterima", idempotency_key="k-1", request_hash="c" * 64
        )
        assert replayed and again == first
    assert state(referral) == before
    assert before[0] == "diterima" and before[3] == 1


def test_a_replay_of_a_report_the_rule_would_now_refuse_still_answers_as_first(client, referrals):
    """A replay is answered from the stored outcome, even after the referral moved on."""
    referral = referrals["pnm-mekaar"]
    first, _ = report(client, referral, "diterima", idempotency_key="k-1")
    report(client, referral, "ditolak", idempotency_key="k-2")
    again, replayed = report(client, referral, "diterima", idempotency_key="k-1")
    assert replayed and again == first and again.status_after == "diterima"


@pytest.mark.parametrize("other", ["another body", "another referral"])
def test_a_key_reused_for_another_report_is_refused(client, referrals, other):
    referral = referrals["pnm-mekaar"]
    report(client, referral, "diterima", idempotency_key="k-1", request_hash="c" * 64)
    before = state(referral)
    target, digest = (
        (referral, "d" * 64) if other == "another body" else (referrals["ppse"], "c" * 64)
    )
    with pytest.raises(DomainError) as refused:
        report(client, target, "diterima", idempotency_key="k-1", request_hash=digest)
    assert refused.value.code == "idempotency_key_reused"
    assert state(referral) == before
    assert Referral.objects.get(pk=referrals["ppse"].pk).status == ReferralStatus.REFERRED


def test_the_same_key_from_another_client_is_another_report(client, referrals):
    programmes = tuple(Programme.objects.filter(code__in=CODES))
    other, _raw = make_api_client("KemenKopUKM", programmes=programmes)
    report(client, referrals["pnm-mekaar"], "diterima", idempotency_key="k-1")
    _outcome, replayed = report(other, referrals["ppse"], "diterima", idempotency_key="k-1")
    assert not replayed
    assert ReferralOutcome.objects.filter(idempotency_key="k-1").count() == 2
