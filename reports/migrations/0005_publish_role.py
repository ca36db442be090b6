"""Give the Manajer role the right to publish monthly reports."""

from django.db import migrations

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
    ],
}


def update_roles(apps, schema_editor):
    from kimtracker.roles import sync_roles

    sync_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_publications"),
        ("villages", "0019_activity_kind_label_jejaring"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
