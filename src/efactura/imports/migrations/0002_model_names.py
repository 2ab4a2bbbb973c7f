# Model names in words, so that the admin shows them in Spanish and English.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_import_jobs'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='importjob',
            options={'ordering': ['-created_at'], 'verbose_name': 'import job', 'verbose_name_plural': 'import jobs'},
        ),
        migrations.AlterModelOptions(
            name='importupload',
            options={'ordering': ['position'], 'verbose_name': 'uploaded file to import', 'verbose_name_plural': 'uploaded files to import'},
        ),
    ]
