"""`manage.py seed_demo`: demo KPM, members, pendamping and one login per role."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpm.demo.logins import DEMO_PASSWORD, DEMO_USERNAMES
from kpm.demo.plan import DEFAULT_KABUPATEN
from kpm.demo.writer import SeedRefused, SeedResult, demo_seed, ribuan


def jakarta_today() -> date:
    """Today's date in Asia/Jakarta, where the programme's dates live."""
    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo("Asia/Jakarta")).date()


EARLIEST_TODAY = date(2020, 1, 1)  # entries start in 2015; a 5-year case needs 2020 or later


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Tanggal harus YYYY-MM-DD, bukan {value!r}.") from exc
    if day < EARLIEST_TODAY:
        raise CommandError(f"Tanggal acuan paling awal {EARLIEST_TODAY.isoformat()}.")
    return day


class Command(BaseCommand):
    help = (
        "Isi data demo: KPM dengan anggota, pendamping, dan satu akun per peran. Bawaan: "
        "Kota Kediri (35.71), sekitar 3.000 KPM dan 29 pendamping. Seed dan tanggal yang sama "
        "menghasilkan baris yang sama."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Benih acak (bawaan 1).")
        parser.add_argument(
            "--today", type=_day, help="Tanggal acuan YYYY-MM-DD (bawaan: hari ini, WIB)."
        )
        parser.add_argument("--kpm", type=int, help="Jumlah KPM, dibagi rata ke semua desa.")
        parser.add_argument(
            "--kabupaten", nargs="+", metavar="KODE", help="Kode kabupaten/kota, mis. 35.71 35.06."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Tidak melakukan apa pun bila sudah ada KPM."
        )
        parser.add_argument("--workers", type=int, help="Proses pembangkit (bawaan: otomatis).")

    def handle(self, *args, **options) -> None:
        from kpm.models import Kpm

        if options["if_empty"] and Kpm.objects.exists():
            self.stdout.write("Sudah ada data KPM; seed_demo --if-empty tidak mengubah apa pun.")
            return
        if options["kpm"] is not None and options["kpm"] < 0:
            raise CommandError("--kpm tidak boleh negatif.")
        kabupaten = list(dict.fromkeys(options["kabupaten"] or DEFAULT_KABUPATEN))
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            result = demo_seed(
                seed=options["seed"],
                today=options["today"] or jakarta_today(),
                kpm=options["kpm"],
                kabupaten=kabupaten,
                workers=options["workers"],
                progress=progress,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)

    def _report(self, result: SeedResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Data demo dibuat dalam {result.seconds:.1f} detik: {ribuan(result.kpm)} KPM, "
                f"{ribuan(result.anggota)} anggota, {ribuan(result.pendamping)} pendamping, "
                f"{ribuan(result.desil)} riwayat desil, "
                f"{ribuan(result.assessment)} asesmen ekonomi."
            )
        )
        if result.kept_logins:
            self.stdout.write(f"Akun yang sudah ada dibiarkan: {', '.join(result.kept_logins)}.")
        self.stdout.write(f"Akun demo: {', '.join(DEMO_USERNAMES)}; kata sandi: {DEMO_PASSWORD}")
