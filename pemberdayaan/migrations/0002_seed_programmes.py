"""The referral catalogue every deployment starts with; the ministry edits it in the admin."""

from django.db import migrations

PROGRAMMES = [
    ("ppse", "PPSE: bantuan modal usaha Rp5 juta", "Kementerian Sosial", "hibah", 5_000_000,
     "Program Pahlawan Ekonomi Nusantara Sosial Ekonomi: hibah modal usaha bagi KPM graduasi."),
    ("pena", "PENA (Pahlawan Ekonomi Nusantara)", "Kementerian Sosial", "program", None,
     "Pendampingan usaha dan akses pasar bagi keluarga graduasi."),
    ("pnm-mekaar", "PNM Mekaar", "PT Permodalan Nasional Madani (PNM)", "pinjaman", None,
     "Pembiayaan kelompok untuk perempuan prasejahtera pelaku usaha ultra mikro."),
    ("kur", "KUR (Kredit Usaha Rakyat)", "Bank penyalur KUR", "pinjaman", None,
     "Kredit usaha mikro berbunga rendah melalui bank penyalur."),
    ("pelatihan-kemenkopukm", "Pelatihan KemenKopUKM", "Kementerian Koperasi dan UKM", "pelatihan",
     None, "Pelatihan kewirausahaan, koperasi dan pemasaran."),
    ("kemenko-pm", "Program Kemenko PM", "Kementerian Koordinator Bidang Pemberdayaan Masyarakat",
     "program", None, "Program pemberdayaan masyarakat lintas kementerian."),
]  # fmt: skip


def seed(apps, schema_editor):
    Programme = apps.get_model("pemberdayaan", "Programme")
    for position, (code, name, agency, kind, amount, description) in enumerate(PROGRAMMES):
        Programme.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "agency": agency, "kind": kind, "amount": amount,
                "description": description, "position": position * 10,
            },
        )  # fmt: skip


def unseed(apps, schema_editor):
    Programme = apps.get_model("pemberdayaan", "Programme")
    Programme.objects.filter(code__in=[p[0] for p in PROGRAMMES], referrals=None).delete()


class Migration(migrations.Migration):
    dependencies = [("pemberdayaan", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
