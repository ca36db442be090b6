"""Sending a monthly report by e-mail to the managers (for a cron line on the 1st)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kimtracker.downloads import CONTENT_TYPES
from kimtracker.roles import MANAJER

from . import exports
from .monthly import MonthlyReport


def manager_addresses() -> list[str]:
    """E-mail addresses of every active Manajer."""
    users = get_user_model().objects.filter(is_active=True, groups__name=MANAJER)
    return sorted({u.email for u in users.exclude(email="")})


def body(report: MonthlyReport, publication=None) -> str:
    """The mail's text: the key figures with their change since the previous month, the
    target, and the publication's number and verification address when published."""
    lines = [
        _("Laporan bulanan KIM %(month)s, %(area)s (keadaan per %(date)s).")
        % {
            "month": report.label,
            "area": report.area_name,
            "date": date_format(report.as_of, "DATE_FORMAT"),
        },
    ]
    if report.is_demo:
        lines.append(exports.demo_notice())
    lines += ["", _("Angka utama (perubahan sejak bulan lalu):")]
    for figure in report.figures():
        decimals = 1 if figure.is_percent else None
        value = number_format(figure.value, decimals, force_grouping=True)
        change = number_format(abs(figure.vs_previous_month), decimals, force_grouping=True)
        sign = "+" if figure.vs_previous_month > 0 else "-" if figure.vs_previous_month < 0 else "±"
        lines.append(f"- {figure.label}: {value} ({sign}{change})")
    target = report.summary.target
    if target is not None:
        lines.append(
            _("- Target %(year)d: %(count)s KIM; kurang %(missing)s.")
            % {
                "year": target.year,
                "count": number_format(target.kim_count, force_grouping=True),
                "missing": number_format(report.summary.target_missing, force_grouping=True),
            }
        )
    if publication is not None:
        lines += [
            "",
            _("Nomor %(number)s (%(label)s). Periksa keaslian: %(url)s")
            % {
                "number": publication.number,
                "label": publication.label,
                "url": publication.verification_url,
            },
        ]
    lines += ["", _("Terlampir berkas XLSX dan PDF laporan ini.")]
    return "\n".join(lines)


def send(report: MonthlyReport, *, publication=None) -> list[str]:
    """E-mail the report's XLSX and PDF to every active Manajer; returns the addresses. With
    ``publication`` (``reports.models.Publication``), its kept files, byte for byte."""
    recipients = manager_addresses()
    if not recipients:
        return []
    message = EmailMessage(
        subject=_("Laporan bulanan KIM %(month)s - %(area)s")
        % {"month": report.label, "area": report.area_name},
        body=body(report, publication),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    for kind in ("xlsx", "pdf"):
        if publication is not None:
            from .publishing import file_of, filename

            content, name = bytes(file_of(publication, kind).content), filename(publication, kind)
        else:
            render = exports.to_xlsx if kind == "xlsx" else exports.to_pdf
            content, name = render(report), exports.filename(report, kind)
        message.attach(name, content, CONTENT_TYPES[kind])
    message.send()
    return recipients
