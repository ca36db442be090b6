"""The figures' structure, derived from the status timeline: each KIM's status intervals
(``KIMStatusInterval``), each kecamatan's coverage counters over time
(``KecamatanCoverageInterval``) and the country's daily changes of KIM formed and active
(``KIMCountChange``).

One place writes them: ``refresh_kims`` (``refresh_kim`` for one KIM), which every service
that changes a KIM (registration, edit of its formation date or desa, status change, void,
delete) calls inside its own transaction, so the figures change exactly when the timeline
does; and ``rebuild``, which writes them all again from the timeline (``manage.py
rebuild_figures``, the migration that created them, bulk loads). No signal is involved.

The rules, the same as the timeline's (see ``KIMStatusChange``): a KIM counts from its
formation date unless voided; on a day, its level and active flag are those of the latest
entries effective on or before that day (an entry without a level keeps the level, one without
an active flag keeps the flag); a desa is covered on a day when at least one of its KIM is
active then.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.apps import apps as global_apps
from django.db import connection, transaction

from .models import ACTIVE_AT_LEVEL, KECAMATAN_COUNTERS

# The counters of ``KecamatanCoverageInterval``, in this order in ``CounterPeriod.counters``.
COUNTER_FIELDS = KECAMATAN_COUNTERS
_LEVEL_INDEX = {level: COUNTER_FIELDS.index(field) for level, field in ACTIVE_AT_LEVEL.items()}


class Period(NamedTuple):
    """One interval of a KIM: [starts_on, ends_on), ends_on None while it lasts."""

    starts_on: datetime.date
    ends_on: datetime.date | None
    level: str
    is_active: bool


class CounterPeriod(NamedTuple):
    """One interval of a kecamatan's counters (``COUNTER_FIELDS``)."""

    starts_on: datetime.date
    ends_on: datetime.date | None
    counters: tuple[int, ...]


def kim_periods(formed_on: datetime.date, entries: Iterable[tuple]) -> list[Period]:
    """The maximal periods of constant (level, active) of a KIM formed on ``formed_on`` whose
    timeline is ``entries``: ``(effective_on, level, is_active)`` in the timeline's order
    (``effective_on``, then ``id``). The first starts on ``formed_on``, the last is open."""
    states: list[tuple[datetime.date, str, bool]] = []
    level, active = "", False
    for effective_on, entry_level, entry_active in entries:
        if entry_level:
            level = entry_level
        if entry_active is not None:
            active = entry_active
        day = max(effective_on, formed_on)
        if states and states[-1][0] == day:
            states[-1] = (day, level, active)
        else:
            states.append((day, level, active))
    if not states or states[0][0] != formed_on:
        states.insert(0, (formed_on, "", False))
    merged: list[tuple[datetime.date, str, bool]] = []
    for state in states:
        if not merged or merged[-1][1:] != state[1:]:
            merged.append(state)
    return [
        Period(day, merged[i + 1][0] if i + 1 < len(merged) else None, level, active)
        for i, (day, level, active) in enumerate(merged)
    ]


