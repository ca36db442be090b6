"""The workbooks KIM Tracker writes (the monthly report, the follow-up list), with XlsxWriter.

XlsxWriter writes rows straight into the sheet's XML; on 90,000 rows of four cells it takes
2.2 s where openpyxl takes 3.6 s (with lxml), which keeps the national monthly report under its
10 s target (``docs/performance.md``). openpyxl stays for reading uploaded files.

Every cell keeps its type: numbers as numbers, dates as dates (``DD/MM/YYYY``). Text is always
text: a KIM name or a note that looks like a web address is written as the characters the
officer typed, never turned into a link; one that starts like a formula (``=``, ``+``, ``-``,
``@``) is written with a leading apostrophe (``kimtracker.downloads.spreadsheet_cell``, as in
every CSV), so that editing the cell or saving the sheet as CSV never makes it one.
"""

import io
from collections.abc import Iterable, Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from kimtracker.downloads import spreadsheet_cell

DATE_FORMAT = "DD/MM/YYYY"
PERCENT_FORMAT = "0.0"
# Excel's limit on a sheet name.
SHEET_NAME_LENGTH = 31


class _Worksheet(Worksheet):
    """A sheet whose every text cell goes through ``spreadsheet_cell``: ``_write_string`` is
    where XlsxWriter's ``write``, ``write_row`` and ``write_string`` all put text."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, spreadsheet_cell(string), cell_format)


class Book:
    """A workbook written in memory (no temporary files); ``close()`` gives its bytes."""

    def __init__(self, *, title: str = "", author: str = "KIM Tracker"):
        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._buffer,
            {
                "in_memory": True,
                "default_date_format": DATE_FORMAT,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.workbook.set_properties({"title": title, "author": author})
        self._formats: dict[tuple, Format] = {}
        self.header = self.format(
            bold=True,
            bg_color="#E9ECEF",
            bottom=1,
            bottom_color="#6C757D",
            text_wrap=True,
            valign="top",
        )
        self.bold = self.format(bold=True)
        self.italic = self.format(italic=True)

    def format(self, **properties) -> Format:
        """The workbook's cell format with these XlsxWriter properties (made once)."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(properties)
        return self._formats[key]

    def sheet(self, name: str) -> Worksheet:
        return self.workbook.add_worksheet(name[:SHEET_NAME_LENGTH], worksheet_class=_Worksheet)

    def table(
        self,
        name: str,
        header: Sequence[str],
        widths: Sequence[int],
        rows: Iterable[Sequence],
        *,
        empty: str = "",
        freeze_columns: int = 0,
        column_formats: dict[int, Format] | None = None,
    ) -> tuple[Worksheet, int]:
        """A sheet with one header row (frozen, repeated on every printed page) and ``rows``
        under it; columns ``freeze_columns`` and before stay in view too. ``column_formats``
        maps a column (from 0) to the format of its cells. Without rows the sheet says
        ``empty`` under the header. Returns the sheet and the number of rows written."""
        sheet = self.sheet(name)
        sheet.write_row(0, 0, header, self.header)
        count = 0
        if column_formats:
            for count, row in enumerate(rows, start=1):
                for column, value in enumerate(row):
                    sheet.write(count, column, value, column_formats.get(column))
        else:
            for count, row in enumerate(rows, start=1):
                sheet.write_row(count, 0, row)
        if not count and empty:
            sheet.write_string(1, 0, empty, self.italic)
        sheet.freeze_panes(1, freeze_columns)
        sheet.repeat_rows(0)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        return sheet, count

    def close(self) -> bytes:
        self.workbook.close()
        return self._buffer.getvalue()
