"""A GIN index on the near-duplicate sketch (metadata->'sketch'), so the prefilter of
reports.services.near_duplicate_find (`?|` on the sketch's smallest hashes) stays an
index lookup however many reports there are. No model state changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS report_sketch_gin ON reports_report USING gin ((metadata -> 'sketch'))",
            reverse_sql="DROP INDEX IF EXISTS report_sketch_gin",
        ),
    ]
