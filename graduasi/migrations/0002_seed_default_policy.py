"""Seed the policy in force from 2025-01-01 with the defaults of DESIGN §5.

The values are written out here, not imported from graduasi.rules, so that this migration
seeds the same row whatever later becomes of the code defaults.
"""

import datetime
from decimal import Decimal

from django.db import migrations

VALID_FROM = datetime.date(2025, 1, 1)
SOURCE = "DESIGN §5: nilai baku praktik Kemensos (lansia: peraturan 60 tahun, praktik 70)"
VALUES = {
    "amount_ibu_hamil": 3_000_000,
    "amount_anak_usia_dini": 3_000_000,
    "amount_sd": 900_000,
    "amount_smp": 1_500_000,
    "amount_sma": 2_000_000,
    "amount_lansia": 2_400_000,
    "amount_disabilitas_berat": 2_400_000,
    "nifas_days": 42,
    "anak_usia_dini_max_age": 6,
    "school_max_age": 21,
    "lansia_min_age": 70,
    "max_components": 4,
    "tahap_per_year": 4,
    "poverty_line_multiplier": Decimal("1.00"),
    "desil_ceiling": 4,
    "max_years_in_pkh": 5,
    "yearly_graduation_target": 10,
    "assessment_max_age_months": 12,
    "sejahtera_evidence_max_age_months": 6,
}


def seed(apps, schema_editor):
    PolicyVersion = apps.get_model("graduasi", "PolicyVersion")
    PolicyVersion.objects.get_or_create(
        valid_from=VALID_FROM, defaults={**VALUES, "source": SOURCE}
    )


def unseed(apps, schema_editor):
    PolicyVersion = apps.get_model("graduasi", "PolicyVersion")
    PolicyVersion.objects.filter(valid_from=VALID_FROM, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("graduasi", "0001_policy_version")]
    operations = [migrations.RunPython(seed, unseed)]
