"""The access log's ID lists: written as one array literal (IdArrayField, no change in the
database), and the GIN index's new entries left in a 64 MB pending list that autovacuum merges,
visiting the table every 100 new events, so the request that logs them does not."""

import django.contrib.postgres.indexes
from django.db import migrations, models

import audit.models

INDEX = "access_event_record_ids_gin"

FORWARD = f"""
ALTER INDEX {INDEX} SET (gin_pending_list_limit = 65536);
ALTER TABLE audit_accessevent SET (
    autovacuum_vacuum_insert_threshold = 100, autovacuum_vacuum_insert_scale_factor = 0
);
"""
BACKWARD = f"""
ALTER INDEX {INDEX} RESET (gin_pending_list_limit);
ALTER TABLE audit_accessevent RESET (
    autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor
);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_accessevent_client")]

    operations = [
        migrations.AlterField(
            model_name="accessevent",
            name="record_ids",
            field=audit.models.IdArrayField(
                base_field=models.CharField(max_length=64),
                blank=True,
                default=list,
                size=None,
                verbose_name="ID data",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.RemoveIndex(model_name="accessevent", name=INDEX),
                migrations.AddIndex(
                    model_name="accessevent",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["record_ids"], gin_pending_list_limit=65536, name=INDEX
                    ),
                ),
            ],
        ),
    ]
