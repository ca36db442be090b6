"""``manage.py monthly_report YYYY-MM --format xlsx|pdf|csv --output PATH [--email]
[--wilayah CODE] [--publish [--reason TEXT] [--user USERNAME]]``."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import delivery, exports, monthly, publishing


class Command(BaseCommand):
    help = (
        "Write a month's KIM report (xlsx, pdf or csv) and/or e-mail the XLSX and PDF to every "
        "active Manajer. 'previous' is last month (for a cron line on the 1st)."
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM, or 'previous' for last month")
        parser.add_argument("--format", choices=["xlsx", "pdf", "csv"], default="xlsx")
        parser.add_argument("--output", help="file to write")
        parser.add_argument("--email", action="store_true", help="send to every Manajer")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the month's report (kept with a document number; a revision when one "
            "is already published, with --reason); --email then sends the published files",
        )
        parser.add_argument("--reason", default="", help="why a revision is published")
        parser.add_argument(
            "--user", default="", help="username recorded as publisher (default: the system)"
        )
        parser.add_argument(
            "--wilayah",
            default="",
            help="kecamatan, kabupaten/kota or provinsi code (35.07.08, 35.07, 35); required "
            "when the database holds more than one kabupaten/kota",
        )

    def handle(
        self,
        *args,
        month,
        format,
        output=None,
        email=False,
        wilayah="",
        publish=False,
        reason="",
        user="",
        **options,
    ):
        if not output and not email and not publish:
            raise CommandError(_("Sebutkan --output BERKAS, --email, --publish, atau gabungannya."))
        if month == "previous":
            month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime(
                "%Y-%m"
            )
        try:
            first_day = monthly.parse_month(month)
            report = monthly.build(first_day, monthly.resolve_wilayah(wilayah) if wilayah else None)
        except monthly.WilayahRequired as error:
            raise CommandError(
                _("%(error)s Sebutkan --wilayah KODE (mis. 35.07).") % {"error": error}
            ) from error
        except monthly.MonthError as error:
            raise CommandError(str(error)) from error
        publication = self._publish(report, reason, user) if publish else None
        if output:
            render = {"xlsx": exports.to_xlsx, "pdf": exports.to_pdf, "csv": exports.to_csv}
            try:
                content = render[format](report)
            except exports.PDFUnavailable as error:
                raise CommandError(str(error)) from error
            Path(output).write_bytes(content)
            self.stdout.write(
                _("Laporan %(month)s ditulis ke %(path)s.")
                % {"month": report.label, "path": output}
            )
        if email:
            sent_to = delivery.send(report, publication=publication)
            if not sent_to:
                raise CommandError(_("Tidak ada Manajer aktif dengan alamat e-mail."))
            self.stdout.write(
                _("Laporan %(month)s dikirim ke %(to)s.")
                % {"month": report.label, "to": ", ".join(sent_to)}
            )

    def _publish(self, report, reason: str, username: str):
        """Publish ``report``'s month and wilayah here and now (no background worker needed)."""
        by = None
        if username:
            by = get_user_model().objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(
                    _("Pengguna aktif %(username)s tidak ditemukan.") % {"username": username}
                )
        try:
            asked = publishing.request_publication(
                report.month, report.wilayah, by=by, reason=reason, enqueue=lambda pk: None
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        publication = publishing.run(asked.pk)
        if not publication.is_done:
            raise CommandError(
                _("Penerbitan %(number)s gagal: %(error)s")
                % {"number": publication.number, "error": publication.error}
            )
        self.stdout.write(
            _("Laporan %(month)s terbit: %(number)s (%(label)s). Verifikasi: %(url)s")
            % {
                "month": report.label,
                "number": publication.number,
                "label": publication.label,
                "url": publication.verification_url,
            }
        )
        return publication
