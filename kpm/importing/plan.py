"""Decide what an import changes: new rows, changed rows with before/after, unchanged rows.

Pure: compares the checked file with the rows loaded from the database; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpm.importing.load import Existing
from kpm.importing.records import (
    DESIL_INDEX,
    KPM_FIELDS,
    MEMBER_FIELDS,
    PENGURUS_INDEX,
    AssessmentRecord,
    ImportReport,
    KpmRecord,
    MemberRecord,
)

Changes = dict[str, list[Any]]


@dataclass(frozen=True)
class AssessmentChange:
    kpm_id: str
    record: AssessmentRecord
    member_count: int
    pk: int | None = None  # None: a new assessment
    changes: Changes = field(default_factory=dict)


@dataclass
class Plan:
    """The writes of one chunk of KPM, in the order they must happen."""

    kpm_new: list[KpmRecord] = field(default_factory=list)
    kpm_changed: list[tuple[int, KpmRecord, Changes]] = field(default_factory=list)
    kpm_unchanged: int = 0
    # Existing pengurus who lose the flag: cleared first (one pengurus per KPM at any moment).
    pengurus_cleared: list[int] = field(default_factory=list)
    # Of those, the members the file does not mention: audited as their own update.
    pengurus_cleared_only: list[tuple[int, str]] = field(default_factory=list)
    anggota_new: list[tuple[str, MemberRecord]] = field(default_factory=list)
    anggota_changed: list[tuple[int, MemberRecord, Changes]] = field(default_factory=list)
    anggota_unchanged: int = 0
    desil_history: list[tuple[str, int]] = field(default_factory=list)
    desil_changes: int = 0
    assessments: list[AssessmentChange] = field(default_factory=list)

    def touched_kpm_ids(self, chunk: list[KpmRecord]) -> set[str]:
        """The kpm_id of every KPM this plan creates or changes, members, desil and economic
        assessment included: the KPM whose graduation assessment may change."""
        kpm_of_nik = {m.nik: r.kpm_id for r in chunk for m in r.members}
        found = {r.kpm_id for r in self.kpm_new} | {r.kpm_id for _, r, _ in self.kpm_changed}
        found |= {kpm_id for kpm_id, _ in self.anggota_new}
        found |= {kpm_of_nik[m.nik] for _, m, _ in self.anggota_changed}
        found |= {kpm_id for kpm_id, _ in self.desil_history}
        return found | {a.kpm_id for a in self.assessments}

    def count_into(self, report: ImportReport) -> None:
        """Add this chunk's numbers to the report."""
        report.kpm_created += len(self.kpm_new)
        report.kpm_updated += len(self.kpm_changed)
        report.kpm_unchanged += self.kpm_unchanged
        report.anggota_created += len(self.anggota_new)
        report.anggota_updated += len(self.anggota_changed) + len(self.pengurus_cleared_only)
        report.anggota_unchanged += self.anggota_unchanged
        report.assessments_created += sum(1 for a in self.assessments if a.pk is None)
        report.assessments_updated += sum(1 for a in self.assessments if a.pk is not None)
        report.desil_changes += self.desil_changes


def changes_between(names: tuple[str, ...], before: tuple, after: tuple) -> Changes:
    """{field: [before, after]} for each field whose value differs."""
    return {n: [b, a] for n, b, a in zip(names, before, after, strict=True) if b != a}


def plan_chunk(records: list[KpmRecord], existing: Existing) -> Plan:
    """What writing `records` over the database's current rows changes."""
    plan = Plan()
    for record in records:
        _plan_kpm(plan, record, existing)
        for member in record.members:
            _plan_member(plan, record.kpm_id, member, existing)
        if record.assessment is not None:
            _plan_assessment(plan, record, existing)
    return plan


def _plan_kpm(plan: Plan, record: KpmRecord, existing: Existing) -> None:
    desil = record.values[DESIL_INDEX]
    current = existing.kpm.get(record.kpm_id)
    if current is None:
        plan.kpm_new.append(record)
        plan.desil_history.append((record.kpm_id, desil))
        return
    changes = changes_between(KPM_FIELDS, current.values, record.values)
    if not changes:
        plan.kpm_unchanged += 1
    else:
        plan.kpm_changed.append((current.pk, record, changes))
    if "desil" in changes:
        plan.desil_history.append((record.kpm_id, desil))
        plan.desil_changes += 1
    pengurus_nik = next(m.nik for m in record.members if m.values[PENGURUS_INDEX])
    in_file = {m.nik for m in record.members}
    for pk, nik, nama in existing.pengurus.get(current.pk, []):
        if nik != pengurus_nik:
            plan.pengurus_cleared.append(pk)
            if nik not in in_file:
                plan.pengurus_cleared_only.append((pk, nama))


def _plan_member(plan: Plan, kpm_id: str, member: MemberRecord, existing: Existing) -> None:
    current = existing.anggota.get(member.nik)
    if current is None:
        plan.anggota_new.append((kpm_id, member))
        return
    changes = changes_between(MEMBER_FIELDS, current.values, member.values)
    if changes:
        plan.anggota_changed.append((current.pk, member, changes))
    else:
        plan.anggota_unchanged += 1


def _plan_assessment(plan: Plan, record: KpmRecord, existing: Existing) -> None:
    assessment = record.assessment
    assert assessment is not None
    members = len(record.members)
    current_kpm = existing.kpm.get(record.kpm_id)
    key = (current_kpm.pk, assessment.assessed_on) if current_kpm else None
    current = existing.assessments.get(key) if key else None
    if current is None:
        plan.assessments.append(AssessmentChange(record.kpm_id, assessment, members))
        return
    pk, *before = current
    names = ("household_income", "member_count", "stable_income")
    after = (assessment.income, members, assessment.stable)
    changes = changes_between(names, tuple(before), after)
    if changes:
        plan.assessments.append(AssessmentChange(record.kpm_id, assessment, members, pk, changes))
