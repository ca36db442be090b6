"""Bulk import of KIM activities from a CSV or XLSX file: the page ``/kim/kegiatan/impor/`` and
``manage.py import_activities``. The same machinery as the KIM import (``files``, ``plan``):
a dry run with errors by row and column, one transaction, nothing written when a row is wrong.

Each row names its KIM by desa code and KIM name (ignoring case, voided KIM aside) and is written
by ``services.record_activity``, so an imported activity obeys the rules of one entered by hand:
not in the future, not before the KIM's formation, a known kind, a description. An activity is
the same as one already recorded when KIM, date, kind and description are equal: it is then
"unchanged", so importing the same file again writes nothing. Activities have no history reason,
so the file name is not recorded; ``recorded_by`` is the importing user.

The module-level ``read_file``, ``plan``, ``run`` and ``template_file`` are those of ``IMPORTER``.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kimtracker import roles

from .. import permissions, services
from ..choices import ActivityKind
from ..models import KIM, KIMActivity
from .files import Column, SourceRow, cell_text, read_cells, shorten
from .plan import (
    CREATE,
    ERROR,
    UNCHANGED,
    ImportCounts,
    Importer,
    RowFailed,
    RowOutcome,
    desa_by_code,
    desa_errors,
)

__all__ = ["COLUMNS", "IMPORTER", "ActivityImporter", "plan", "read_file", "run", "template_file"]


def _kind_help() -> str:
    return _(
        "Salah satu dari %(values)s, atau labelnya (huruf besar atau kecil sama saja), misalnya "
        "Diskusi, Pelatihan/bimtek atau bimtek."
    ) % {"values": ", ".join(ActivityKind.values)}


COLUMNS = {
    "kode_desa": Column(
        "desa",
        "code",
        required=True,
        help=gettext_lazy("Kode Kemendagri desa/kelurahan, misalnya 35.07.08.2001."),
    ),
    "nama_kim": Column(
        "kim",
        "text",
        required=True,
        help=gettext_lazy("Nama KIM seperti terdaftar di desa itu (huruf besar atau kecil sama)."),
    ),
    "tanggal_kegiatan": Column(
        "occurred_on",
        "date",
        required=True,
        help=gettext_lazy("TTTT-BB-HH atau HH/BB/TTTT, misalnya 2023-06-15 atau 15/06/2023."),
    ),
    "jenis_kegiatan": Column(
        "kind", "choice", required=True, help=lazy(_kind_help, str)(), choices=ActivityKind
    ),
    "uraian": Column(
        "description",
        "text",
        required=True,
        help=gettext_lazy("Uraian singkat kegiatan, paling banyak 300 karakter."),
    ),
    "tautan": Column(
        "link",
        "url",
        help=gettext_lazy("Unggahan, artikel atau video; tanpa https:// pun boleh."),
    ),
}

# The example row of the downloadable template names the example KIM of the KIM template, so the
# two templates imported one after the other both work.
TEMPLATE_EXAMPLE = {
    "kode_desa": "35.07.08.2001",
    "nama_kim": "CONTOH KIM Sumberputih (hapus baris ini)",
    "tanggal_kegiatan": datetime.date(2023, 7, 20),
    "jenis_kegiatan": ActivityKind.DISKUSI.value,
    "uraian": "Contoh: diskusi warga tentang layanan informasi desa (hapus baris ini)",
    "tautan": "https://kim-contoh.example.org/diskusi",
}


class ActivityImporter(Importer):
    """KIM activities, recorded by ``record_activity``; never updated (an activity that is
    already recorded is "unchanged")."""

    columns = COLUMNS
    permission = roles.PERM_ACTIVITY
    permission_message = gettext_lazy("Peran Anda tidak mengizinkan impor kegiatan KIM.")
    updates = False
    template_title = "Kegiatan KIM"
    template_example = TEMPLATE_EXAMPLE

    def summary(self, counts: ImportCounts) -> str:
        return _("%(created)d kegiatan baru, %(unchanged)d sudah tercatat") % {
            "created": counts.created,
            "unchanged": counts.unchanged,
        }

    def prepare(self, rows: list[SourceRow], *, by) -> dict:
        desas = desa_by_code(rows, by=by)
        kims = KIM.objects.counted().filter(desa__in=list(desas.values()))
        return {
            "desa_by_code": desas,
            "kim_by_name": {(kim.desa_id, kim.name.lower()): kim for kim in kims},
            "first_row_of": {},
        }

    def apply_row(self, row: SourceRow, context: dict, *, by, reason: str) -> RowOutcome:
        code = cell_text(row.cells.get("kode_desa"))
        values, errors = read_cells(row.cells, self.columns)
        name = values.pop("kim", "")
        outcome = RowOutcome(number=row.number, action=ERROR, desa_code=code, name=name)
        outcome.detail = _detail(values)
        desa = context["desa_by_code"].get(code)
        errors[:0] = desa_errors(code, desa)
        kim = None
        if desa is not None:
            outcome.desa_name = desa.name
            kim = context["kim_by_name"].get((desa.pk, name.lower())) if name else None
            if name and kim is None:
                errors.append(
                    (
                        "nama_kim",
                        _(
                            "Tidak ada KIM bernama %(name)s di %(desa)s; tulis nama KIM seperti "
                            "terdaftar (KIM yang dibatalkan tidak dihitung)."
                        )
                        % {"name": shorten(name), "desa": desa.name},
                    )
                )
        if kim is None:
            outcome.errors = errors
            return outcome
        outcome.kim_id, outcome.name = kim.pk, kim.name

        key = (kim.pk, values.get("occurred_on"), values.get("kind"), values.get("description"))
        if all(key):
            first_row_of = context["first_row_of"]
            if key in first_row_of:
                errors.append(
                    (
                        "uraian",
                        _(
                            "Kegiatan yang sama (KIM, tanggal, jenis dan uraian) sudah ada di "
                            "baris %(row)d berkas ini."
                        )
                        % {"row": first_row_of[key]},
                    )
                )
            else:
                first_row_of[key] = row.number
        try:
            with transaction.atomic():
                if all(key) and _recorded(*key):
                    # Recorded already: nothing to write, but the user must still be one who
                    # could have written it.
                    permissions.check(by, kim.desa, roles.PERM_ACTIVITY)
                    outcome.action = UNCHANGED
                else:
                    services.record_activity(
                        kim=kim,
                        occurred_on=values.get("occurred_on"),
                        kind=values.get("kind", ""),
                        description=values.get("description", ""),
                        link=values.get("link", ""),
                        by=by,
                    )
                    outcome.action = CREATE
                if errors:
                    raise RowFailed
        except RowFailed:
            pass
        except ValidationError as exc:
            errors.extend(self.service_errors(exc, skip={column for column, _m in errors}))
        except PermissionDenied as exc:
            errors.append(
                ("kode_desa", str(exc) or _("Anda tidak boleh mencatat kegiatan KIM di desa ini."))
            )
        if errors:
            outcome.action, outcome.errors = ERROR, errors
        return outcome


def _recorded(kim_id: int, occurred_on, kind: str, description: str) -> bool:
    return KIMActivity.objects.filter(
        kim_id=kim_id, occurred_on=occurred_on, kind=kind, description=description
    ).exists()


def _detail(values: dict) -> str:
    """The date, kind and description a row gives, for the preview."""
    parts = []
    if values.get("occurred_on"):
        parts.append(values["occurred_on"].isoformat())
    if values.get("kind"):
        parts.append(str(ActivityKind(values["kind"]).label))
    if values.get("description"):
        parts.append(shorten(values["description"], 60))
    return " · ".join(parts)


IMPORTER = ActivityImporter()
read_file = IMPORTER.read_file
plan = IMPORTER.plan
run = IMPORTER.run
template_file = IMPORTER.template_file
