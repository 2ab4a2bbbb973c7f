# Field names in words, so that the admin shows them in Spanish and English.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
        ("invoices", "0006_merge_archive_sealing_with_lists_and_statuses"),
        ("verifactu", "0001_billing_records"),
    ]

    operations = [
        migrations.AlterField(
            model_name="billingrecord",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="verifactu_records",
                to="companies.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="verifactu.billingrecord",
                verbose_name="corrects",
            ),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="created",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="invoice",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="verifactu_records",
                to="invoices.invoice",
                verbose_name="invoice",
            ),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="previous_fingerprint",
            field=models.CharField(blank=True, max_length=64, verbose_name="previous fingerprint"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="qr_url",
            field=models.CharField(blank=True, max_length=300, verbose_name="QR URL"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="submission",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="records",
                to="verifactu.submission",
                verbose_name="submission",
            ),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="total",
            field=models.CharField(blank=True, max_length=20, verbose_name="total"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="updated",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated"),
        ),
        migrations.AlterField(
            model_name="billingrecord",
            name="xml",
            field=models.TextField(verbose_name="XML"),
        ),
        migrations.AlterField(
            model_name="chain",
            name="company",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verifactu_chain",
                to="companies.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="chain",
            name="events_length",
            field=models.PositiveIntegerField(default=0, verbose_name="events length"),
        ),
        migrations.AlterField(
            model_name="chain",
            name="incident",
            field=models.BooleanField(
                default=False,
                help_text="The last submission failed: send with Incidencia=S.",
                verbose_name="incident",
            ),
        ),
        migrations.AlterField(
            model_name="chain",
            name="last_event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="verifactu.eventrecord",
                verbose_name="last event",
            ),
        ),
        migrations.AlterField(
            model_name="chain",
            name="last_record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="verifactu.billingrecord",
                verbose_name="last record",
            ),
        ),
        migrations.AlterField(
            model_name="chain",
            name="length",
            field=models.PositiveIntegerField(default=0, verbose_name="length"),
        ),
        migrations.AlterField(
            model_name="chain",
            name="next_send_after",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next send after"),
        ),
        migrations.AlterField(
            model_name="chain",
            name="wait_seconds",
            field=models.PositiveIntegerField(default=60, verbose_name="wait seconds"),
        ),
        migrations.AlterField(
            model_name="companysettings",
            name="company",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verifactu_settings",
                to="companies.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="answered",
            field=models.DateTimeField(blank=True, null=True, verbose_name="answered"),
        ),
        migrations.AlterField(
            model_name="submission",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                to="companies.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="endpoint",
            field=models.CharField(blank=True, max_length=300, verbose_name="endpoint"),
        ),
        migrations.AlterField(
            model_name="submission",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lease until"),
        ),
        migrations.AlterField(
            model_name="submission",
            name="record_count",
            field=models.PositiveIntegerField(default=0, verbose_name="record count"),
        ),
        migrations.AlterField(
            model_name="submission",
            name="wait_seconds",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="wait seconds"),
        ),
    ]