def kecamatan_periods(kims: Iterable[tuple[int, list[Period]]]) -> list[CounterPeriod]:
    """The counter periods of one kecamatan from its KIM: ``(desa_id, periods)`` for each KIM
    (not voided) of the kecamatan. Rows from the first formation on; none without KIM."""
    # Per day: the change of each counter but desa_covered, and of each desa's active KIM.
    changes: dict[datetime.date, list[int]] = defaultdict(lambda: [0] * len(COUNTER_FIELDS))
    desa_changes: dict[datetime.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for desa_id, periods in kims:
        changes[periods[0].starts_on][1] += 1
        for period in periods:
            if not period.is_active:
                continue
            bounds = [(period.starts_on, 1)]
            if period.ends_on is not None:
                bounds.append((period.ends_on, -1))
            for day, sign in bounds:
                changes[day][2] += sign
                if period.level in _LEVEL_INDEX:
                    changes[day][_LEVEL_INDEX[period.level]] += sign
                desa_changes[day][desa_id] += sign
    rows: list[CounterPeriod] = []
    state = [0] * len(COUNTER_FIELDS)
    desa_active: dict[int, int] = defaultdict(int)
    for day in sorted(changes.keys() | desa_changes.keys()):
        for i, change in enumerate(changes.get(day, ())):
            state[i] += change
        for desa_id, change in desa_changes.get(day, {}).items():
            before = desa_active[desa_id]
            desa_active[desa_id] = before + change
            state[0] += (desa_active[desa_id] > 0) - (before > 0)
        counters = tuple(state)
        if rows and rows[-1].counters == counters:
            continue
        if rows:
            rows[-1] = rows[-1]._replace(ends_on=day)
        rows.append(CounterPeriod(day, None, counters))
    return rows


def count_changes(periods: list[Period]) -> dict[datetime.date, tuple[int, int]]:
    """A KIM's contribution to the country's daily changes: (formed, active) per day, the days
    that change nothing left out."""
    changes: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    if periods:
        changes[periods[0].starts_on][0] += 1
    for period in periods:
        if period.is_active:
            changes[period.starts_on][1] += 1
            if period.ends_on is not None:
                changes[period.ends_on][1] -= 1
    return {day: (f, a) for day, (f, a) in changes.items() if f or a}


def _models(apps):
    return (
        apps.get_model("villages", "KIM"),
        apps.get_model("villages", "KIMStatusChange"),
        apps.get_model("villages", "KIMStatusInterval"),
        apps.get_model("villages", "KecamatanCoverageInterval"),
        apps.get_model("villages", "KIMCountChange"),
        apps.get_model("villages", "Kecamatan"),
    )


# The columns written, in the order of the tuples below.
INTERVAL_FIELDS = (
    "kim",
    "desa",
    "kecamatan",
    "formed_on",
    *Period._fields,  # starts_on, ends_on, level, is_active
)
COUNTER_ROW_FIELDS = ("kecamatan", "starts_on", "ends_on", *COUNTER_FIELDS)
DAILY_FIELDS = ("day", "kim_formed", "kim_active")


def _interval_rows(kim_id: int, desa_id: int, kecamatan_id: int, periods: list[Period]):
    formed_on = periods[0].starts_on
    return [(kim_id, desa_id, kecamatan_id, formed_on, *period) for period in periods]


def _counter_rows(kecamatan_id: int, periods: list[CounterPeriod]):
    return [(kecamatan_id, p.starts_on, p.ends_on, *p.counters) for p in periods]


def _insert(model, fields: tuple[str, ...], rows: list[tuple], batch_size: int = 1000) -> int:
    """Insert ``rows`` (tuples of the values of ``fields``) with multi-row INSERTs: no model
    instance per row (Django's ``bulk_create`` spent most of a national rebuild building and
    preparing 300,000 of them). Returns how many rows it wrote."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    dates = [i for i, field in enumerate(columns) if field.get_internal_type() == "DateField"]
    listed = ", ".join(quote(field.column) for field in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    adapt_date = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            params = []
            for row in batch:
                row = list(row)
                for i in dates:
                    row[i] = adapt_date(row[i])
                params += row
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({listed}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(batch))}",
                params,
            )
    return len(rows)


def _stored_periods(rows) -> dict[int, tuple[int, list[Period]]]:
    """``{kim_id: (desa_id, periods)}`` from interval rows ordered by KIM and start."""
    kims: dict[int, tuple[int, list[Period]]] = {}
    for kim_id, desa_id, starts_on, ends_on, level, is_active in rows:
        kims.setdefault(kim_id, (desa_id, []))[1].append(
            Period(starts_on, ends_on, level, is_active)
        )
    return kims


def _delete(queryset) -> None:
    """One DELETE statement: these rows have no dependants and no one listens for their
    deletion (a plain ``delete()`` would fetch them first and signal each one)."""
    queryset._raw_delete(queryset.db)


def _refresh_kecamatan(kecamatan_id: int, apps=global_apps) -> None:
    """Write a kecamatan's counter periods again from its KIM's intervals."""
    _kim, _change, interval, coverage, _count, _kecamatan = _models(apps)
    rows = (
        interval.objects.filter(kecamatan_id=kecamatan_id)
        .order_by("kim_id", "starts_on")
        .values_list("kim_id", "desa_id", "starts_on", "ends_on", "level", "is_active")
    )
    periods = kecamatan_periods(_stored_periods(rows).values())
    _delete(coverage.objects.filter(kecamatan_id=kecamatan_id))
    _insert(coverage, COUNTER_ROW_FIELDS, _counter_rows(kecamatan_id, periods))


def _apply_count_changes(changes: dict[datetime.date, list[int]], apps=global_apps) -> None:
    """Add ``changes`` ((formed, active) per day) to the country's daily counters, in one
    statement (rows locked in date order, so two writers never wait on each other in a
    circle); drop the days left with no change."""
    changes = {day: c for day, c in sorted(changes.items()) if c[0] or c[1]}
    if not changes:
        return
    table = connection.ops.quote_name(apps.get_model("villages", "KIMCountChange")._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(changes))
    params = [v for day, (f, a) in changes.items() for v in (day.isoformat(), f, a)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, kim_formed, kim_active) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (day) DO UPDATE SET kim_formed = {table}.kim_formed + "
            f"excluded.kim_formed, kim_active = {table}.kim_active + excluded.kim_active",
            params,
        )
        days = ", ".join(["%s"] * len(changes))
        cursor.execute(
            f"DELETE FROM {table} WHERE day IN ({days}) "  # noqa: S608
            "AND kim_formed = 0 AND kim_active = 0",
            [day.isoformat() for day in changes],
        )


def lock_kecamatan(kecamatan_ids, apps=global_apps) -> None:
    """Lock the rows of these kecamatan until the transaction ends, in id order, so that two
    writes in one kecamatan recount it one after the other and never wait on each other in a
    circle. A no-key lock: it blocks no reader and no insert that refers to the kecamatan."""
    kecamatan_model = apps.get_model("villages", "Kecamatan")
    list(
        kecamatan_model.objects.select_for_update(no_key=True)
        .filter(pk__in=kecamatan_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refresh_kim(kim_id: int, apps=global_apps, *, removing: bool = False) -> None:
    """``refresh_kims`` for one KIM."""
    refresh_kims([kim_id], apps, removing=removing)


# KIM ids per query of ``refresh_kims`` (SQLite allows a few thousand parameters a statement).
_IDS_PER_QUERY = 500


def refresh_kims(kim_ids: Iterable[int], apps=global_apps, *, removing: bool = False) -> None:
    """Write these KIM's intervals again from their timelines, then the counters of every
    kecamatan they are in (or left, when a desa changed), each kecamatan once, and their share of
    the country's daily counters. Call it inside the transaction of the write, after the write
    (``removing``: before deleting the KIM, which then count nowhere). The kecamatan rows are
    locked first, in id order, so two writes in one kecamatan recount it one after the other.
    One KIM (a form) or thousands (an import) cost the same handful of queries per 500 KIM."""
    kim_model, change_model, interval, _coverage, _count, _kecamatan = _models(apps)
    kim_ids = sorted(set(kim_ids))
    kims, old_rows, entries = {}, [], defaultdict(list)
    for start in range(0, len(kim_ids), _IDS_PER_QUERY):
        chunk = kim_ids[start : start + _IDS_PER_QUERY]
        kims.update(
            (row["pk"], row)
            for row in kim_model.objects.filter(pk__in=chunk).values(
                "pk", "formed_on", "desa_id", "desa__kecamatan_id", "voided_at"
            )
        )
        old_rows += interval.objects.filter(kim_id__in=chunk).values_list(
            "kecamatan_id", "kim_id", "desa_id", "starts_on", "ends_on", "level", "is_active"
        )
        if not removing:
            for kim_id, effective_on, level, is_active in (
                change_model.objects.filter(kim_id__in=chunk)
                .order_by("kim_id", "effective_on", "id")
                .values_list("kim_id", "effective_on", "level", "is_active")
            ):
                entries[kim_id].append((effective_on, level, is_active))
    old_rows.sort(key=lambda row: (row[1], row[3]))
    old = _stored_periods(row[1:] for row in old_rows)
    kecamatan_ids = {row[0] for row in old_rows}
    new_rows, new_periods = [], []
    for kim_id in kim_ids:
        kim = kims.get(kim_id)
        if kim is None or kim["voided_at"] is not None or removing:
            continue
        periods = kim_periods(kim["formed_on"], entries.get(kim_id, ()))
        new_periods.append(periods)
        kecamatan_ids.add(kim["desa__kecamatan_id"])
        new_rows += _interval_rows(kim_id, kim["desa_id"], kim["desa__kecamatan_id"], periods)
    lock_kecamatan(kecamatan_ids, apps)
    for start in range(0, len(kim_ids), _IDS_PER_QUERY):
        _delete(interval.objects.filter(kim_id__in=kim_ids[start : start + _IDS_PER_QUERY]))
    _insert(interval, INTERVAL_FIELDS, new_rows)
    for kecamatan_id in sorted(kecamatan_ids):
        _refresh_kecamatan(kecamatan_id, apps)
    changes: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for sign, periods_of_kims in ((-1, [p for _d, p in old.values()]), (1, new_periods)):
        for periods in periods_of_kims:
            for day, (f, a) in count_changes(periods).items():
                changes[day][0] += sign * f
                changes[day][1] += sign * a
    _apply_count_changes(changes, apps)


def rebuild(apps=global_apps, *, batch_size: int = 5000) -> dict[str, int]:
    """Write every interval and counter again from the timeline, in one transaction, in bulk
    (80,000 KIM in seconds). Returns how many rows of each table it wrote."""
    kim_model, change_model, interval, coverage, count, _kecamatan = _models(apps)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers wait for the rebuild instead of interleaving with it.
            tables = ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in (interval, coverage, count)
            )
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for model in (interval, coverage, count):
            _delete(model.objects.all())
        kims = {
            pk: (formed_on, desa_id, kecamatan_id)
            for pk, formed_on, desa_id, kecamatan_id in kim_model.objects.filter(
                voided_at__isnull=True
            ).values_list("pk", "formed_on", "desa_id", "desa__kecamatan_id")
        }
        entries = (
            change_model.objects.filter(kim__voided_at__isnull=True)
            .order_by("kim_id", "effective_on", "id")
            .values_list("kim_id", "effective_on", "level", "is_active")
        )
        by_kim: dict[int, list[tuple]] = defaultdict(list)
        for kim_id, effective_on, level, is_active in entries.iterator(chunk_size=batch_size):
            by_kim[kim_id].append((effective_on, level, is_active))
        per_kecamatan: dict[int, list[tuple[int, list[Period]]]] = defaultdict(list)
        daily: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
        intervals = []
        for kim_id in sorted(kims):
            formed_on, desa_id, kecamatan_id = kims[kim_id]
            periods = kim_periods(formed_on, by_kim.pop(kim_id, ()))
            per_kecamatan[kecamatan_id].append((desa_id, periods))
            for day, (f, a) in count_changes(periods).items():
                daily[day][0] += f
                daily[day][1] += a
            intervals += _interval_rows(kim_id, desa_id, kecamatan_id, periods)
        counters = []
        for kecamatan_id in sorted(per_kecamatan):
            counters += _counter_rows(kecamatan_id, kecamatan_periods(per_kecamatan[kecamatan_id]))
        days = [(day, f, a) for day, (f, a) in sorted(daily.items()) if f or a]
        return {
            "intervals": _insert(interval, INTERVAL_FIELDS, intervals),
            "kecamatan_counters": _insert(coverage, COUNTER_ROW_FIELDS, counters),
            "daily_counts": _insert(count, DAILY_FIELDS, days),
        }
