"""Expensive test data built once per test session and put back into each test that asks for it.

Building the demo history goes through the services (validation, history, one transaction per
KIM) and takes seconds; about sixty tests read it. ``TableSnapshot.capture`` runs a set-up once
inside a transaction that is rolled back, and keeps the rows it added to every table (and the
rows it removed or changed). ``restore`` writes exactly those rows back with one INSERT per table,
in the test's own transaction (or committed, for a live-server test), so a test sees the same
database it would have seen after running the set-up itself, in a few milliseconds.

The role groups, their permissions and the content types are left out: migrations make them, a
test with ``transactional_db`` flushes them and ``sync_roles`` makes them again with other ids.
A user's membership of a group is re-pointed by the group's name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction

from kimtracker.roles import sync_roles

# Made by migrations and ``sync_roles``, never by a set-up worth keeping.
_ROLE_TABLES = {"auth_group", "auth_group_permissions", "auth_permission", "django_content_type"}


def _tables() -> dict[str, object]:
    """Every concrete table of the project's models (m2m tables too) but the role tables."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = model
    return {table: model for table, model in tables.items() if table not in _ROLE_TABLES}


def _read(table: str, model) -> tuple[list[str], list[tuple]]:
    """The table's rows, without its generated columns (the database writes those itself and
    refuses an INSERT that gives them)."""
    quote = connection.ops.quote_name
    columns = [
        field.column
        for field in model._meta.local_concrete_fields
        if not getattr(field, "generated", False)
    ]
    with connection.cursor() as cursor:
        listed = ", ".join(quote(column) for column in columns)
        cursor.execute(f"SELECT {listed} FROM {quote(table)}")  # noqa: S608
        return columns, [tuple(row) for row in cursor.fetchall()]


def _key(row: tuple) -> tuple:
    """A hashable form of a row (a JSON column may come back as a dict or a list)."""
    return tuple(repr(value) if isinstance(value, dict | list) else value for value in row)


@dataclass
class _TableChange:
    columns: list[str]
    pk_index: int
    added: list[tuple] = field(default_factory=list)
    removed_pks: list[object] = field(default_factory=list)


def _change(before, after, pk_column: str) -> "_TableChange | None":
    """The rows of ``after`` (columns, rows) not in ``before``, and the ids of those gone."""
    columns, rows_after = after
    rows_before = before[1]
    pk_index = columns.index(pk_column)
    old = {_key(row) for row in rows_before}
    new = {_key(row) for row in rows_after}
    added = [row for row in rows_after if _key(row) not in old]
    removed = [row[pk_index] for row in rows_before if _key(row) not in new]
    if not (added or removed):
        return None
    return _TableChange(columns, pk_index, added, removed)


@dataclass
class TableSnapshot:
    """What a set-up changed in the database, table by table."""

    changes: dict[str, _TableChange]
    group_names: dict[int, str]

    @classmethod
    def capture(cls, *setups: Callable[[], None]) -> list["TableSnapshot"]:
        """Run each of ``setups`` in turn, in one transaction that is rolled back; return what
        each changed after the ones before it."""
        tables = _tables()
        snapshots = []
        with transaction.atomic():
            before = {table: _read(table, model) for table, model in tables.items()}
            for setup in setups:
                setup()
                after = {table: _read(table, model) for table, model in tables.items()}
                changes = {}
                for table, model in tables.items():
                    change = _change(before[table], after[table], model._meta.pk.column)
                    if change is not None:
                        changes[table] = change
                snapshots.append(cls(changes, dict(Group.objects.values_list("pk", "name"))))
                before = after
            transaction.set_rollback(True)
        return snapshots

    def restore(self) -> None:
        """Write the set-up's changes into the current database, in one transaction. Rows a
        test made before (a user of its own) keep their ids: the restored rows move past them,
        and what points to the moved rows moves with them."""
        tables = _tables()
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            offsets = self._id_offsets(cursor)
            group_ids = self._current_group_ids()
            for table, change in self.changes.items():
                pk_column = quote(change.columns[change.pk_index])
                for pk in change.removed_pks:
                    cursor.execute(
                        f"DELETE FROM {quote(table)} WHERE {pk_column} = %s",  # noqa: S608
                        [pk],
                    )
                if not change.added:
                    continue
                rows = self._moved(tables[table], change, offsets, group_ids)
                columns = ", ".join(quote(column) for column in change.columns)
                marks = ", ".join(["%s"] * len(change.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )
            # Rows came with their ids: move each sequence past them (PostgreSQL).
            models = [tables[table] for table in self.changes]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def _id_offsets(self, cursor) -> dict[str, int]:
        """Per table, how far to move the restored ids past the rows already there (0 when
        the table holds none in their way)."""
        offsets = {}
        quote = connection.ops.quote_name
        for table, change in self.changes.items():
            ids = [row[change.pk_index] for row in change.added]
            if not ids or not all(isinstance(pk, int) for pk in ids):
                continue
            pk_column = quote(change.columns[change.pk_index])
            cursor.execute(f"SELECT MAX({pk_column}) FROM {quote(table)}")  # noqa: S608
            highest = cursor.fetchone()[0]
            if highest is not None and highest >= min(ids):
                offsets[table] = highest - min(ids) + 1
        return offsets

    def _current_group_ids(self) -> dict[int, int]:
        """Snapshot group id -> the id of the group of that name now (re-creating the roles
        when a flush removed them)."""
        if not Group.objects.filter(name__in=self.group_names.values()).exists():
            sync_roles()
        by_name = dict(Group.objects.values_list("name", "pk"))
        return {old: by_name[name] for old, name in self.group_names.items() if name in by_name}

    @staticmethod
    def _moved(model, change: _TableChange, offsets: dict[str, int], group_ids) -> list[tuple]:
        """The added rows with their ids and foreign keys moved by ``offsets``, and a user's
        group re-pointed to the group of the same name now."""
        moves = {}  # column index -> offset
        table = model._meta.db_table
        if offsets.get(table):
            moves[change.pk_index] = offsets[table]
        for model_field in model._meta.concrete_fields:
            target = model_field.related_model if model_field.is_relation else None
            if target is not None and offsets.get(target._meta.db_table):
                moves[change.columns.index(model_field.column)] = offsets[target._meta.db_table]
        group_index = change.columns.index("group_id") if table == "auth_user_groups" else None
        if not moves and group_index is None:
            return change.added
        rows = []
        for row in change.added:
            row = list(row)
            for index, offset in moves.items():
                if row[index] is not None:
                    row[index] += offset
            if group_index is not None:
                row[group_index] = group_ids[row[group_index]]
            rows.append(tuple(row))
        return rows
