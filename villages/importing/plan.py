"""The plan and the run of an import, whatever it imports: ``Importer`` takes the rows of a file
(``files.read_file``) through a row handler that calls the services, and reports per row
"create", "update", "unchanged" or "error" with (column, message) pairs.

- ``Importer.plan`` is the dry run: every row goes through the service's checks inside a
  transaction that is always rolled back, so the rules are exactly the service's and nothing
  is written. A row the service writes in bulk (a new KIM) is checked by the service's own
  check (``services.build_kim``) and written by ``finish`` at the end of ``run``.
- ``Importer.run`` applies every row in one transaction; one row in error and nothing is
  written (``ImportRefused`` then carries the plan with the errors).

A subclass gives its ``columns``, the permission it needs, and ``apply_row``; ``prepare`` looks
up in bulk what its rows name (desa by code, ...) once per file, within the importing user's
wilayah only: a row naming a desa of another office reads exactly like a row naming no desa,
so a preview never tells whether something exists outside the user's wilayah, nor its name.
``ImportRefused`` is defined in ``files`` (which raises it first, for a file that cannot be
read) and exported here too.
"""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import scope
from ..models import Desa
from . import files
from .files import Column, ImportRefused, SourceRow

__all__ = [
    "ACTION_LABELS",
    "CREATE",
    "ERROR",
    "UNCHANGED",
    "UPDATE",
    "ImportCounts",
    "ImportPlan",
    "ImportRefused",
    "Importer",
    "RowFailed",
    "RowOutcome",
    "desa_by_code",
    "desa_errors",
]

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("baru"),
    UPDATE: gettext_lazy("diperbarui"),
    UNCHANGED: gettext_lazy("tidak berubah"),
    ERROR: gettext_lazy("kesalahan"),
}


@dataclass
class RowOutcome:
    """What importing one row does (or would do): ``changed`` lists the columns an update
    changes, ``errors`` the (column header, message) pairs; the column is "" for the row.
    ``name`` is the KIM's name, ``detail`` what else identifies the row (an activity)."""

    number: int
    action: str
    desa_code: str
    name: str
    desa_name: str = ""
    kim_id: int | None = None
    detail: str = ""
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


class RowFailed(Exception):
    """Rolls back a row the service accepted although some of its cells could not be read."""


