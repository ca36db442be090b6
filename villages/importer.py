"""Bulk import of KIM from a CSV or XLSX file: the page ``/kim/impor/`` and ``manage.py
import_kim``.

Why not django-import-export: its resources save model rows one by one (``instance.save()``),
which would bypass ``villages.services``: the services open each KIM's status timeline, record
who changed what and why in its history, and check the user's role and kecamatan assignment. So
here the file is only *read*, and every row is *written* by ``services.register_kim`` or
``services.update_kim``: an imported KIM obeys exactly the rules of one entered in the form.
tablib writes the downloadable template; the file is read with the two libraries tablib itself
uses (``csv`` and openpyxl), called directly because tablib skips blank lines of a CSV (the row
numbers we report would then no longer match the spreadsheet) and refuses rows of uneven length.

Three steps:

1. ``read_file`` refuses a file that cannot be imported at all (``ImportRefused``: not CSV/XLSX,
   not UTF-8, empty, too large, wrong columns) and returns its data rows, each with the row number
   the user sees in a spreadsheet (the header is row 1).
2. ``plan`` is the dry run: every row goes through the service inside a transaction that is
   always rolled back, giving per row "create", "update", "unchanged" or "error" with
   (column, message) pairs.
3. ``run`` applies every row in one transaction; one row in error and nothing is written.

A row matches an existing KIM when it names the same desa and the same KIM name, ignoring case
(voided KIM aside); the row then updates that KIM's formation date and the details it gives. An
empty optional cell leaves the KIM's value as it is: an import adds and corrects, it never erases.
Importing the same file again changes nothing, since ``update_kim`` does nothing (no new version,
no history entry) when no value differs.
"""

import csv
import datetime
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker import roles

from . import services
from .models import KIM, Desa
from .validators import normalize_phone

# An XLSX is a zip of XML: a small file may unpack to far more. Past this many times the upload
# limit it is refused before openpyxl parses it.
MAX_UNPACK_FACTOR = 25
EXTENSIONS = (".csv", ".xlsx")
CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("baru"),
    UPDATE: gettext_lazy("diperbarui"),
    UNCHANGED: gettext_lazy("tidak berubah"),
    ERROR: gettext_lazy("kesalahan"),
}
# The history's change reason holds 100 characters.
REASON_MAX_LENGTH = 100


@dataclass(frozen=True)
class Column:
    """One column of the import file: the KIM field it fills and how its cells are read."""

    field: str
    kind: str  # code, text, date, int, phone, url
    required: bool = False
    help: str = ""


COLUMNS = {
    "kode_desa": Column(
        "desa",
        "code",
        required=True,
        help=gettext_lazy("Kode Kemendagri desa/kelurahan, misalnya 35.07.08.2001."),
    ),
    "nama_kim": Column("name", "text", required=True, help=gettext_lazy("Nama KIM.")),
    "tanggal_pembentukan": Column(
        "formed_on",
        "date",
        required=True,
        help=gettext_lazy("TTTT-BB-HH atau HH/BB/TTTT, misalnya 2023-06-15 atau 15/06/2023."),
    ),
    "nomor_sk": Column("sk_number", "text", help=gettext_lazy("Nomor SK pembentukan.")),
    "tanggal_sk": Column("sk_date", "date", help=gettext_lazy("Format seperti di atas.")),
    "penerbit_sk": Column("sk_issuer", "text", help=gettext_lazy("Pejabat yang menerbitkan SK.")),
    "nama_ketua": Column("chair_name", "text"),
    "telepon_ketua": Column(
        "chair_phone", "phone", help=gettext_lazy("Misalnya 081234567890 atau +6281234567890.")
    ),
    "nama_sekretaris": Column("secretary_name", "text"),
    "telepon_sekretaris": Column("secretary_phone", "phone"),
    "nama_bendahara": Column("treasurer_name", "text"),
    "telepon_bendahara": Column("treasurer_phone", "phone"),
    "jumlah_anggota": Column("member_count", "int", help=gettext_lazy("Bilangan bulat.")),
    "alamat": Column("address", "text", help=gettext_lazy("Alamat sekretariat.")),
    "email": Column("email", "text"),
    "situs_web": Column(
        "website", "url", help=gettext_lazy("Tanpa https:// pun boleh; https ditambahkan.")
    ),
    "facebook": Column("facebook", "url"),
    "instagram": Column("instagram", "url"),
    "youtube": Column("youtube", "url"),
}
HEADER_OF_FIELD = {column.field: header for header, column in COLUMNS.items()}

