"""Create the role groups with the permissions they had when this migration was written."""

from django.db import migrations

ROLES = {
    "Staf": [
        "villages.view_provinsi",
        "villages.view_kabupaten",
        "villages.view_kecamatan",
        "villages.view_desa",
        "villages.view_kim",
        "villages.view_kimstatuschange",
        "reports.view_target",
    ],
    "Petugas": [
        "villages.view_provinsi",
        "villages.view_kabupaten",
        "villages.view_kecamatan",
        "villages.view_desa",
        "villages.view_kim",
        "villages.view_kimstatuschange",
        "reports.view_target",
        "villages.add_kim",
        "villages.change_kim",
        "villages.add_kimstatuschange",
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
        "reports.view_target",
        "villages.add_kim",
        "villages.change_kim",
        "villages.add_kimstatuschange",
        "villages.void_kim",
        "villages.import_kim",
        "villages.view_personal_data",
        "reports.view_reports",
        "reports.add_target",
        "reports.change_target",
        "villages.view_audit_log",
    ],
}


def create_roles(apps, schema_editor):
    from kimtracker.roles import sync_roles

    sync_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("villages", "0003_void_version_assignment"),
        ("reports", "0002_report_permission"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
