"""``manage.py import_kim FILE --user USERNAME [--dry-run]``: KIM from a CSV or XLSX file with
the columns of the template (see ``villages.importer``), written as USERNAME would through the
import page: the same rights, the same history entries."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kimtracker import roles
from villages import importer


class Command(BaseCommand):
    help = (
        "Import KIM from a CSV (UTF-8) or XLSX file with the columns of the import template. "
        "Every row is checked first; when any row has an error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument(
            "--user",
            required=True,
            help="username whose rights apply and who is recorded in the KIM history",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, but write nothing"
        )

    def handle(self, *args, file, user, dry_run, **options):
        by = self._user(user)
        filename = Path(file).name
        try:
            rows = importer.read_file(file, filename=filename)
            if dry_run:
                result = importer.plan(rows, by=by)
                self._report(result, options["verbosity"])
                if result.has_errors:
                    raise importer.ImportRefused(
                        _("%(count)d baris berisi kesalahan.") % {"count": result.counts.errors},
                        plan=result,
                    )
                counts = result.counts
            else:
                counts = importer.run(rows, by=by, filename=filename)
        except importer.ImportRefused as exc:
            if exc.plan is not None and not dry_run:
                self._report(exc.plan, options["verbosity"])
            raise CommandError(
                _("%(error)s Tidak ada yang ditulis.") % {"error": exc.message}
            ) from exc

        summary = _("%(created)d KIM baru, %(updated)d diperbarui, %(unchanged)d tidak berubah") % {
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
        }
        if dry_run:
            self.stdout.write(
                _("Uji coba: %(summary)s; tidak ada yang ditulis.") % {"summary": summary}
            )
        else:
            self.stdout.write(self.style.SUCCESS(summary))

    def _user(self, username):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(_("Pengguna %(user)s tidak ada.") % {"user": username}) from exc
        if not user.is_active or not user.has_perm(roles.PERM_IMPORT):
            raise CommandError(
                _("Pengguna %(user)s tidak berhak mengimpor KIM.") % {"user": username}
            )
        return user

    def _report(self, result, verbosity):
        """Each error on a line of its own; with -v 2 also what each row does."""
        for outcome in result.outcomes:
            if verbosity >= 2 and not outcome.errors:
                self.stdout.write(
                    _("baris %(row)d: %(action)s %(name)s (%(code)s)")
                    % {
                        "row": outcome.number,
                        "action": outcome.action_label,
                        "name": outcome.name,
                        "code": outcome.desa_code,
                    }
                )
        for row, column, message in result.errors:
            if column:
                line = _("baris %(row)d, kolom %(column)s: %(message)s") % {
                    "row": row,
                    "column": column,
                    "message": message,
                }
            else:
                line = _("baris %(row)d: %(message)s") % {"row": row, "message": message}
            self.stderr.write(line)
