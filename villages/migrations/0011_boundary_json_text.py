from django.db import migrations, models


class Migration(migrations.Migration):
    """A step that changes nothing: it was written while the map data was being tuned (the
    boundary briefly as ``json``, which cannot be compared, so SELECT DISTINCT over kecamatan
    failed) and only development databases ever applied that; 0012 sets the column as it is.
    Left in place rather than renumbering 0012-0016, which other migrations depend on."""

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
