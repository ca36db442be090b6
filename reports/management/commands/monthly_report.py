"""``manage.py monthly_report YYYY-MM --format xlsx|pdf|csv --output PATH [--email]``."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import delivery, exports, monthly


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

    def handle(self, *args, month, format, output=None, email=False, **options):
        if not output and not email:
            raise CommandError(_("Sebutkan --output BERKAS, --email, atau keduanya."))
        if month == "previous":
            month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime(
                "%Y-%m"
            )
        try:
            report = monthly.build(monthly.parse_month(month))
        except monthly.MonthError as error:
            raise CommandError(str(error)) from error
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
            sent_to = delivery.send(report)
            if not sent_to:
                raise CommandError(_("Tidak ada Manajer aktif dengan alamat e-mail."))
            self.stdout.write(
                _("Laporan %(month)s dikirim ke %(to)s.")
                % {"month": report.label, "to": ", ".join(sent_to)}
            )
