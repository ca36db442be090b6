"""What ``manage.py import_kim`` and ``manage.py import_activities`` share: FILE --user NAME
[--dry-run], the user's rights checked as on the import page, every error on a line of its own,
and nothing written when any row is wrong."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .files import ImportRefused
from .plan import Importer, ImportPlan


class ImportCommand(BaseCommand):
    """A command importing ``FILE`` with ``importer``. Subclasses set ``importer``, ``help``,
    ``user_help`` and ``not_allowed`` (a message with a ``%(user)s`` placeholder)."""

    importer: Importer
    user_help = "username whose rights apply"
    not_allowed = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--user", required=True, help=self.user_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, but write nothing"
        )

    def handle(self, *args, file, user, dry_run, **options):
        by = self._user(user)
        filename = Path(file).name
        importer = self.importer
        try:
            rows = importer.read_file(file, filename=filename)
            if dry_run:
                result = importer.plan(rows, by=by)
                self._report(result, options["verbosity"])
                if result.has_errors:
                    raise ImportRefused(
                        _("%(count)d baris berisi kesalahan.") % {"count": result.counts.errors},
                        plan=result,
                    )
                counts = result.counts
            else:
                counts = importer.run(rows, by=by, filename=filename)
        except ImportRefused as exc:
            if exc.plan is not None and not dry_run:
                self._report(exc.plan, options["verbosity"])
            raise CommandError(
                _("%(error)s Tidak ada yang ditulis.") % {"error": exc.message}
            ) from exc

        summary = importer.summary(counts)
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
        if not user.is_active or not user.has_perm(self.importer.permission):
            raise CommandError(str(self.not_allowed) % {"user": username})
        return user

    def _report(self, result: ImportPlan, verbosity: int):
        """Each error on a line of its own; with -v 2 also what each row does."""
        for outcome in result.outcomes:
            if verbosity >= 2 and not outcome.errors:
                self.stdout.write(
                    _("baris %(row)d: %(action)s %(name)s (%(code)s)")
                    % {
                        "row": outcome.number,
                        "action": outcome.action_label,
                        "name": " ".join(filter(None, (outcome.name, outcome.detail))),
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
