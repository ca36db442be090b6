"""Reading an import file: refusing what cannot be imported at all, matching the header row to
an importer's columns, and reading the cells into service arguments. Knows nothing of KIM or
activities: an importer passes its ``columns``.

The file is read with the two libraries tablib itself uses (``csv`` and openpyxl), called
directly because tablib skips blank lines of a CSV (the row numbers we report would then no
longer match the spreadsheet) and refuses rows of uneven length. tablib writes the templates.
"""

import csv
import datetime
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.worksheet._reader import WorkSheetParser

from kimtracker.downloads import CONTENT_TYPES, spreadsheet_cell

from ..validators import normalize_phone

# An XLSX is a zip of XML: a small file may unpack to far more. Past this many times the upload
# limit it is refused before openpyxl parses it.
MAX_UNPACK_FACTOR = 25
# The kinds of file an import reads and its template is offered in.
FORMATS = ("csv", "xlsx")
EXTENSIONS = tuple(f".{file_format}" for file_format in FORMATS)
# Signatures of files often uploaded by mistake (PDF, images, old .xls, ...).
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def max_bytes() -> int:
    return settings.KIM_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.KIM_IMPORT_MAX_ROWS


class ImportRefused(Exception):
    """Nothing was (or will be) written. ``message`` says why, in the user's language; ``plan``
    is the dry run when rows in error are the cause (see ``plan.Importer.run``), None when the
    file itself is refused."""

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.message = str(message)
        self.plan = plan


@dataclass(frozen=True)
class Column:
    """One column of an import file: the service argument it fills and how its cells are read.
    ``kind`` is one of code (read by the importer itself), text, date, int, phone, url, choice;
    a choice column names its ``choices`` (a ``TextChoices``)."""

    field: str
    kind: str
    required: bool = False
    help: str = ""
    choices: type | None = None


@dataclass(frozen=True)
class SourceRow:
    """A data row of the file: its spreadsheet row number and its cells by column header (str
    from a CSV; str, number, date or None from an XLSX)."""

    number: int
    cells: dict


# --- Reading the file -----------------------------------------------------------------------


def read_file(source, *, filename: str, columns: dict[str, Column]) -> list[SourceRow]:
    """The data rows of a CSV (UTF-8, comma, semicolon or tab separated) or XLSX file (its first
    sheet). ``source`` is an uploaded file, a file object, bytes or a path; ``filename`` gives the
    extension. Blank rows are skipped; the first non-blank row holds the column headers, which
    must be those of ``columns``. Raises ``ImportRefused`` for a file that is not CSV/XLSX,
    empty, too large or has wrong columns."""
    name = Path(filename or "").name
    extension = Path(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise ImportRefused(
            _("Berkas %(name)s bukan CSV atau XLSX. Unggah berkas .csv atau .xlsx (lihat templat).")
            % {"name": name or "?"}
        )
    data = _read_bytes(source)
    if not data.strip(b" \t\r\n"):
        raise ImportRefused(_("Berkas kosong."))
    table = _xlsx_table(data) if extension == ".xlsx" else _csv_table(data, columns)
    return _data_rows(table, columns)


def _read_bytes(source) -> bytes:
    limit = max_bytes()
    try:
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
        elif isinstance(source, str | os.PathLike):
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            data = source.read(limit + 1)
    except OSError as exc:
        raise ImportRefused(
            _("Berkas tidak dapat dibuka: %(error)s") % {"error": exc.strerror or exc}
        ) from exc
    if len(data) > limit:
        raise ImportRefused(
            _("Berkas terlalu besar: paling besar %(size)s. Bagi isinya menjadi beberapa berkas.")
            % {"size": filesizeformat(limit)}
        )
    return data


def _not_this_format(extension: str) -> ImportRefused:
    return ImportRefused(
        _(
            "Isi berkas tidak sesuai dengan ekstensinya %(extension)s. Simpan ulang dari Excel "
            "atau LibreOffice sebagai CSV UTF-8 (.csv) atau buku kerja Excel (.xlsx)."
        )
        % {"extension": extension}
    )


def _csv_table(data: bytes, columns):
    if data.startswith(b"PK") or data.startswith(BINARY_SIGNATURES) or b"\x00" in data:
        raise _not_this_format(".csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            _(
                'Berkas CSV harus berenkode UTF-8. Di Excel pilih Simpan Sebagai > "CSV UTF-8 '
                '(Comma delimited)", atau unggah berkas .xlsx.'
            )
        ) from exc
    return _csv_records(text, _delimiter(text, columns))


