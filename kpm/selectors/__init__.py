"""Reads of KPM for the facilitator workspace, one module per page family: components in SQL,
the caseload and Beranda work lists, the profile. Every read is a bounded number of queries."""

from kpm.selectors.caseload import (
    CASELOAD_PER_PAGE,
    caseload_desa_choices,
    caseload_rows,
    worklist,
)
from kpm.selectors.components import (
    VISIT_DUE_DAYS,
    anggota_component,
    kpm_commitment_due,
    kpm_with_component,
    visit_due,
    years_before,
)
from kpm.selectors.profile import kpm_profile

__all__ = [
    "CASELOAD_PER_PAGE",
    "VISIT_DUE_DAYS",
    "anggota_component",
    "caseload_desa_choices",
    "caseload_rows",
    "kpm_commitment_due",
    "kpm_profile",
    "kpm_with_component",
    "visit_due",
    "worklist",
    "years_before",
]
