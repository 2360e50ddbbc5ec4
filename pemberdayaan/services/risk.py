"""The fall-back risk of graduated families (DESIGN §5 Workflow): Kpm.at_risk and
Kpm.risk_reasons, kept by the rule in pemberdayaan.rules over sets of KPM."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Q

from graduasi.pipeline.facts import PovertyLines
from kpm.models import Kpm, KpmStatus
from pemberdayaan.rules import Risk, risk_of
from pemberdayaan.selectors import PolicyTimeline, risk_batches, risk_facts

log = logging.getLogger(__name__)
RISK_BATCH = 5_000  # KPM per read-and-write round

# One statement per batch; a row whose flag and reasons are already right is not written.
WRITE_SQL = """
UPDATE kpm_kpm AS k SET at_risk = v.at_risk, risk_reasons = v.reasons::jsonb
FROM unnest(%s::bigint[], %s::boolean[], %s::text[]) AS v(id, at_risk, reasons)
WHERE k.id = v.id
  AND (k.at_risk IS DISTINCT FROM v.at_risk OR k.risk_reasons IS DISTINCT FROM v.reasons::jsonb)"""


def risk_refresh(kpm_pks: Iterable[int] | None = None) -> int:
    """Recompute the fall-back risk of these KPM (None: every graduated KPM, and any other
    still flagged) in batches, and write the rows that change; the number written.

    Idempotent: a second call with nothing changed writes nothing. The flag is computed from
    recorded facts (follow-ups, desil history, poverty lines, policy), each of them audited
    where it was recorded, so the flag itself writes no audit row, as the nightly assessment
    writes none."""
    lines, policies = PovertyLines(), PolicyTimeline()
    changed = 0
    for batch in _batches(kpm_pks):
        risks = [risk_of(facts) for facts in risk_facts(batch, lines=lines, policies=policies)]
        changed += _write(risks)
    return changed


def _batches(kpm_pks: Iterable[int] | None) -> Iterator[list[int]]:
    if kpm_pks is None:
        yield from risk_batches(size=RISK_BATCH)
        return
    ids = sorted(set(kpm_pks))
    for start in range(0, len(ids), RISK_BATCH):
        yield ids[start : start + RISK_BATCH]


def _write(risks: list[Risk]) -> int:
    if not risks:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            WRITE_SQL,
            [
                [r.kpm_id for r in risks],
                [r.at_risk for r in risks],
                [json.dumps(list(r.reasons)) for r in risks],
            ],
        )
        return cursor.rowcount


def _refresh_after_commit(ids: list[int]) -> None:
    try:
        risk_refresh(ids)
    except Exception:  # the change itself is saved; tonight's run flags the KPM anyway
        log.exception("could not refresh the fall-back risk of %d KPM", len(ids))


def risk_refresh_on_commit(kpm_pks: Iterable[int]) -> None:
    """Once the current transaction commits, recompute the fall-back risk of those of these
    KPM that are graduated or flagged (a follow-up recorded, a desil imported), so the flag
    shows without waiting for the night; nothing is scheduled when none of them is."""
    ids = sorted(set(kpm_pks))
    if not ids:
        return
    concerned = Q(status=KpmStatus.GRADUATED) | Q(at_risk=True)
    found = list(Kpm.objects.filter(concerned, pk__in=ids).values_list("pk", flat=True))
    if found:
        transaction.on_commit(lambda: _refresh_after_commit(found))
