# Field names in words, so that the admin shows them in Spanish and English.

import django.db.models.deletion
import efactura.interconnection.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interconnection", "0001_as4_interconnection"),
        ("invoices", "0006_merge_archive_sealing_with_lists_and_statuses"),
    ]

    operations = [
        migrations.AlterField(
            model_name="discoveryentry",
            name="endpoints",
            field=models.JSONField(default=dict, verbose_name="endpoints"),
        ),
        migrations.AlterField(
            model_name="discoveryentry",
            name="expires",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AlterField(
            model_name="discoveryentry",
            name="participant",
            field=models.CharField(max_length=140, unique=True, verbose_name="participant"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="created",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="document_type",
            field=models.CharField(blank=True, max_length=300, verbose_name="document type"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="as4_inbound",
                to="invoices.invoice",
                verbose_name="invoice",
            ),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="message_id",
            field=models.CharField(max_length=200, unique=True, verbose_name="message id"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="receipt",
            field=models.BinaryField(default=b"", verbose_name="receipt"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="receipt_content_type",
            field=models.CharField(
                default="application/soap+xml", max_length=200, verbose_name="receipt content type"
            ),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="recipient_participant",
            field=models.CharField(max_length=140, verbose_name="recipient participant"),
        ),
        migrations.AlterField(
            model_name="inboundmessage",
            name="sender_participant",
            field=models.CharField(max_length=140, verbose_name="sender participant"),
        ),
        migrations.AlterField(
            model_name="nodecredential",
            name="key_encrypted",
            field=models.BinaryField(verbose_name="key encrypted"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="created",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="document_type",
            field=models.CharField(blank=True, max_length=300, verbose_name="document type"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="as4_messages",
                to="invoices.invoice",
                verbose_name="invoice",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="message_id",
            field=models.CharField(
                default=efactura.interconnection.models.new_message_id,
                max_length=200,
                unique=True,
                verbose_name="message id",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="payload",
            field=models.BinaryField(
                blank=True,
                default=b"",
                help_text="Business document (empty: the invoice's, at send time).",
                verbose_name="payload",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="receipt",
            field=models.BinaryField(blank=True, default=b"", verbose_name="receipt"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="recipient_participant",
            field=models.CharField(max_length=140, verbose_name="recipient participant"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="sender_participant",
            field=models.CharField(max_length=140, verbose_name="sender participant"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="updated",
            field=models.DateTimeField(auto_now=True, verbose_name="updated"),
        ),
    ]
