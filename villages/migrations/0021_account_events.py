"""Users managed in the app: their account events, and the right to manage them (Manajer)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The roles table of kimtracker.roles as of this migration: Manajer may manage users.
ROLES = {
    "Staf": [
        "villages.view_provinsi",
        "villages.view_kabupaten",
        "villages.view_kecamatan",
        "villages.view_desa",
        "villages.view_kim",
        "villages.view_kimstatuschange",
        "villages.view_kimactivity",
        "reports.view_target",
    ],
    "Petugas": [
        "villages.view_provinsi",
        "villages.view_kabupaten",
        "villages.view_kecamatan",
        "villages.view_desa",
        "villages.view_kim",
        "villages.view_kimstatuschange",
        "villages.view_kimactivity",
        "reports.view_target",
        "villages.add_kim",
        "villages.change_kim",
        "villages.add_kimstatuschange",
        "villages.add_kimactivity",
        "villages.void_kim",
        "villages.import_kim",
        "villages.view_personal_data",
    ],
    "Manajer": [
        "villages.view_provinsi",
        "villages.view_kabupaten",
        "villages.view_kecamatan",
        "villages.view_desa",
        "villages.view_kim",
        "villages.view_kimstatuschange",
        "villages.view_kimactivity",
        "reports.view_target",
        "villages.add_kim",
        "villages.change_kim",
        "villages.add_kimstatuschange",
        "villages.add_kimactivity",
        "villages.void_kim",
        "villages.import_kim",
        "villages.view_personal_data",
        "reports.view_reports",
        "reports.add_target",
        "reports.change_target",
        "reports.publish_report",
        "villages.view_audit_log",
        "villages.manage_users",
    ],
}


def update_roles(apps, schema_editor):
    from kimtracker.roles import sync_roles

    sync_roles(apps, ROLES)


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0020_user_wilayah'),
        ('reports', '0005_publish_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='waktu')),
                ('kind', models.CharField(choices=[('invited', 'Diundang'), ('role_changed', 'Peran diubah'), ('wilayah_given', 'Wilayah diberikan'), ('wilayah_taken', 'Wilayah dicabut'), ('deactivated', 'Dinonaktifkan'), ('reactivated', 'Diaktifkan kembali'), ('invitation_sent', 'Undangan dikirim ulang')], max_length=20, verbose_name='jenis')),
                ('detail', models.CharField(blank=True, max_length=200, verbose_name='rincian')),
                ('reason', models.CharField(blank=True, max_length=200, verbose_name='alasan')),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='oleh')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_events', to=settings.AUTH_USER_MODEL, verbose_name='pengguna')),
            ],
            options={
                'verbose_name': 'peristiwa akun',
                'verbose_name_plural': 'peristiwa akun',
                'ordering': ['-at', '-pk'],
                'permissions': [('manage_users', 'Dapat mengatur pengguna di wilayahnya')],
            },
        ),
        migrations.RunPython(update_roles, migrations.RunPython.noop),
    ]
