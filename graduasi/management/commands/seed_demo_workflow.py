"""`manage.py seed_demo_workflow`: demo proposals, graduations, referrals and follow-ups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from graduasi.demo import demo_workflow
from graduasi.models import Proposal
from kpm.demo.api_client import demo_api_client
from kpm.models import Kpm


class Command(BaseCommand):
    help = (
        "Isi contoh alur graduasi di atas data demo: usulan yang disetujui tahun ini, usulan "
        "menunggu keputusan Dinsos, rujukan, tindak lanjut dan kuota kabupaten/kota, serta "
        "kunjungan, kelompok dan pertemuan P2K2, dan KPM graduasi yang berisiko kembali miskin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kabupaten", default="35.71", help="Kode kabupaten/kota (35.71).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Tidak melakukan apa pun bila sudah ada usulan."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["kabupaten"]
        if not Kpm.objects.filter(kabupaten_code=code).exists():
            self.stdout.write(f"Belum ada KPM di {code}; jalankan seed_demo dulu.")
            return
        client = demo_api_client(today=timezone.localdate())  # once; the graduations' reader
        if options["if_empty"] and Proposal.objects.filter(kpm__kabupaten_code=code).exists():
            self.stdout.write(
                "Sudah ada usulan graduasi; seed_demo_workflow tidak mengubah apa pun."
            )
            return
        result = demo_workflow(
            kabupaten_code=code, today=timezone.localdate(), seed=options["seed"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Alur graduasi demo: {result.approved} disetujui, {result.pending} menunggu "
                f"keputusan, {result.returned} dikembalikan, {result.drafts} draf, "
                f"{result.referrals} rujukan; {result.backfilled} KPM lama diberi tanggal."
            )
        )
        self.stdout.write(
            f"Kegiatan lapangan: {result.visits} kunjungan, {result.groups} kelompok P2K2 dengan "
            f"{result.meetings} pertemuan, {result.at_risk} KPM graduasi berisiko kembali miskin."
        )
        self.stdout.write(f"Klien API demo: {client.name}, nomor PKS {client.agreement_number}.")
        for line in result.skipped[:10]:
            self.stdout.write(f"  dilewati: {line}")
