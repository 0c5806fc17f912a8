"""Drop the single-column indexes of event and claim keys that a composite index already
leads with (event: place, actor1, actor2, updated_at; claim: report, place): every
event and claim the tagging pipeline writes paid for them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conflict', '0004_controlperiod_span_index'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claim',
            name='place',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='conflict.place'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='report',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='reports.report'),
        ),
        migrations.AlterField(
            model_name='event',
            name='actor1',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events_as_actor1', to='conflict.actor'),
        ),
        migrations.AlterField(
            model_name='event',
            name='actor2',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events_as_actor2', to='conflict.actor'),
        ),
        migrations.AlterField(
            model_name='event',
            name='place',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='conflict.place'),
        ),
        migrations.AlterField(
            model_name='event',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
    ]
