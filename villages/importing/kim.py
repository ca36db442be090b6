"""Bulk import of KIM from a CSV or XLSX file: the page ``/kim/impor/`` and ``manage.py
import_kim``.

Why not django-import-export: its resources save model rows one by one (``instance.save()``),
which would bypass ``villages.services``: the services open each KIM's status timeline, record
who changed what and why in its history, and check the user's role and wilayah. So
here the file is only *read* (``files``), and every row is *written* by the services (``plan``):
new KIM are checked row by row by ``services.build_kim`` and registered all at once, at the
end, by ``services.register_kims`` (the form's ``register_kim`` is the same service for one);
changed KIM go through ``services.update_kim``. An imported KIM obeys exactly the rules of one
entered in the form.

A row matches an existing KIM when it names the same desa and the same KIM name, ignoring case
(voided KIM aside); the row then updates that KIM's formation date and the details it gives. An
empty optional cell leaves the KIM's value as it is: an import adds and corrects, it never erases.
Importing the same file again changes nothing: a row whose values are the KIM's
(``services.kim_changes``) is unchanged and not written (no new version, no history entry).

The module-level ``read_file``, ``plan``, ``run`` and ``template_file`` are those of ``IMPORTER``.
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
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

    def prepare(self, rows: list[SourceRow], *, by) -> dict:
        desa = desa_by_code(rows, by=by)
        existing = {
            (kim.desa_id, kim.name.lower()): kim
            for kim in KIM.objects.counted().filter(desa__in=desa.values())
        }
        return {
            "desa_by_code": desa,
            "existing": existing,
            "first_row_of": {},
            "new": [],
            "updates": [],
        }

    def lock(self, context: dict) -> None:
        # Each KIM written recounts its kecamatan with the kecamatan row locked
        # (``timeline.refresh_kims``); in file order, two imports at once could take those locks
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

        existing = context["existing"].get((desa.pk, name.lower())) if name else None
        entry = {"formed_on": formed_on, **values}
        if existing is None:
            entry.update(desa=desa, name=name)
            outcome.action = CREATE
        else:
            entry["kim"] = existing
            outcome.kim_id, outcome.action = existing.pk, UNCHANGED
        if errors:
            # A cell could not be read: the row is in error; what the service says of the rest
            # of the row is shown with it.
            check = services.check_registrations if existing is None else services.check_updates
            refused = check([entry], by=by)[1]
            if refused:
                errors.extend(self._errors(refused[0], skip={column for column, _m in errors}))
            outcome.action, outcome.errors = ERROR, errors
        else:
            context["new" if existing is None else "updates"].append((outcome, entry))
        return outcome

    def finish(self, context: dict, *, by, reason: str, commit: bool) -> None:
        """The updates, then the new KIM, each all at once: ``services.update_kims`` and
        ``services.register_kims`` when the import is confirmed, their checks for the preview
        (or when an earlier row is in error)."""
        updates = self._all_at_once(
            context["updates"],
            write=services.update_kims,
            check=services.check_updates,
            by=by,
            reason=reason,
            commit=commit,
        )
        for index, update in updates.items():
            outcome = context["updates"][index][0]
            outcome.action = UPDATE if update.changed else UNCHANGED
            outcome.changed = [
                header for field, header in HEADER_OF_FIELD.items() if field in update.changed
            ]
        commit = commit and len(updates) == len(context["updates"])
        self._all_at_once(
            context["new"],
            write=services.register_kims,
            check=services.check_registrations,
            by=by,
            reason=reason,
            commit=commit,
        )

    def _all_at_once(self, pending, *, write, check, by, reason, commit) -> dict:
        """Write (``commit``) or check the ``pending`` (outcome, entry) pairs with one call of
        the service; each row refused gets its errors. Returns what the service gave for
        each entry that passed, by index."""
        entries = [entry for _outcome, entry in pending]
        if not entries:
            return {}
        refused = {}
        if commit:
            try:
                return dict(enumerate(write(entries, by=by, reason=reason)))
            except (ValidationError, PermissionDenied) as error:
                # The registry changed since the preview (a name registered, a wilayah
                # changed): every row refused now, or, for the database's own refusal of a name
                # registered this instant (which names no entry), the first row.
                passed, refused = check(entries, by=by)
                refused = refused or {getattr(error, "entry", 0): error}
        else:
            passed, refused = check(entries, by=by)
        for index, error in refused.items():
            outcome = pending[index][0]
            outcome.action, outcome.errors = ERROR, self._errors(error, skip=set())
        return {index: value for index, value in passed.items() if index not in refused}

    def _errors(self, error, *, skip: set[str]) -> list[tuple[str, str]]:
        if isinstance(error, PermissionDenied):
            return [("kode_desa", str(error) or _("Anda tidak boleh mengubah KIM di desa ini."))]
        return self.service_errors(error, skip=skip)


IMPORTER = KIMImporter()
read_file = IMPORTER.read_file
plan = IMPORTER.plan
run = IMPORTER.run
template_file = IMPORTER.template_file
