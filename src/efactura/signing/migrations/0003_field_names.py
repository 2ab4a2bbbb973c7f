# Field names in words, so that the admin shows them in Spanish and English.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
        ("signing", "0002_certificate_fingerprint_retired"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="certificate",
            name="expiry_warned",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expiry warned"),
        ),
        migrations.AlterField(
            model_name="certificate",
            name="p12_encrypted",
            field=models.BinaryField(verbose_name="p12 encrypted"),
        ),
        migrations.AlterField(
            model_name="certificate",
            name="password_encrypted",
            field=models.BinaryField(verbose_name="password encrypted"),
        ),
        migrations.AlterField(
            model_name="certificate",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="uploaded by",
            ),
        ),
        migrations.AlterField(
            model_name="signingsettings",
            name="company",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="signing_settings",
                to="companies.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="signingsettings",
            name="updated",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated"),
        ),
    ]
