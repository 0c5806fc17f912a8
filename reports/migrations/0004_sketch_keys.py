"""The near-duplicate prefilter looks reports up in a table of their sketch hashes
(btree) instead of a GIN index on metadata->'sketch', which the planner answered by
reading every report's metadata once the reports sharing a hash were many. The table
is filled from the sketches already stored; the GIN index goes."""

import django.db.models.deletion
from django.db import migrations, models

# A sketch hash is 16 hex digits; as bit(64) cast to bigint it is the same signed
# integer reports.services.sketch_key computes. The sketch is sorted: its first 16
# (PREFILTER_KEYS) are the smallest, the ones the prefilter compares.
BACKFILL = """
INSERT INTO reports_reportsketchkey (report_id, key)
SELECT DISTINCT r.id, ('x' || h.value)::bit(64)::bigint
FROM reports_report r, jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(r.metadata -> 'sketch') = 'array' THEN r.metadata -> 'sketch' ELSE '[]'::jsonb END
) WITH ORDINALITY AS h(value, n)
WHERE h.value ~ '^[0-9a-f]{16}$' AND h.n <= 16
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_report_outbox'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportSketchKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.BigIntegerField()),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sketch_keys',
                                             to='reports.report')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('key', 'report'), name='report_sketch_key_unique')],
            },
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS report_sketch_gin",
            reverse_sql="CREATE INDEX IF NOT EXISTS report_sketch_gin ON reports_report"
                        " USING gin ((metadata -> 'sketch'))",
        ),
    ]
