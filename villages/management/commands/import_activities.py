"""``manage.py import_activities FILE --user USERNAME [--dry-run]``: KIM activities from a CSV
or XLSX file with the columns of the template (see ``villages.importing.activity``), recorded as
USERNAME would through the import page: the same rights, USERNAME as ``recorded_by``."""

from django.utils.translation import gettext_lazy

from villages.importing import activity
from villages.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import KIM activities from a CSV (UTF-8) or XLSX file with the columns of the import "
        "template. Every row is checked first; when any row has an error nothing is written."
    )
    importer = activity.IMPORTER
    user_help = "username whose rights apply and who is recorded as having recorded them"
    not_allowed = gettext_lazy("Pengguna %(user)s tidak berhak mencatat kegiatan KIM.")
