"""Bulk import of KIM from a CSV or XLSX file: the page ``/kim/impor/`` and ``manage.py
import_kim``.

Why not django-import-export: its resources save model rows one by one (``instance.save()``),
which would bypass ``villages.services``: the services open each KIM's status timeline, record
who changed what and why in its history, and check the user's role and kecamatan assignment. So
here the file is only *read* (``files``), and every row is *written* by ``services.register_kim``
or ``services.update_kim`` (``plan``): an imported KIM obeys exactly the rules of one entered in
the form.

A row matches an existing KIM when it names the same desa and the same KIM name, ignoring case
(voided KIM aside); the row then updates that KIM's formation date and the details it gives. An
empty optional cell leaves the KIM's value as it is: an import adds and corrects, it never erases.
Importing the same file again changes nothing, since ``update_kim`` does nothing (no new version,
no history entry) when no value differs.

The module-level ``read_file``, ``plan``, ``run`` and ``template_file`` are those of ``IMPORTER``.
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker import roles

from .. import services, timeline
from ..models import KIM
from ..names import normalize_name
from .files import (
    CONTENT_TYPES,
    Column,
    ImportRefused,
    SourceRow,
    cell_text,
    max_bytes,
    max_rows,
    read_cells,
)
from .plan import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ImportCounts,
    Importer,
    ImportPlan,
    RowFailed,
    RowOutcome,
    desa_by_code,
    desa_errors,
)

__all__ = [
    "COLUMNS",
    "CONTENT_TYPES",
    "IMPORTER",
    "ImportCounts",
    "ImportPlan",
    "ImportRefused",
    "KIMImporter",
    "max_bytes",
    "max_rows",
    "plan",
    "read_file",
    "run",
    "template_file",
]

# The history's change reason holds 100 characters.
REASON_MAX_LENGTH = 100

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


class KIMImporter(Importer):
    """KIM, created by ``register_kim`` or updated by ``update_kim``, with the file name in the
    history's change reason."""

    columns = COLUMNS
    permission = roles.PERM_IMPORT
    permission_message = gettext_lazy("Peran Anda tidak mengizinkan impor KIM.")
    template_title = "KIM"
    template_example = TEMPLATE_EXAMPLE

    def summary(self, counts: ImportCounts) -> str:
        return _("%(created)d KIM baru, %(updated)d diperbarui, %(unchanged)d tidak berubah") % {
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
        }

    def done_message(self, counts: ImportCounts) -> str:
        return _(
            "Impor selesai: %(created)d KIM baru, %(updated)d diperbarui, "
            "%(unchanged)d tidak berubah."
        ) % {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}

    def reason(self, filename: str) -> str:
        reason = _("Impor berkas %(filename)s") % {"filename": Path(filename).name}
        return reason[:REASON_MAX_LENGTH]

    def prepare(self, rows: list[SourceRow]) -> dict:
        return {"desa_by_code": desa_by_code(rows), "first_row_of": {}}

    def lock(self, context: dict) -> None:
        # Each KIM written recounts its kecamatan with the kecamatan row locked
        # (``timeline.refresh_kim``); in file order, two imports at once could take those locks
        # in opposite orders and deadlock. Take them all now, in one order.
        timeline.lock_kecamatan({desa.kecamatan_id for desa in context["desa_by_code"].values()})

    def apply_row(self, row: SourceRow, context: dict, *, by, reason: str) -> RowOutcome:
        code = cell_text(row.cells.get("kode_desa"))
        values, errors = read_cells(row.cells, self.columns)
        name = normalize_name(values.pop("name", ""))
        formed_on = values.pop("formed_on", None)
        outcome = RowOutcome(number=row.number, action=ERROR, desa_code=code, name=name)
        desa = context["desa_by_code"].get(code)
        errors[:0] = desa_errors(code, desa)
        if desa is not None:
            outcome.desa_name = desa.name
        first_row_of = context["first_row_of"]
        if desa is not None and name:
            key = (desa.pk, name.lower())
            if key in first_row_of:
                errors.append(
                    (
                        "nama_kim",
                        _(
                            "Nama KIM ini sudah ada di baris %(row)d berkas ini, untuk desa yang "
                            "sama."
                        )
                        % {"row": first_row_of[key]},
                    )
                )
            else:
                first_row_of[key] = row.number
        if desa is None:
            outcome.errors = errors
            return outcome

        existing = (
            KIM.objects.counted().filter(desa=desa, name__iexact=name).first() if name else None
        )
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
                    raise RowFailed
        except RowFailed:
            pass
        except ValidationError as exc:
            errors.extend(self.service_errors(exc, skip={column for column, _m in errors}))
        except PermissionDenied as exc:
            errors.append(
                ("kode_desa", str(exc) or _("Anda tidak boleh mengubah KIM di desa ini."))
            )
        if errors:
            outcome.action, outcome.errors, outcome.changed = ERROR, errors, []
        return outcome


IMPORTER = KIMImporter()
read_file = IMPORTER.read_file
plan = IMPORTER.plan
run = IMPORTER.run
template_file = IMPORTER.template_file
