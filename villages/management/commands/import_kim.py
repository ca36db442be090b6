"""``manage.py import_kim FILE --user USERNAME [--dry-run]``: KIM from a CSV or XLSX file with
the columns of the template (see ``villages.importing.kim``), written as USERNAME would through
the import page: the same rights, the same history entries."""

from django.utils.translation import gettext_lazy

from villages.importing import kim
from villages.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import KIM from a CSV (UTF-8) or XLSX file with the columns of the import template. "
        "Every row is checked first; when any row has an error nothing is written."
    )
    importer = kim.IMPORTER
    user_help = "username whose rights apply and who is recorded in the KIM history"
    not_allowed = gettext_lazy("Pengguna %(user)s tidak berhak mengimpor KIM.")
