"""Plain values passed between the import stages: parsed rows, checked KPM, the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from config.errors import DomainError

# Errors kept in a stored report; the total is always counted (a fully wrong 100,000-row file
# would otherwise store megabytes of JSON).
STORED_ERRORS_MAX = 5_000


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, empty, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="import_file")


@dataclass(frozen=True)
class RowError:
    """One problem, where it is: the line (header = 1), the KPM, the column, the reason."""

    line: int
    kpm_id: str
    column: str
    reason: str


@dataclass(frozen=True)
class AssessmentRecord:
    income: int
    stable: bool
    assessed_on: date


@dataclass(frozen=True)
class MemberRecord:
    """One anggota as the file states it; `values` is in MEMBER_FIELDS order."""

    line: int
    nik: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class KpmRecord:
    """One KPM as the file states it; `values` is in KPM_FIELDS order. `status` is the status
    a KPM the import creates starts with; an existing KPM keeps its own (the services change
    it), so a different status in the file changes nothing."""

    kpm_id: str
    first_line: int
    values: tuple[Any, ...]
    members: tuple[MemberRecord, ...]
    assessment: AssessmentRecord | None
    status: str = "aktif"


# Order of KpmRecord.values and MemberRecord.values: the model attribute names they fill.
KPM_FIELDS = ("no_kk", "desa_id", "alamat", "desil", "pkh_entry_date")
MEMBER_FIELDS = (
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan",
    "is_pengurus",
    "hamil",
    "perkiraan_lahir",
    "jenjang_sekolah",
    "disabilitas_berat",
)
PENGURUS_INDEX = MEMBER_FIELDS.index("is_pengurus")
DESIL_INDEX = KPM_FIELDS.index("desil")


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    kpm_created: int = 0
    kpm_updated: int = 0
    kpm_unchanged: int = 0
    kpm_rejected: int = 0
    anggota_created: int = 0
    anggota_updated: int = 0
    anggota_unchanged: int = 0
    assessments_created: int = 0
    assessments_updated: int = 0
    desil_changes: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0

    @property
    def kpm_accepted(self) -> int:
        return self.kpm_created + self.kpm_updated + self.kpm_unchanged

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.kpm_created
            + self.kpm_updated
            + self.anggota_created
            + self.anggota_updated
            + self.assessments_created
            + self.assessments_updated
        )

    def as_json(self) -> dict[str, Any]:
        """A JSON-safe form for ImportJob.report, keeping at most STORED_ERRORS_MAX errors."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors[:STORED_ERRORS_MAX]]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        """The report stored by as_json()."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**known)
