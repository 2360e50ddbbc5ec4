"""Seed the P2K2 curriculum: five modules and their sessions (Kemensos P2K2 modules)."""

from django.db import migrations

CATALOGUE = [
    ("pengasuhan", "Pengasuhan dan Pendidikan Anak", [
        "Menjadi orang tua yang lebih baik",
        "Memahami perilaku anak",
        "Memahami cara anak usia dini belajar",
        "Membantu anak sukses di sekolah",
    ]),
    ("ekonomi", "Pengelolaan Keuangan dan Perencanaan Usaha", [
        "Mengelola keuangan keluarga",
        "Cermat meminjam dan menabung",
        "Memulai usaha",
    ]),
    ("kesehatan", "Kesehatan dan Gizi", [
        "Pentingnya gizi dan layanan ibu hamil",
        "Pentingnya gizi ibu menyusui dan balita",
        "Kesakitan anak dan kesehatan lingkungan",
        "Permainan dan tumbuh kembang anak",
    ]),
    ("perlindungan", "Perlindungan Anak", [
        "Upaya pencegahan kekerasan dan perlakuan salah pada anak",
        "Penelantaran dan eksploitasi terhadap anak",
    ]),
    ("kesos", "Kesejahteraan Sosial (Lansia dan Disabilitas)", [
        "Pelayanan bagi penyandang disabilitas berat",
        "Pelayanan bagi lanjut usia",
    ]),
]  # fmt: skip


def seed(apps, schema_editor):
    Module = apps.get_model("pendamping", "P2k2Module")
    Session = apps.get_model("pendamping", "P2k2Session")
    for order, (code, name, titles) in enumerate(CATALOGUE, start=1):
        module, _ = Module.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for number, title in enumerate(titles, start=1):
            Session.objects.get_or_create(module=module, number=number, defaults={"title": title})


def unseed(apps, schema_editor):
    Module = apps.get_model("pendamping", "P2k2Module")
    Session = apps.get_model("pendamping", "P2k2Session")
    codes = [code for code, _name, _titles in CATALOGUE]
    Session.objects.filter(module__code__in=codes).delete()
    Module.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("pendamping", "0003_visits_commitments_p2k2")]
    operations = [migrations.RunPython(seed, unseed)]