# The example row of the downloadable template: a real desa (Sumberputih, Kecamatan Wajak) and a
# name that cannot be mistaken for a real KIM.
TEMPLATE_EXAMPLE = {
    "kode_desa": "35.07.08.2001",
    "nama_kim": "CONTOH KIM Sumberputih (hapus baris ini)",
    "tanggal_pembentukan": datetime.date(2023, 6, 15),
    "nomor_sk": "188/01/KEP/35.07.08.2001/2023",
    "tanggal_sk": datetime.date(2023, 6, 15),
    "penerbit_sk": "Kepala Desa Sumberputih",
    "nama_ketua": "Contoh Ketua",
    "telepon_ketua": "081234567890",
    "nama_sekretaris": "Contoh Sekretaris",
    "telepon_sekretaris": "+6281234567891",
    "nama_bendahara": "Contoh Bendahara",
    "telepon_bendahara": "6281234567892",
    "jumlah_anggota": 15,
    "alamat": "Balai Desa Sumberputih",
    "email": "kim.contoh@example.org",
    "situs_web": "https://kim-contoh.example.org",
    "facebook": "",
    "instagram": "",
    "youtube": "",
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Signatures of files often uploaded by mistake (PDF, images, old .xls, ...).
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")


def max_bytes() -> int:
    return settings.KIM_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.KIM_IMPORT_MAX_ROWS


class ImportRefused(Exception):
    """Nothing was (or will be) written. ``message`` says why, in the user's language; ``plan``
    is the dry run when rows in error are the cause, None when the file itself is refused."""

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.message = str(message)
        self.plan = plan


@dataclass(frozen=True)
class SourceRow:
    """A data row of the file: its spreadsheet row number and its cells by column header (str
    from a CSV; str, number, date or None from an XLSX)."""

    number: int
    cells: dict


@dataclass
class RowOutcome:
    """What importing one row does (or would do): ``changed`` lists the columns an update
    changes, ``errors`` the (column header, message) pairs; the column is "" for the row."""

    number: int
    action: str
    desa_code: str
    name: str
    desa_name: str = ""
    kim_id: int | None = None
    changed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def action_label(self):
        return ACTION_LABELS[self.action]


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int
    errors: int = 0


@dataclass
class ImportPlan:
    """The outcome of every row of a file, in file order, and the rows themselves (``run``
    applies them again, so a plan that has gone stale cannot write stale data)."""

    rows: list[SourceRow]
    outcomes: list[RowOutcome]

    @property
    def has_errors(self) -> bool:
        return any(outcome.action == ERROR for outcome in self.outcomes)

    @property
    def counts(self) -> ImportCounts:
        actions = [outcome.action for outcome in self.outcomes]
        return ImportCounts(
            created=actions.count(CREATE),
            updated=actions.count(UPDATE),
            unchanged=actions.count(UNCHANGED),
            errors=actions.count(ERROR),
        )

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        """Every (row number, column header, message), in file order."""
        return [(o.number, column, message) for o in self.outcomes for column, message in o.errors]


# --- Reading the file -----------------------------------------------------------------------


def read_file(source, *, filename: str) -> list[SourceRow]:
    """The data rows of a CSV (UTF-8, comma, semicolon or tab separated) or XLSX file (its first
    sheet). ``source`` is an uploaded file, a file object, bytes or a path; ``filename`` gives the
    extension. Blank rows are skipped; the first non-blank row holds the column headers. Raises
    ``ImportRefused`` for a file that is not CSV/XLSX, empty, too large or has wrong columns."""
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
    table = _xlsx_table(data) if extension == ".xlsx" else _csv_table(data)
    return _data_rows(table)


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


def _csv_table(data: bytes):
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
    return _csv_records(text, _delimiter(text))


def _delimiter(text: str) -> str:
    """Comma, or the semicolon (Excel's choice under an Indonesian locale) or tab when more of
    the known headers come out of the first line that way."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def known_headers(delimiter):
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(1 for cell in cells if cell.strip().lower() in COLUMNS)

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
        # Trust the cells, not the dimension some programs write wrongly.
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
    except Exception as exc:  # read-only mode parses lazily, row by row
        raise unreadable from exc
    finally:
        workbook.close()


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _data_rows(table) -> list[SourceRow]:
    header, rows = None, []
    for number, values in table:
        if all(_is_blank(value) for value in values):
            continue
        if header is None:
            header = _match_header(values)
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
            elif not _is_blank(value):
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


def _shorten(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _match_header(values) -> list[str | None]:
    """The column header of each position (None for a blank one), matched without regard to
    case or surrounding spaces. Refuses unknown, duplicate and missing required columns."""
    header, unknown, duplicate = [], [], []
    for value in values:
        typed = "" if _is_blank(value) else str(value).strip()
        name = typed.lower() or None
        if name is not None and name not in COLUMNS:
            unknown.append(_shorten(typed))
            name = None
        elif name is not None and name in header:
            duplicate.append(name)
        header.append(name)
    missing = [h for h, column in COLUMNS.items() if column.required and h not in header]
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
            % {"columns": ", ".join(COLUMNS)}
        )
        raise ImportRefused(" ".join(problems))
    return header


# --- Reading the cells ----------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if isinstance(value, str):
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
    raise ValidationError(
        _(
            "Tanggal %(value)s tidak dikenali; tulis TTTT-BB-HH atau HH/BB/TTTT, misalnya "
            "2023-06-15 atau 15/06/2023."
        )
        % {"value": _shorten(text, 30)}
    )


def _int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,9}", text):
        return int(text)
    raise ValidationError(
        _("%(value)s bukan bilangan bulat; tulis angka saja, misalnya 15.")
        % {"value": _shorten(text, 30)}
    )


def _phone(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number typed into a spreadsheet cell loses its leading zero: 81234567890.
        text = _text(value)
        if text.startswith("8"):
            text = "0" + text
        return normalize_phone(text)
    return normalize_phone(_text(value))


def _url(value) -> str:
    """Like the KIM form, a URL typed without its scheme is taken as https."""
    text = _text(value)
    return text if "://" in text else "https://" + text


READERS = {"text": _text, "date": _date, "int": _int, "phone": _phone, "url": _url}


def _read_cells(cells: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The service arguments of a row's non-blank cells, and the cells that cannot be read."""
    values, errors = {}, []
    for header, column in COLUMNS.items():
        if column.kind == "code":
            continue
        raw = cells.get(header)
        if _is_blank(raw):
            if column.required:
                errors.append((header, _("Kolom %(column)s wajib diisi.") % {"column": header}))
            continue
        try:
            values[column.field] = READERS[column.kind](raw)
        except ValidationError as exc:
            errors.extend((header, message) for message in exc.messages)
    return values, errors


# --- Applying the rows ----------------------------------------------------------------------


def check_may_import(by) -> None:
    """``by`` None is the system itself; any user needs the import permission of the role."""
    if by is not None and not by.has_perm(roles.PERM_IMPORT):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan impor KIM."))


class _RowFailed(Exception):
    """Rolls back a row the service accepted although some of its cells could not be read."""


def plan(rows: list[SourceRow], *, by) -> ImportPlan:
    """The dry run: what importing ``rows`` as ``by`` would do, row by row. Every row goes
    through the service (so the rules are exactly the service's), in a transaction that is
    always rolled back: nothing is written."""
    return _apply(rows, by=by, reason="", commit=False)


def run(plan_or_rows, *, by, filename: str) -> ImportCounts:
    """Import the rows (of a plan, or as ``read_file`` returned them) in one transaction, each
    KIM's history recording ``by`` and the reason "Impor berkas <filename>". When any row has an
    error nothing is written and ``ImportRefused`` carries the plan with the errors."""
    rows = plan_or_rows.rows if isinstance(plan_or_rows, ImportPlan) else plan_or_rows
    reason = _("Impor berkas %(filename)s") % {"filename": Path(filename).name}
    result = _apply(rows, by=by, reason=reason[:REASON_MAX_LENGTH], commit=True)
    if result.has_errors:
        raise ImportRefused(
            _("%(count)d baris berisi kesalahan; tidak ada yang ditulis.")
            % {"count": result.counts.errors},
            plan=result,
        )
    return result.counts


def _apply(rows, *, by, reason: str, commit: bool) -> ImportPlan:
    check_may_import(by)
    rows = list(rows)
    codes = {_text(row.cells.get("kode_desa")) for row in rows} - {""}
    desa_by_code = Desa.objects.select_related("kecamatan").in_bulk(codes, field_name="code")
    first_row_of = {}
    with transaction.atomic():
        outcomes = [
            _apply_row(row, desa_by_code, first_row_of, by=by, reason=reason) for row in rows
        ]
        if not commit or any(outcome.action == ERROR for outcome in outcomes):
            transaction.set_rollback(True)
    return ImportPlan(rows=rows, outcomes=outcomes)


def _apply_row(row: SourceRow, desa_by_code, first_row_of, *, by, reason) -> RowOutcome:
    code = _text(row.cells.get("kode_desa"))
    values, errors = _read_cells(row.cells)
    name = values.pop("name", "")
    formed_on = values.pop("formed_on", None)
    outcome = RowOutcome(number=row.number, action=ERROR, desa_code=code, name=name)
    desa = desa_by_code.get(code)
    if not code:
        errors.insert(0, ("kode_desa", _("Kolom kode_desa wajib diisi.")))
    elif desa is None:
        errors.insert(
            0,
            (
                "kode_desa",
                _("Kode desa %(code)s tidak dikenal; tulis kode Kemendagri seperti 35.07.08.2001.")
                % {"code": _shorten(code, 30)},
            ),
        )
    else:
        outcome.desa_name = desa.name
    if desa is not None and name:
        key = (desa.pk, name.lower())
        if key in first_row_of:
            errors.append(
                (
                    "nama_kim",
                    _("Nama KIM ini sudah ada di baris %(row)d berkas ini, untuk desa yang sama.")
                    % {"row": first_row_of[key]},
                )
            )
        else:
            first_row_of[key] = row.number
    if desa is None:
        outcome.errors = errors
        return outcome

    existing = KIM.objects.counted().filter(desa=desa, name__iexact=name).first() if name else None
    try:
        with transaction.atomic():
            if existing is None:
                services.register_kim(
                    desa=desa, name=name, formed_on=formed_on, by=by, reason=reason, **values
                )
                outcome.action = CREATE
            else:
                kim = services.update_kim(
                    kim=existing, by=by, formed_on=formed_on, reason=reason, **values
                )
                outcome.kim_id = existing.pk
                outcome.changed = [
                    HEADER_OF_FIELD[f]
                    for f in ("formed_on", *values)
                    if getattr(kim, f) != getattr(existing, f)
                ]
                outcome.action = UPDATE if kim.version != existing.version else UNCHANGED
            if errors:
                raise _RowFailed
    except _RowFailed:
        pass
    except ValidationError as exc:
        errors.extend(_service_errors(exc, skip={column for column, _message in errors}))
    except PermissionDenied as exc:
        errors.append(("kode_desa", str(exc) or _("Anda tidak boleh mengubah KIM di desa ini.")))
    if errors:
        outcome.action, outcome.errors, outcome.changed = ERROR, errors, []
    return outcome


def _service_errors(exc: ValidationError, *, skip: set[str]) -> list[tuple[str, str]]:
    """A service's refusal as (column header, message) pairs, leaving out the columns already
    in error (a cell that could not be read is also "required" to the service)."""
    if not hasattr(exc, "error_dict"):
        return [("", message) for message in exc.messages]
    errors = []
    for field_name, messages in exc.message_dict.items():
        header = "" if field_name == NON_FIELD_ERRORS else HEADER_OF_FIELD.get(field_name, "")
        if header and header in skip:
            continue
        errors.extend((header, message) for message in messages)
    return errors


# --- The template ---------------------------------------------------------------------------


def template_file(file_format: str) -> tuple[bytes, str]:
    """The downloadable template in ``file_format`` ("csv" or "xlsx"): the columns of
    ``COLUMNS`` and one example row. Returns the content and its content type. The CSV starts
    with a byte order mark so that Excel opens it as UTF-8."""
    dataset = tablib.Dataset(headers=list(COLUMNS), title="KIM")
    dataset.append([TEMPLATE_EXAMPLE[header] for header in COLUMNS])
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8"), CONTENT_TYPES["csv"]
    if file_format == "xlsx":
        return dataset.export("xlsx"), CONTENT_TYPES["xlsx"]
    raise ValueError(f"unknown template format: {file_format!r}")