def _delimiter(text: str, columns) -> str:
    """Comma, or the semicolon (Excel's choice under an Indonesian locale) or tab when more of
    the known headers come out of the first line that way."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def known_headers(delimiter):
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(1 for cell in cells if cell.strip().lower() in columns)

    return max((",", ";", "\t"), key=known_headers)


def _csv_records(text: str, delimiter: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, record
    except csv.Error as exc:
        raise ImportRefused(
            _(
                "Berkas CSV tidak dapat dibaca setelah baris %(row)d: tanda petik tidak "
                "berpasangan atau sel terlalu panjang."
            )
            % {"row": number}
        ) from exc


def _xlsx_table(data: bytes):
    if not data.startswith(b"PK"):
        raise _not_this_format(".xlsx")
    unreadable = ImportRefused(
        _("Berkas XLSX rusak atau tidak dapat dibaca. Simpan ulang dari Excel atau LibreOffice.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # a damaged zip fails in many ways
        raise unreadable from exc
    if "xl/workbook.xml" not in names:
        raise _not_this_format(".xlsx")
    if unpacked > MAX_UNPACK_FACTOR * max_bytes():
        raise ImportRefused(
            _("Isi berkas XLSX terlalu besar. Bagi isinya menjadi beberapa berkas.")
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl parses untrusted XML: any failure is a bad file
        raise unreadable from exc
    return _xlsx_records(workbook, unreadable)


def _xlsx_records(workbook, unreadable: ImportRefused):
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield from _sheet_rows(sheet)
    except Exception as exc:  # read-only mode parses lazily, row by row
        raise unreadable from exc
    finally:
        workbook.close()


def _sheet_rows(sheet):
    """(row number, values) of the rows of a read-only sheet that hold a value, each up to its
    last value. Only the cells in the file are read: neither the dimension a program wrote
    (sometimes wrongly) nor the used range is trusted, since one formatted blank cell at
    column XFD, or in row 1,048,576, would otherwise make openpyxl fill every row to 16,384
    cells, or yield a million empty rows (``ReadOnlyWorksheet.iter_rows``). openpyxl's own
    parser of the sheet, as ``iter_rows`` uses it."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            present = [(cell["column"], cell["value"]) for cell in cells]
            present = [(column, value) for column, value in present if not is_blank(value)]
            if not present:
                continue
            values = [None] * max(column for column, _value in present)
            for column, value in present:
                values[column - 1] = value
            yield number, values


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _data_rows(table, columns) -> list[SourceRow]:
    header, rows = None, []
    for number, values in table:
        if all(is_blank(value) for value in values):
            continue
        if header is None:
            header = _match_header(values, columns)
            continue
        cells = {}
        for position, value in enumerate(values):
            column = header[position] if position < len(header) else None
            if isinstance(value, str) and "\x00" in value:
                raise ImportRefused(
                    _("Baris %(row)d berisi karakter NUL; berkas ini bukan lembar kerja biasa.")
                    % {"row": number}
                )
            if column is not None:
                cells[column] = value
            elif not is_blank(value):
                raise ImportRefused(
                    _(
                        "Baris %(row)d berisi data di kolom ke-%(position)d, yang tidak punya "
                        "judul kolom."
                    )
                    % {"row": number, "position": position + 1}
                )
        rows.append(SourceRow(number=number, cells=cells))
        if len(rows) > max_rows():
            raise ImportRefused(
                _("Berkas berisi lebih dari %(max)d baris data. Bagi menjadi beberapa berkas.")
                % {"max": max_rows()}
            )
    if header is None:
        raise ImportRefused(_("Berkas kosong."))
    if not rows:
        raise ImportRefused(_("Berkas hanya berisi judul kolom, tanpa baris data."))
    return rows


