import datetime

from django.db import migrations, models

from villages import timeline


def fill(apps, schema_editor):
    """Existing deployments get their figures on ``migrate``: the structure of 0009 and this
    column, everything derived from the timeline."""
    timeline.rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0009_figure_intervals"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="kimstatusinterval",
            name="kim_interval_active_idx",
        ),
        migrations.AddField(
            model_name="kimstatusinterval",
            name="formed_on",
            field=models.DateField(
                default=datetime.date(1900, 1, 1), verbose_name="tanggal pembentukan"
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="kimstatusinterval",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["starts_on"],
                include=("ends_on", "formed_on", "kim"),
                name="kim_interval_active_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="kimstatusinterval",
            constraint=models.CheckConstraint(
                condition=models.Q(("starts_on__gte", models.F("formed_on"))),
                name="kim_interval_not_before_formation",
                violation_error_message="Interval tidak boleh sebelum pembentukan KIM.",
            ),
        ),
        # Last: PostgreSQL alters no table with pending (deferred) foreign key checks.
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
