"""Files the pages hand out (exports, reports, import templates): one content type per kind of
file, the response that offers a file for download, which formats a page offers, and the one
rule that keeps a spreadsheet cell from being read as a formula.

Every CSV and XLSX the application writes passes its cells through ``spreadsheet_cell``: the
list exports (``ExportMixin``/``TableExport``, django-tables2), the monthly report's CSV and
XLSX, the open data CSV, the follow-up XLSX and the import templates (``csv_bytes`` and
``reports.xlsx.Book``). JSON keeps every value as typed.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tables2.export import ExportMixin as TablesExportMixin
from django_tables2.export import TableExport as TablesExport

from .views import InputRefused

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# What makes a spreadsheet program (Excel, LibreOffice, Google Sheets) read a cell as a formula
# or a command: OWASP's list for CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number ("-5", "+6281234567890", "-1.5") is a number to a spreadsheet, not a formula.
_SIGNED_NUMBER = re.compile(r"[+-]\d+(?:[.,]\d+)*")


def attachment(content: bytes, filename: str, kind: str) -> HttpResponse:
    """``content`` as a download named ``filename``, of the kind (a key of ``CONTENT_TYPES``)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def offered_format(asked: str | None, offered: Sequence[str]) -> str | None:
    """The file format a request asks for (``?_export=``, ``?format=``, a URL's extension) when
    the page offers it, or None when it asks for none. Any other format is refused with
    ``InputRefused`` (a 400 that names the formats on offer): the one rule of every page that
    hands out files."""
    if not asked:
        return None
    if asked in offered:
        return asked
    raise InputRefused(
        _("Format %(format)s tidak tersedia di halaman ini; yang tersedia: %(offered)s.")
        % {"format": asked, "offered": ", ".join(offered)}
    )


def spreadsheet_cell(value):
    """``value`` as a cell of a CSV or XLSX file that no spreadsheet program runs as a formula:
    text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe (OWASP's advice against CSV injection), so that ``=HYPERLINK(...)`` typed as a
    KIM name reads as those characters. Numbers, dates, other text and signed numbers written
    as text (``-5``, ``+6281234567890``) are returned unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _SIGNED_NUMBER.fullmatch(value)
    ):
        return f"'{value}"
    return value


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """``rows`` (the header first) as CSV, every cell through ``spreadsheet_cell``, in UTF-8
    with a byte order mark (so that spreadsheet programs read the encoding right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class TableExport(TablesExport):
    """django-tables2's export of a table, every cell through ``spreadsheet_cell``."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        try:
            title = str(table.Meta.model._meta.verbose_name_plural).title()
        except AttributeError:
            title = "Export Data"  # django-tables2's title for a table without a model
        rows = iter(table.as_values(exclude_columns=exclude_columns))
        dataset = tablib.Dataset(**{"title": title, **(dataset_kwargs or {})})
        dataset.headers = [spreadsheet_cell(value) for value in next(rows)]
        for row in rows:
            dataset.append([spreadsheet_cell(value) for value in row])
        return dataset


# Values a yes/no filter takes: alone in a file name they would not say which filter it was.
_YES_NO_VALUES = ("ya", "tidak")
_FILENAME_WORDS_MAX = 80


def filter_words(filterset) -> list[str]:
    """What a list's filter selected, as file-name words: a chosen kecamatan by its name
    (``kasembon``), a choice or search text by its value, a yes/no filter with its name
    (``aktif-ya``). Nothing when the filter is unbound or invalid (the page then shows all)."""
    if filterset is None or not filterset.is_bound or not filterset.form.is_valid():
        return []
    words = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "") or (isinstance(value, list | tuple | set) and not value):
            continue
        if hasattr(value, "_meta"):  # a model instance (a kecamatan): its name, not its pk
            text = getattr(value, "name", str(value))
        elif isinstance(value, datetime.date):
            text = value.isoformat()
        else:
            text = str(value)
        word = slugify(text)
        if word in _YES_NO_VALUES:
            word = f"{slugify(name)}-{word}"
        if word:
            words.append(word)
    return words


def export_filename(name: str, filterset, *suffix: str, extension: str) -> str:
    """A download's file name that says what was filtered: ``desa-tanpa-kim-kasembon-
    2026-12-01.csv`` for the list of desa without a KIM in Kasembon on that date."""
    described = "-".join([name, *filter_words(filterset)])[:_FILENAME_WORDS_MAX].strip("-")
    return f"{'-'.join([described, *suffix])}.{extension}"


class ExportMixin(TablesExportMixin):
    """A list page's download of its table (``?_export=csv``): only the formats in
    ``export_formats`` are served (django-tables2 serves every format tablib writes, asked or
    not); any other is refused by ``offered_format`` before the page's queries run."""

    export_class = TableExport
    export_formats = (TablesExport.CSV,)

    def get(self, request, *args, **kwargs):
        offered_format(request.GET.get(self.export_trigger_param), self.export_formats)
        return super().get(request, *args, **kwargs)
