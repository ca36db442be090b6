from django.db import migrations, models


class Migration(migrations.Migration):
    """Superseded by 0012 (a ``json`` column cannot be compared, so SELECT DISTINCT over a
    kecamatan failed); kept as a step that changes nothing, so that databases that applied it
    go on to 0012, which puts ``jsonb`` back."""

    dependencies = [
        ("villages", "0010_interval_formed_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="desa",
            name="boundary",
            field=models.JSONField(
                blank=True,
                help_text="Geometri GeoJSON (EPSG:4326), disederhanakan oleh `import_boundaries`.",
                null=True,
                verbose_name="batas wilayah",
            ),
        ),
        migrations.AlterField(
            model_name="kecamatan",
            name="boundary",
            field=models.JSONField(
                blank=True,
                help_text="Geometri GeoJSON (EPSG:4326), disederhanakan oleh `import_boundaries`.",
                null=True,
                verbose_name="batas wilayah",
            ),
        ),
    ]
