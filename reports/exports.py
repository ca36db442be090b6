"""The monthly report as files: XLSX (``reports.xlsx``), CSV (the per-kecamatan table) and
PDF (WeasyPrint, from ``templates/reports/monthly_pdf.html``). All three render one
``monthly.MonthlyReport`` and read its headline figures (``figures()``) and per-kecamatan rows
(``kecamatan_rows()``), defined once there, so a figure reads the same in every file and on the
page.

Texts go through gettext in the language the caller asks for (Bahasa Indonesia by default);
dates are written "30 Juni 2023" with the project's formats. Numbers stay numbers in the XLSX
(percent as a number with one decimal) and in the CSV (a dot as decimal separator, for
machines); the PDF writes them the Indonesian way (1.234, 55,1).

The PDF needs WeasyPrint's system libraries (Pango, HarfBuzz) and a font (DejaVu); it fetches
nothing from the network.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kimtracker.downloads import csv_bytes
from villages.choices import DesaKind, KIMLevel

from . import coverage, svg, xlsx
from .monthly import KECAMATAN_COLUMNS, MonthlyReport

DEFAULT_LANGUAGE = "id"

PERCENT_FORMAT = xlsx.PERCENT_FORMAT
SIGNED_FORMAT = "+#,##0;-#,##0;0"
SIGNED_PERCENT_FORMAT = "+0.0;-0.0;0.0"

# Column widths (characters) of the per-kecamatan sheet, one per ``monthly.KECAMATAN_COLUMNS``.
XLSX_KECAMATAN_WIDTHS = [11, 22, 10, 13, 11, 11, 10, 10, 12, 16, 11]


@dataclass(frozen=True)
class Stamp:
    """What a published report carries (``reports.publishing``): its document number, which
    version it is, the SHA-256 of its content, and the QR code of its verification page."""

    number: str
    label: str
    reason: str
    content_sha256: str
    verification_url: str
    qr_svg: str  # an SVG data URI
    published_at: datetime.datetime


def demo_notice() -> str:
    """The words every file of a report built on demo data carries."""
    return _("DATA DEMO: data sintetis untuk uji coba, bukan data resmi.")


def filename(report: MonthlyReport, ext: str) -> str:
    """``laporan-kim-2023-06.xlsx``; ``laporan-kim-2023-06-35.07.08.xlsx`` for a wilayah other
    than the default one (``MonthlyReport.file_suffix``)."""
    return f"laporan-kim-{report.label}{getattr(report, 'file_suffix', '')}.{ext}"


def _texts(report: MonthlyReport) -> dict[str, str]:
    """The title lines, in the active language."""
    generated = timezone.localtime(report.generated_at)
    return {
        "title": _("Laporan bulanan KIM"),
        "month": date_format(report.month, "YEAR_MONTH_FORMAT"),
        "as_of": _("Keadaan per %(date)s") % {"date": date_format(report.as_of, "DATE_FORMAT")},
        "generated": _("Dibuat %(datetime)s WIB")
        % {"datetime": date_format(generated, "DATETIME_FORMAT")},
        "vs_previous_month": _("Perubahan vs bulan lalu"),
        "vs_previous_december": _("Perubahan vs Desember %(year)d")
        % {"year": report.month.year - 1},
    }


def _level_label(level: str) -> str:
    return str(KIMLevel(level).label) if level in KIMLevel.values else level


# XLSX ----------------------------------------------------------------------------------------


def _summary_sheet(
    book: xlsx.Book, report: MonthlyReport, texts: dict[str, str], stamp: Stamp | None = None
) -> None:
    """The first sheet: title lines, the headline figures with their changes, the target, and
    the kecamatan without an active KIM and the Berdaya/Mandiri KIM by name. Written top to
    bottom (rows from 0); a published report ends with its number and hashes."""
    sheet = book.sheet(_("Ringkasan"))
    sheet.write_string(0, 0, report.area_name, book.format(bold=True, font_size=14))
    sheet.write_string(1, 0, texts["title"], book.format(bold=True, font_size=12))
    sheet.write_string(2, 0, texts["month"], book.bold)
    sheet.write_string(3, 0, texts["as_of"])
    sheet.write_string(4, 0, texts["generated"])
    header_row = 6
    sheet.write_row(
        header_row,
        0,
        [_("Angka"), _("Nilai"), texts["vs_previous_month"], texts["vs_previous_december"]],
        book.header,
    )
    row = header_row
    count, signed = book.format(num_format="#,##0"), book.format(num_format=SIGNED_FORMAT)
    percent = book.format(num_format=PERCENT_FORMAT)
    signed_percent = book.format(num_format=SIGNED_PERCENT_FORMAT)
    for figure in report.figures():
        row += 1
        value_format, change_format = (
            (percent, signed_percent) if figure.is_percent else (count, signed)
        )
        sheet.write_string(row, 0, figure.label)
        sheet.write_number(row, 1, figure.value, value_format)
        sheet.write_number(row, 2, figure.vs_previous_month, change_format)
        sheet.write_number(row, 3, figure.vs_previous_december, change_format)
    row += 2
    target = report.summary.target
    if target is None:
        sheet.write_string(row, 0, _("Target"))
        sheet.write_string(row, 1, _("Belum ada target untuk tahun ini atau sesudahnya."))
        row += 1
    else:
        for label, value in (
            (_("Target tahun %(year)d") % {"year": target.year}, target.kim_count),
            (_("Tercapai"), report.target_reached),
            (_("Kurang"), report.summary.target_missing),
        ):
            sheet.write_string(row, 0, label)
            sheet.write_number(row, 1, value, count)
            row += 1
    row += 1
    sheet.write_string(row, 0, _("Daftar kecamatan tanpa KIM aktif"), book.bold)
    for kecamatan in report.summary.kecamatan_without_active:
        row += 1
        sheet.write_string(row, 0, kecamatan.name)
        sheet.write_string(row, 1, _("%(count)d desa/kel.") % {"count": kecamatan.desa_total})
    if not report.summary.kecamatan_without_active:
        row += 1
        sheet.write_string(row, 0, _("Tidak ada."), book.italic)
    row += 2
    sheet.write_string(row, 0, _("Daftar KIM Berdaya/Mandiri"), book.bold)
    for kim in report.kim_mandiri:
        row += 1
        sheet.write_string(row, 0, kim.name)
        sheet.write_string(row, 1, f"{kim.desa.name}, {kim.desa.kecamatan.name}")
    if not report.kim_mandiri:
        row += 1
        sheet.write_string(row, 0, _("Tidak ada."), book.italic)
    if stamp is not None:
        row += 2
        sheet.write_string(row, 0, _("Terbitan"), book.bold)
        for label, value in (
            (_("Nomor"), stamp.number),
            (_("Versi"), stamp.label),
            (_("Alasan revisi"), stamp.reason),
            (_("SHA-256 isi"), stamp.content_sha256),
            (_("Verifikasi"), stamp.verification_url),
        ):
            if value:
                row += 1
                sheet.write_string(row, 0, label)
                sheet.write_string(row, 1, value)
    sheet.freeze_panes(header_row + 1, 0)
    for column, width in enumerate([40, 14, 24, 28]):
        sheet.set_column(column, column, width)


def to_xlsx(
    report: MonthlyReport, *, language: str = DEFAULT_LANGUAGE, stamp: Stamp | None = None
) -> bytes:
    """The report as a workbook: Ringkasan, Per kecamatan, KIM baru, Perubahan status, Desa
    tanpa KIM aktif, Perlu verifikasi. On demo data every sheet's printed header says so, and
    the first sheet's first line."""
    with translation.override(language):
        texts = _texts(report)
        book = xlsx.Book(title=f"{texts['title']} {report.area_name} {texts['month']}")
        _summary_sheet(book, report, texts, stamp)

        *lines, total = report.kecamatan_rows()
        percent_column = next(i for i, c in enumerate(KECAMATAN_COLUMNS) if c[1])
        sheet, count = book.table(
            report.area_table_title.replace("/", "-"),  # a sheet name may not hold "/"
            report.kecamatan_header(),
            XLSX_KECAMATAN_WIDTHS,
            lines,
            freeze_columns=2,
            column_formats={percent_column: book.format(num_format=PERCENT_FORMAT)},
        )
        for column, value in enumerate(total):
            total_format = (
                book.format(bold=True, num_format=PERCENT_FORMAT)
                if column == percent_column
                else book.bold
            )
            sheet.write(count + 1, column, value, total_format)
        sheet.set_landscape()

        book.table(
            _("KIM baru"),
            [
                _("Tanggal pembentukan"),
                _("Nama KIM"),
                _("Desa/kel."),
                _("Kode desa"),
                _("Kecamatan"),
            ],
            [14, 32, 24, 15, 22],
            (
                [kim.formed_on, kim.name, kim.desa.name, kim.desa.code, kim.desa.kecamatan.name]
                for kim in report.formed_this_month
            ),
            empty=_("Tidak ada KIM baru pada bulan ini."),
        )
        book.table(
            _("Perubahan status"),
            [
                _("Tanggal berlaku"),
                _("Nama KIM"),
                _("Desa/kel."),
                _("Kecamatan"),
                _("Perubahan"),
                _("Tingkat"),
                _("Catatan"),
            ],
            [14, 32, 24, 22, 16, 16, 50],
            (
                [
                    event.effective_on,
                    event.kim.name,
                    event.kim.desa.name,
                    event.kim.desa.kecamatan.name,
                    event.kind_label,
                    _level_label(event.level),
                    event.note,
                ]
                for event in report.status_events
            ),
            empty=_("Tidak ada perubahan status pada bulan ini."),
        )
        # Translated once, not once per desa (tens of thousands at national scale).
        kinds = {value: str(label) for value, label in DesaKind.choices}
        book.table(
            _("Desa tanpa KIM aktif"),
            [_("Kecamatan"), _("Kode"), _("Nama"), _("Jenis")],
            [22, 16, 28, 12],
            (
                [kecamatan, desa.code, desa.name, kinds.get(desa.kind, desa.kind)]
                for kecamatan, desas in report.desa_without_kim.items()
                for desa in desas
            ),
            empty=_("Setiap desa/kelurahan memiliki KIM aktif."),
        )
        book.table(
            _("Perlu verifikasi"),
            [_("Kecamatan"), _("Desa/kel."), _("Nama KIM"), _("Kegiatan terakhir")],
            [22, 24, 32, 16],
            (
                [kim.desa.kecamatan.name, kim.desa.name, kim.name, kim.last_activity_on]
                for kim in report.kim_needing_check
            ),
            empty=_("Semua KIM aktif punya kegiatan tercatat baru-baru ini."),
        )
        if report.is_demo:
            _mark_demo(book)
        return book.close()


