"""The roles of DESIGN.md section 1, as Django groups, and the permissions each one holds.

Staf views; Petugas also registers and edits KIM, records status changes, voids and imports;
Manajer also reads reports and exports, sets targets, reads the audit log and manages the
users of their own wilayah. The groups are created by data migrations
(``villages/migrations/0004_roles.py``, ``0007_activity_roles.py``,
``reports/migrations/0005_publish_role.py``, ``villages/migrations/0021_account_events.py``),
each with a frozen copy of this table; a change here needs a new one (a test checks the latest
matches). ``manage.py sync_roles`` re-applies the table by hand.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin

STAF, PETUGAS, MANAJER = "Staf", "Petugas", "Manajer"

VIEW = [
    "villages.view_provinsi",
    "villages.view_kabupaten",
    "villages.view_kecamatan",
    "villages.view_desa",
    "villages.view_kim",
    "villages.view_kimstatuschange",
    "villages.view_kimactivity",
    "reports.view_target",
]
OFFICER = VIEW + [
    "villages.add_kim",
    "villages.change_kim",
    "villages.add_kimstatuschange",
    "villages.add_kimactivity",
    "villages.void_kim",
    "villages.import_kim",
    "villages.view_personal_data",
]
MANAGER = OFFICER + [
    "reports.view_reports",
    "reports.add_target",
    "reports.change_target",
    "reports.publish_report",
    "villages.view_audit_log",
    "villages.manage_users",
]
ROLE_PERMISSIONS = {STAF: VIEW, PETUGAS: OFFICER, MANAJER: MANAGER}

# Permission each kind of page needs.
PERM_VIEW = "villages.view_kim"
PERM_EDIT = "villages.change_kim"
PERM_ADD = "villages.add_kim"
PERM_STATUS = "villages.add_kimstatuschange"
PERM_ACTIVITY = "villages.add_kimactivity"
PERM_VOID = "villages.void_kim"
PERM_IMPORT = "villages.import_kim"
PERM_PERSONAL = "villages.view_personal_data"
PERM_AUDIT = "villages.view_audit_log"
PERM_REPORTS = "reports.view_reports"
PERM_PUBLISH = "reports.publish_report"
PERM_USERS = "villages.manage_users"


def sync_roles(apps=None, role_permissions=None):
    """Create the three groups and set exactly the permissions of ``role_permissions`` (default
    ``ROLE_PERMISSIONS``). A migration passes its app registry and its own frozen copy of the
    table, since the models it sees are those of its time."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    for app_label in ("villages", "reports"):
        create_permissions(global_apps.get_app_config(app_label), apps=registry, verbosity=0)
    Group = registry.get_model("auth", "Group")
    Permission = registry.get_model("auth", "Permission")
    for role, names in (role_permissions or ROLE_PERMISSIONS).items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


class ViewPermissionMixin(PermissionRequiredMixin):
    """Read pages: any of the three roles (and the superuser)."""

    permission_required = PERM_VIEW
