"""The report row as the outbox of its tag task: when it was handed to the broker
(queued_at) and when it was last claimed (claimed_at), with a small partial index for
the outbox sweep. Existing pending reports get queued_at null: the first sweep
publishes them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_ingest_sketch_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='report',
            name='queued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='report',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'processing'])), fields=['status', 'queued_at'], name='report_outbox'),
        ),
    ]