def shorten(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _match_header(values, columns) -> list[str | None]:
    """The column header of each position (None for a blank one), matched without regard to
    case or surrounding spaces. Refuses unknown, duplicate and missing required columns."""
    header, unknown, duplicate = [], [], []
    for value in values:
        typed = "" if is_blank(value) else str(value).strip()
        name = typed.lower() or None
        if name is not None and name not in columns:
            unknown.append(shorten(typed))
            name = None
        elif name is not None and name in header:
            duplicate.append(name)
        header.append(name)
    missing = [h for h, column in columns.items() if column.required and h not in header]
    problems = []
    if unknown:
        problems.append(
            _("Kolom tidak dikenal: %(columns)s.") % {"columns": ", ".join(unknown[:10])}
        )
    if missing:
        problems.append(_("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
    if duplicate:
        problems.append(_("Kolom ganda: %(columns)s.") % {"columns": ", ".join(duplicate)})
    if problems:
        problems.append(
            _("Judul kolom yang dikenal (lihat templat): %(columns)s.")
            % {"columns": ", ".join(columns)}
        )
        raise ImportRefused(" ".join(problems))
    return header


# --- Reading the cells ----------------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if isinstance(value, str):
        for date_format in DATE_FORMATS:
            try:
                # Only the date is kept: no time, so no time zone.
                return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
            except ValueError:
                continue
    raise ValidationError(
        _(
            "Tanggal %(value)s tidak dikenali; tulis TTTT-BB-HH atau HH/BB/TTTT, misalnya "
            "2023-06-15 atau 15/06/2023."
        )
        % {"value": shorten(text, 30)}
    )


def cell_int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,9}", text):
        return int(text)
    raise ValidationError(
        _("%(value)s bukan bilangan bulat; tulis angka saja, misalnya 15.")
        % {"value": shorten(text, 30)}
    )


def cell_phone(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number typed into a spreadsheet cell loses its leading zero: 81234567890.
        text = cell_text(value)
        if text.startswith("8"):
            text = "0" + text
        return normalize_phone(text)
    return normalize_phone(cell_text(value))


def cell_url(value) -> str:
    """Like the KIM form, a URL typed without its scheme is taken as https."""
    text = cell_text(value)
    return text if "://" in text else "https://" + text


def _choice_key(text: str) -> str:
    return " ".join(re.sub(r"[_\-]", " ", text).lower().split())


def cell_choice(value, choices) -> str:
    """The value of one of ``choices`` (a ``TextChoices``), given as the value or the label in
    any case, in Bahasa Indonesia or the user's language, or as one part of a label written
    "a/b": "Pelatihan/bimtek", "pelatihan" and "BIMTEK" all give "pelatihan"."""
    keys = {}
    # None: the source strings (Bahasa Indonesia), then the labels the user sees.
    for language in (None, translation.get_language()):
        with translation.override(language):
            for member in choices:
                label = str(member.label)
                for key in (member.value, label, *label.split("/")):
                    keys.setdefault(_choice_key(key), member.value)
    text = cell_text(value)
    found = keys.get(_choice_key(text))
    if found is None:
        raise ValidationError(
            _("%(value)s tidak dikenal; tulis salah satu dari: %(choices)s.")
            % {"value": shorten(text, 30), "choices": ", ".join(choices.values)}
        )
    return found


READERS = {
    "text": cell_text,
    "date": cell_date,
    "int": cell_int,
    "phone": cell_phone,
    "url": cell_url,
}


def read_cells(cells: dict, columns: dict[str, Column]) -> tuple[dict, list[tuple[str, str]]]:
    """The service arguments of a row's non-blank cells (by ``Column.field``), and the
    (column header, message) of the cells that are missing or cannot be read. Columns of kind
    "code" are left to the importer."""
    values, errors = {}, []
    for header, column in columns.items():
        if column.kind == "code":
            continue
        raw = cells.get(header)
        if is_blank(raw):
            if column.required:
                errors.append((header, _("Kolom %(column)s wajib diisi.") % {"column": header}))
            continue
        try:
            if column.kind == "choice":
                values[column.field] = cell_choice(raw, column.choices)
            else:
                values[column.field] = READERS[column.kind](raw)
        except ValidationError as exc:
            errors.extend((header, message) for message in exc.messages)
    return values, errors


# --- The template ---------------------------------------------------------------------------


def template_file(
    file_format: str, *, columns: dict[str, Column], example: dict, title: str
) -> tuple[bytes, str]:
    """A downloadable template in ``file_format`` ("csv" or "xlsx"): the headers of ``columns``
    and one ``example`` row. Returns the content and its content type. The CSV starts with a
    byte order mark so that Excel opens it as UTF-8."""
    dataset = tablib.Dataset(headers=list(columns), title=title)
    dataset.append([spreadsheet_cell(example.get(header, "")) for header in columns])
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8"), CONTENT_TYPES["csv"]
    if file_format == "xlsx":
        return dataset.export("xlsx"), CONTENT_TYPES["xlsx"]
    raise ValueError(f"unknown template format: {file_format!r}")
