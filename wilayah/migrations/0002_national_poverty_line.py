"""Seed the national poverty line (BPS, March 2025): Rp609,160 per capita per month."""

import datetime

from django.db import migrations

SOURCE = "BPS, Garis Kemiskinan nasional Maret 2025"


def seed(apps, schema_editor):
    PovertyLine = apps.get_model("wilayah", "PovertyLine")
    PovertyLine.objects.get_or_create(
        provinsi=None,
        valid_from=datetime.date(2025, 3, 1),
        defaults={"amount": 609_160, "source": SOURCE},
    )


def unseed(apps, schema_editor):
    PovertyLine = apps.get_model("wilayah", "PovertyLine")
    PovertyLine.objects.filter(provinsi=None, valid_from=datetime.date(2025, 3, 1), source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("wilayah", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
