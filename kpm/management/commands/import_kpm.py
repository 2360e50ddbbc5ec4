"""manage.py import_kpm FILE [--dry-run]: import KPM and anggota from a CSV (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kpm.importing import ImportFileError, ImportReport, import_kpm_file


def report_lines(report: ImportReport) -> list[str]:
    """The report in words, one line each; errors as 'baris N (KPM id, kolom): alasan'."""
    lines = [
        _("Baris data dibaca: %(n)s") % {"n": report.rows},
        _("KPM: %(c)s baru, %(u)s diubah, %(s)s tetap, %(r)s ditolak")
        % {"c": report.kpm_created, "u": report.kpm_updated, "s": report.kpm_unchanged,
           "r": report.kpm_rejected},
        _("Anggota: %(c)s baru, %(u)s diubah, %(s)s tetap")
        % {"c": report.anggota_created, "u": report.anggota_updated,
           "s": report.anggota_unchanged},
        _("Asesmen ekonomi: %(c)s baru, %(u)s dikoreksi")
        % {"c": report.assessments_created, "u": report.assessments_updated},
        _("Perubahan desil: %(n)s") % {"n": report.desil_changes},
    ]  # fmt: skip
    if report.errors:
        lines.append(_("Kesalahan (%(n)s):") % {"n": report.errors_total})
    for error in report.errors:
        lines.append(
            _("baris %(line)s (KPM %(kpm)s, %(col)s): %(why)s")
            % {"line": error.line, "kpm": error.kpm_id or "-", "col": error.column,
               "why": error.reason}
        )  # fmt: skip
    return lines


class Command(BaseCommand):
    help = _(
        "Impor KPM dan anggota dari berkas CSV (satu baris per anggota). KPM yang salah "
        "ditolak dan dilaporkan; KPM lain tetap diimpor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("berkas CSV (UTF-8, pemisah ; atau ,)"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("periksa saja, tanpa menyimpan apa pun")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_kpm_file(options["file"], dry_run=options["dry_run"])
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        if report.dry_run:
            self.stdout.write(_("Uji coba: tidak ada yang disimpan."))
        for line in report_lines(report):
            self.stdout.write(line)
        done = _("Selesai.") if report.kpm_rejected == 0 else _("Selesai, ada KPM yang ditolak.")
        self.stdout.write(self.style.SUCCESS(done) if not report.kpm_rejected else done)
