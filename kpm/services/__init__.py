"""Writes to KPM records, one module per area; each use case is one transaction with its audit
row. Import from the area module (kpm.services.caseload, kpm.services.household)."""

from kpm.services.caseload import kpm_assign

__all__ = ["kpm_assign"]
