from django.db import migrations, models


def number_existing_chain(apps, schema_editor):
    """Existing rows were chained in id order: give them their positions, and the head its."""
    document = apps.get_model("invoices", "Document")
    head = apps.get_model("invoices", "ArchiveHead")
    seq = 0
    batch = []
    for row in document.objects.order_by("id").only("id").iterator():
        seq += 1
        row.chain_seq = seq
        batch.append(row)
        if len(batch) >= 1000:
            document.objects.bulk_update(batch, ["chain_seq"])
            batch = []
    if batch:
        document.objects.bulk_update(batch, ["chain_seq"])
    head.objects.filter(pk=1).update(seq=seq)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0003_archive_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="archivehead",
            name="seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="document",
            name="chain_seq",
            field=models.PositiveBigIntegerField(
                blank=True,
                help_text="Position in the archive's hash chain (empty until sealed).",
                null=True,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="chain_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(number_existing_chain, migrations.RunPython.noop),
    ]