def _mark_demo(book: xlsx.Book) -> None:
    """Every sheet's printed header says DATA DEMO; the first sheet's first cell too."""
    notice = demo_notice()
    header = "&C&B" + notice.replace("&", "&&")
    for sheet in book.workbook.worksheets():
        sheet.set_header(header)
    first = book.workbook.worksheets()[0]
    first.write_string(0, 2, notice, book.format(bold=True, font_color="#B02A37", font_size=12))


# CSV -----------------------------------------------------------------------------------------


def to_csv(report: MonthlyReport, *, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The per-kecamatan table with its total row (``kimtracker.downloads.csv_bytes``: UTF-8
    with a BOM, no cell a formula). On demo data a first line says so."""
    with translation.override(language):
        notice = [[demo_notice()]] if report.is_demo else []
        return csv_bytes([*notice, report.kecamatan_header(), *report.kecamatan_rows()])


# PDF -----------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(char):X} " if char in '"\\<>&' or ord(char) < 32 else char for char in text
    )
    return f'"{escaped}"'


def _page_counter_css(template: str) -> str:
    """A CSS ``content`` value for a translated "Halaman %(page)s dari %(pages)s"."""
    marked = template % {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    parts = []
    for index, piece in enumerate(marked.split("\x00")):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def _signed(value: int | float, decimals: int | None = None) -> str:
    text = number_format(abs(value), decimals, force_grouping=True)
    return f"+{text}" if value > 0 else f"\u2212{text}" if value < 0 else text


def _number(value: int | float, decimals: int | None = None) -> str:
    return number_format(value, decimals, force_grouping=True)


# Column widths (mm) of the per-kecamatan table on an A4 page with 15 mm margins (180 mm).
PDF_KECAMATAN_WIDTHS = [13, 34, 12, 16, 14, 14, 12, 13, 18, 18, 16]


def _cells(row: list) -> list[dict]:
    """A row of the per-kecamatan table as text for the PDF, numbers marked for alignment."""
    return [
        {
            "text": _number(value, 1 if KECAMATAN_COLUMNS[i][1] else None)
            if isinstance(value, int | float)
            else value,
            "numeric": isinstance(value, int | float),
        }
        for i, value in enumerate(row)
    ]


def progress_series(report: MonthlyReport) -> coverage.MonthlySeries:
    """Formed and active KIM per month up to the report date, the x axis running to the end of
    the last target year (as on the dashboard)."""
    last_year = max([t.year for t in report.summary.targets] + [report.as_of.year])
    within = report.wilayah.code if report.wilayah else ""
    return coverage.monthly_series(
        report.as_of, until=datetime.date(last_year, 12, 31), within=within
    )


def pdf_context(
    report: MonthlyReport,
    *,
    stamp: Stamp | None = None,
    series: coverage.MonthlySeries | None = None,
) -> dict:
    """What ``reports/monthly_pdf.html`` shows, formatted in the active language. ``series``
    is the progress chart's data when the caller read it already (a publication reads
    everything in one snapshot)."""
    texts = _texts(report)
    rows = report.kecamatan_rows()
    return {
        "report": report,
        "texts": texts,
        "language": translation.get_language(),
        "figures": [
            {
                "label": figure.label,
                "value": _number(figure.value, 1 if figure.is_percent else None),
                "vs_previous_month": _signed(
                    figure.vs_previous_month, 1 if figure.is_percent else None
                ),
                "vs_previous_december": _signed(
                    figure.vs_previous_december, 1 if figure.is_percent else None
                ),
            }
            for figure in report.figures()
        ],
        "kecamatan_header": report.kecamatan_header(),
        "kecamatan_widths": PDF_KECAMATAN_WIDTHS,
        "kecamatan_rows": [_cells(row) for row in rows[:-1]],
        "kecamatan_total": _cells(rows[-1]),
        "target_reached": _number(report.target_reached or 0),
        "mandiri_kim": report.kim_mandiri,
        "status_events": [
            {
                "effective_on": event.effective_on,
                "name": event.kim.name,
                "kecamatan": event.kim.desa.kecamatan.name,
                "kind_label": event.kind_label,
                "level_label": _level_label(event.level),
                "note": event.note,
            }
            for event in report.status_events
        ],
        "desa_without_count": sum(len(desas) for desas in report.desa_without_kim.values()),
        "lists_by_kabupaten": _lists_by_kabupaten(report) if report.by_kabupaten else None,
        "progress_chart": svg.progress_chart(
            series or progress_series(report), report.summary.targets, height=340
        ),
        "kecamatan_chart": svg.kecamatan_chart(report.kecamatan, bar_height=20),
        "page_header": _css_string(f"{report.area_name} \u00b7 {texts['title']} {texts['month']}"),
        "page_footer": _css_string(
            " \u00b7 ".join(
                part
                for part in (
                    "KIM Tracker",
                    stamp.number if stamp else "",
                    "DATA DEMO" if report.is_demo else "",
                    texts["generated"],
                )
                if part
            )
        ),
        "page_counter": _page_counter_css(_("Halaman %(page)s dari %(pages)s")),
        "signature_place": settings.KIM_REPORT_SIGNATURE_PLACE,
        "signature_title": settings.KIM_REPORT_SIGNATURE_TITLE,
        "signature_date": date_format(
            timezone.localtime(stamp.published_at if stamp else report.generated_at), "DATE_FORMAT"
        ),
        "stamp": stamp,
        "published_on": (
            date_format(timezone.localtime(stamp.published_at), "DATETIME_FORMAT") if stamp else ""
        ),
        "demo_notice": demo_notice() if report.is_demo else "",
    }


@dataclass(frozen=True)
class KabupatenLists:
    """A kabupaten/kota's share of a provinsi report's two long lists, counted."""

    code: str
    name: str
    kim_needing_check: int
    desa_without_kim: int


def _lists_by_kabupaten(report: MonthlyReport) -> list[KabupatenLists]:
    """The KIM needing a check and the desa without an active KIM of a provinsi's report,
    counted per kabupaten/kota: printed by name they took 40 of a Jawa Timur report's 48 pages
    (and most of its 12 s); the names stay in the XLSX and each kabupaten/kota's own report."""
    needing: dict[str, int] = defaultdict(int)
    for kim in report.kim_needing_check:
        needing[kim.desa.code[:5]] += 1
    without: dict[str, int] = defaultdict(int)
    for desas in report.desa_without_kim.values():
        for desa in desas:
            without[desa.code[:5]] += 1
    return [
        KabupatenLists(line.code, line.name, needing[line.code], without[line.code])
        for line in report.kecamatan
    ]


