# Field names in words and statuses by name, so that the admin shows them in Spanish and English.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0006_merge_archive_sealing_with_lists_and_statuses'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='actor_label',
            field=models.CharField(blank=True, max_length=200, verbose_name='who'),
        ),
        migrations.AlterField(
            model_name='event',
            name='data',
            field=models.JSONField(blank=True, default=dict, verbose_name='details'),
        ),
        migrations.AlterField(
            model_name='invoice',
            name='status_before_cancellation',
            field=models.CharField(blank=True, choices=[('received', 'Received'), ('read', 'Read'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('partially_paid', 'Partially paid'), ('paid', 'Paid'), ('cancellation_requested', 'Cancellation requested'), ('cancelled', 'Cancelled')], max_length=24, verbose_name='status before cancellation'),
        ),
    ]
