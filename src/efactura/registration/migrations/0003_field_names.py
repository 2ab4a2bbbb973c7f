# Field names in words, so that the admin shows them in Spanish and English.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0002_lockout_backoff"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invitationcode",
            name="code_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="code hash"),
        ),
        migrations.AlterField(
            model_name="issuercode",
            name="code_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="code hash"),
        ),
        migrations.AlterField(
            model_name="registrationthrottle",
            name="failures",
            field=models.PositiveIntegerField(default=0, verbose_name="failures"),
        ),
        migrations.AlterField(
            model_name="registrationthrottle",
            name="key",
            field=models.CharField(max_length=80, unique=True, verbose_name="key"),
        ),
        migrations.AlterField(
            model_name="registrationthrottle",
            name="locked_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="locked until"),
        ),
        migrations.AlterField(
            model_name="registrationthrottle",
            name="locks",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Locks so far; each lasts twice as long as the previous one.",
                verbose_name="locks",
            ),
        ),
        migrations.AlterField(
            model_name="registrationthrottle",
            name="window_start",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="window start"
            ),
        ),
    ]
