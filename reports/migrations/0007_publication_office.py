"""Document numbers run per office: ``Publication.office_code`` (the kabupaten/kota, or the
provinsi, of the report's wilayah), filled in for publications made before, and the number
unique per office instead of across the deployment."""

from django.conf import settings
from django.db import migrations, models


def fill_office(apps, schema_editor):
    Publication = apps.get_model("reports", "Publication")
    for publication in Publication.objects.only("pk", "wilayah_code"):
        # Publication.office_of, as of this migration.
        Publication.objects.filter(pk=publication.pk).update(
            office_code=publication.wilayah_code[:5]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_target_wilayah"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="office_code",
            field=models.CharField(blank=True, max_length=20, verbose_name="kantor"),
        ),
        migrations.AlterField(
            model_name="publication",
            name="number",
            field=models.CharField(max_length=100, verbose_name="nomor"),
        ),
        migrations.RunPython(fill_office, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="publication",
            constraint=models.UniqueConstraint(
                fields=("office_code", "number"),
                name="publication_unique_number_per_office",
                violation_error_message="Nomor dokumen ini sudah dipakai kantor ini.",
            ),
        ),
    ]
