"""Account events: the two-step log-in enrolled or removed (kimtracker.two_factor)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0021_account_events"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accountevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invited", "Diundang"),
                    ("role_changed", "Peran diubah"),
                    ("wilayah_given", "Wilayah diberikan"),
                    ("wilayah_taken", "Wilayah dicabut"),
                    ("deactivated", "Dinonaktifkan"),
                    ("reactivated", "Diaktifkan kembali"),
                    ("invitation_sent", "Undangan dikirim ulang"),
                    ("two_factor_enabled", "Verifikasi dua langkah diaktifkan"),
                    ("two_factor_removed", "Verifikasi dua langkah dilepas"),
                ],
                max_length=20,
                verbose_name="jenis",
            ),
        ),
    ]