class Importer:
    """One kind of import. Subclasses set the class attributes and implement ``apply_row``."""

    columns: dict[str, Column] = {}
    permission: str = ""
    permission_message = gettext_lazy("Peran Anda tidak mengizinkan impor ini.")
    # Whether rows may update what exists (the preview then shows an "updated" count).
    updates = True
    template_title = ""
    template_example: dict = {}

    # --- What the views and the command call ----------------------------------------------

    def read_file(self, source, *, filename: str) -> list[SourceRow]:
        """The data rows of the file, or ``ImportRefused`` (see ``files.read_file``)."""
        return files.read_file(source, filename=filename, columns=self.columns)

    def template_file(self, file_format: str) -> tuple[bytes, str]:
        """The downloadable template: the columns and one example row, with its content type."""
        return files.template_file(
            file_format,
            columns=self.columns,
            example=self.template_example,
            title=self.template_title,
        )

    def check_may_import(self, by) -> None:
        """``by`` None is the system itself; any user needs the importer's permission."""
        if by is not None and not by.has_perm(self.permission):
            raise PermissionDenied(str(self.permission_message))

    def plan(self, rows: list[SourceRow], *, by) -> ImportPlan:
        """The dry run: what importing ``rows`` as ``by`` would do, row by row. Every row goes
        through the service's checks, in a transaction that is always rolled back: nothing is
        written."""
        return self._apply(rows, by=by, reason="", commit=False)

    def run(self, plan_or_rows, *, by, filename: str) -> ImportCounts:
        """Import the rows (of a plan, or as ``read_file`` returned them) in one transaction.
        When any row has an error nothing is written and ``ImportRefused`` carries the plan
        with the errors."""
        rows = plan_or_rows.rows if isinstance(plan_or_rows, ImportPlan) else plan_or_rows
        result = self._apply(rows, by=by, reason=self.reason(filename), commit=True)
        if result.has_errors:
            raise ImportRefused(
                _("%(count)d baris berisi kesalahan; tidak ada yang ditulis.")
                % {"count": result.counts.errors},
                plan=result,
            )
        return result.counts

    def summary(self, counts: ImportCounts) -> str:
        """The counts in a sentence, for the command and the confirmation message."""
        raise NotImplementedError

    def done_message(self, counts: ImportCounts) -> str:
        return _("Impor selesai: %(summary)s.") % {"summary": self.summary(counts)}

    # --- What a subclass provides ---------------------------------------------------------

    def reason(self, filename: str) -> str:
        """The change reason recorded in the history of what ``run`` writes; "" for none."""
        return ""

    def prepare(self, rows: list[SourceRow], *, by) -> dict:
        """What the rows need looked up in bulk, before any is applied, within the wilayah of
        ``by`` (``desa_by_code``); ``apply_row`` may also keep notes in it (the first row of
        each key, to refuse duplicates)."""
        return {}

    def apply_row(self, row: SourceRow, context: dict, *, by, reason: str) -> RowOutcome:
        """Apply one row through the services, inside a savepoint of its own (or check it and
        leave it in ``context`` for ``finish``), and say what it did; any error is in the
        outcome, never raised."""
        raise NotImplementedError

    def lock(self, context: dict) -> None:
        """Take, at the start of the import's transaction, the locks its rows will take one by
        one, in one order (none by default)."""

    def finish(self, context: dict, *, by, reason: str, commit: bool) -> None:
        """Check all at once what ``apply_row`` left in ``context`` (the new KIM), turning the
        outcome of each row refused into an error, and write it when ``commit`` (``run``, no row
        in error). Nothing by default."""

    # --- The machinery --------------------------------------------------------------------

    def _apply(self, rows, *, by, reason: str, commit: bool) -> ImportPlan:
        self.check_may_import(by)
        rows = list(rows)
        context = self.prepare(rows, by=by)
        with transaction.atomic():
            self.lock(context)
            outcomes = [self.apply_row(row, context, by=by, reason=reason) for row in rows]
            commit = commit and not any(outcome.action == ERROR for outcome in outcomes)
            self.finish(context, by=by, reason=reason, commit=commit)
            if not commit or any(outcome.action == ERROR for outcome in outcomes):
                transaction.set_rollback(True)
        return ImportPlan(rows=rows, outcomes=outcomes)

    def header_of_field(self, field_name: str) -> str:
        return next((h for h, c in self.columns.items() if c.field == field_name), "")

    def service_errors(self, exc: ValidationError, *, skip: set[str]) -> list[tuple[str, str]]:
        """A service's refusal as (column header, message) pairs, leaving out the columns
        already in error (a cell that could not be read is also "required" to the service)."""
        if not hasattr(exc, "error_dict"):
            return [("", message) for message in exc.messages]
        errors = []
        for field_name, messages in exc.message_dict.items():
            header = "" if field_name == NON_FIELD_ERRORS else self.header_of_field(field_name)
            if header and header in skip:
                continue
            errors.extend((header, message) for message in messages)
        return errors


# --- Rows that name a desa by its code (both importers) -------------------------------------


def desa_by_code(rows: list[SourceRow], *, by, column: str = "kode_desa") -> dict:
    """The desa the rows name in ``column`` that lie within the wilayah of ``by`` (None: the
    system, every desa), by code, with their kecamatan: one query. A desa of another office
    is left out as if it did not exist: what is looked up in it next (its KIM by name) and
    what the preview shows of it (its name) would otherwise tell the user about it."""
    codes = {files.cell_text(row.cells.get(column)) for row in rows} - {""}
    desa = Desa.objects.within(scope.of(by)).for_table()
    return desa.in_bulk(codes, field_name="code")


def desa_errors(code: str, desa, column: str = "kode_desa") -> list[tuple[str, str]]:
    """The error of a desa code cell that is empty, or names no desa within the user's wilayah
    (``desa_by_code``); none when ``desa`` is the desa it names. An unknown code and a code of
    another office get the same message, naming only the code the user typed: whether a desa
    exists outside the user's wilayah is not theirs to learn."""
    if not code:
        return [(column, _("Kolom kode_desa wajib diisi."))]
    if desa is None:
        return [
            (
                column,
                _(
                    "Kode desa %(code)s tidak dikenal atau di luar wilayah kerja Anda; tulis kode "
                    "Kemendagri desa/kelurahan wilayah kerja Anda."
                )
                % {"code": files.shorten(code, 30)},
            )
        ]
    return []