class PDFUnavailable(Exception):
    """WeasyPrint's system libraries (Pango) are not installed on this server: no PDF here."""


def to_pdf(
    report: MonthlyReport,
    *,
    language: str = DEFAULT_LANGUAGE,
    stamp: Stamp | None = None,
    series: coverage.MonthlySeries | None = None,
) -> bytes:
    """The printable report (A4), rendered by WeasyPrint without any network access; a
    published one carries its number, content hash and verification QR code (``stamp``), one
    on demo data a DATA DEMO watermark on every page. Raises ``PDFUnavailable`` when the server
    lacks WeasyPrint's system libraries."""
    try:
        import weasyprint  # heavy, and needs system libraries: only loaded to make a PDF
    except OSError as error:
        raise PDFUnavailable(
            _(
                "PDF tidak dapat dibuat di server ini: pustaka sistem untuk PDF (Pango) belum "
                "terpasang. Unduh XLSX atau CSV, atau minta admin memasangnya "
                "(scripts/system-packages.sh run)."
            )
        ) from error

    with translation.override(language):
        html = render_to_string(
            "reports/monthly_pdf.html", pdf_context(report, stamp=stamp, series=series)
        )
    fetcher = weasyprint.URLFetcher(allowed_protocols={"file", "data"})
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return document.write_pdf()
