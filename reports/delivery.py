"""Sending a monthly report by e-mail to the managers (for a cron line on the 1st)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from kimtracker.downloads import CONTENT_TYPES
from kimtracker.roles import MANAJER

from . import exports
from .monthly import MonthlyReport


def manager_addresses() -> list[str]:
    """E-mail addresses of every active Manajer."""
    users = get_user_model().objects.filter(is_active=True, groups__name=MANAJER)
    return sorted({u.email for u in users.exclude(email="")})


def send(report: MonthlyReport) -> list[str]:
    """E-mail the report's XLSX and PDF to every active Manajer; returns the addresses."""
    recipients = manager_addresses()
    if not recipients:
        return []
    message = EmailMessage(
        subject=_("Laporan bulanan KIM %(month)s - %(area)s")
        % {"month": report.label, "area": report.area_name},
        body=_(
            "Terlampir laporan bulanan KIM %(month)s (per %(date)s): %(formed)d KIM dibentuk, "
            "%(active)d aktif, %(covered)d dari %(total)d desa/kelurahan punya KIM aktif."
        )
        % {
            "month": report.label,
            "date": report.as_of.isoformat(),
            "formed": report.summary.kim_formed,
            "active": report.summary.kim_active,
            "covered": report.summary.desa_covered,
            "total": report.summary.desa_total,
        },
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach(exports.filename(report, "xlsx"), exports.to_xlsx(report), CONTENT_TYPES["xlsx"])
    message.attach(exports.filename(report, "pdf"), exports.to_pdf(report), CONTENT_TYPES["pdf"])
    message.send()
    return recipients
