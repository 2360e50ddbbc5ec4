"""The KPM import (DESIGN §7): parse, check, plan, apply; see service.import_kpm_file."""

from kpm.importing.records import ImportFileError, ImportReport, RowError
from kpm.importing.service import import_kpm_file, import_scope

__all__ = ["ImportFileError", "ImportReport", "RowError", "import_kpm_file", "import_scope"]
