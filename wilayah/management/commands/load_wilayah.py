import time

from django.core.management.base import BaseCommand

from wilayah.services import wilayah_load


class Command(BaseCommand):
    help = "Muat kode wilayah Kemendagri (provinsi, kabupaten/kota, kecamatan, desa/kelurahan)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        results = wilayah_load()
        elapsed = time.perf_counter() - started
        for r in results:
            self.stdout.write(f"{r.table}: {r.rows} baris, {r.written} ditulis")
        self.stdout.write(self.style.SUCCESS(f"Wilayah dimuat dalam {elapsed:.1f} detik."))
