"""Referral outcomes an agency reports over the API (issue 7 §3): accepted or declined, a loan
or grant paid out, a training completed. Each report is one transaction with its audit row;
a report sent again under the same Idempotency-Key changes nothing."""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import or_

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from config.errors import DomainError
from kpm.models import KpmStatus
from pemberdayaan.models import OutcomeKind, Referral, ReferralOutcome, ReferralStatus
from pemberdayaan.rules import OutcomeRefusal, outcome_follows, referral_outcome_step
from pengguna.models import ApiClient
from pengguna.scoping import region_q


def client_referrals(client: ApiClient) -> Q:
    """Referrals `client` may report on: of a graduated KPM inside its regions (none listed:
    the whole country), to a programme its agreement names."""
    regions = [region_q(code, prefix="kpm__") for code in client.region_codes]
    in_regions = reduce(or_, regions) if regions else Q()
    return (
        Q(kpm__status=KpmStatus.GRADUATED)
        & in_regions
        & Q(programme__in=client.programmes.values("pk"))
    )


def referral_outcome_record(
    *,
    client: ApiClient,
    referral_id: int,
    kind: str,
    occurred_on: date,
    amount: int | None,
    note: str,
    idempotency_key: str,
    request_hash: str,
) -> tuple[ReferralOutcome, bool]:
    """Record an outcome `client` reports on one of its referrals and move the referral on;
    returns the outcome and whether it is a replay of one already recorded under the key."""
    _check_facts(kind=kind, occurred_on=occurred_on, amount=amount)
    with transaction.atomic():
        referral = _locked(client, referral_id)
        stored = ReferralOutcome.objects.filter(client=client, idempotency_key=idempotency_key)
        if (earlier := stored.first()) is not None:
            return _replayed(earlier, referral_id=referral_id, request_hash=request_hash), True
        step = referral_outcome_step(referral.status, kind, referral.programme.kind)
        if step.after is None:
            raise _refused(referral.status, kind, step.refusal)
        outcome = ReferralOutcome(
            referral=referral, kind=kind, occurred_on=occurred_on, amount=amount,
            note=note.strip(), status_before=step.before, status_after=step.after,
            client=client, idempotency_key=idempotency_key, request_hash=request_hash,
        )  # fmt: skip
        try:
            with transaction.atomic():
                outcome.save()
        except IntegrityError as exc:  # the same key, on another referral, a moment ago
            raise _key_reused() from exc
        _move(referral, outcome, actor=client.user)
        return outcome, False


def _locked(client: ApiClient, referral_id: int) -> Referral:
    """The referral, locked; one the client may not report on is a 404, as an unknown one."""
    found = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("programme")
        .filter(client_referrals(client), pk=referral_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _replayed(earlier: ReferralOutcome, *, referral_id: int, request_hash: str) -> ReferralOutcome:
    if earlier.referral_id != referral_id or earlier.request_hash != request_hash:
        raise _key_reused()
    return earlier


def _move(referral: Referral, outcome: ReferralOutcome, *, actor: object) -> None:
    """Set the referral's new status (when it changes) and write the audit row."""
    changes: dict[str, list[object]] = {
        "outcome": [None, {
            "id": outcome.pk, "kind": outcome.kind,
            "occurred_on": outcome.occurred_on.isoformat(), "amount": outcome.amount,
        }],
    }  # fmt: skip
    if outcome.status_after != referral.status:
        changes["status"] = [referral.status, outcome.status_after]
        referral.status = outcome.status_after
        referral.status_changed_at = timezone.now()
        referral.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=referral, changes=changes)


def _check_facts(*, kind: str, occurred_on: date, amount: int | None) -> None:
    """What the API checks field by field, checked again for any other caller."""
    if kind not in OutcomeKind.values:
        raise DomainError(_("Pilih hasil rujukan dari daftar."), code="invalid")
    if occurred_on > timezone.localdate():
        raise DomainError(_("Tanggal hasil tidak boleh di masa depan."), code="invalid")
    if kind == OutcomeKind.DISBURSED and not (amount and amount > 0):
        raise DomainError(_("Isi nilai yang dicairkan, lebih dari nol."), code="invalid")
    if kind != OutcomeKind.DISBURSED and amount is not None:
        raise DomainError(_("Nilai hanya diisi untuk hasil dicairkan."), code="invalid")


def _label(status: str) -> str:
    return str(ReferralStatus(status).label).lower() if status in ReferralStatus.values else status


def _refused(status: str, kind: str, refusal: OutcomeRefusal | None) -> DomainError:
    if refusal == OutcomeRefusal.CLOSED:
        message = _("Rujukan ini sudah %(status)s; hasil baru tidak dapat dilaporkan lagi.") % {
            "status": _label(status)
        }
        return DomainError(message, code=OutcomeRefusal.CLOSED.value)
    message = _(
        "Hasil %(kind)s tidak dapat dilaporkan untuk rujukan berstatus %(status)s; hasil ini "
        "hanya untuk rujukan berstatus %(allowed)s."
    ) % {
        "kind": str(OutcomeKind(kind).label).lower(),
        "status": _label(status),
        "allowed": ", ".join(_label(s) for s in outcome_follows(kind)),
    }
    return DomainError(message, code=OutcomeRefusal.NOT_ALLOWED.value)


def _key_reused() -> DomainError:
    return DomainError(
        _(
            "Idempotency-Key ini sudah dipakai untuk laporan lain. Pakai kunci baru untuk setiap "
            "laporan; kirim ulang dengan kunci yang sama hanya untuk isi yang persis sama."
        ),
        code="idempotency_key_reused",
    )
