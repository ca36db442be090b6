"""Every coverage figure, defined once and computed as of a date.

The dashboard, the lists, the map, the monthly reports and the exports all read their numbers
from here (and from the queryset methods it names), so they agree to the unit. A KIM counts from
its formation date; it is active on a date when the latest entry of its status timeline on or
before that date says so; a desa is covered when it has at least one KIM active on the date
asked. The per-kecamatan rows of ``Kecamatan.objects.with_coverage`` are the base of the totals.

The figures read the structure ``villages.timeline`` keeps from the timeline in the same
transaction as every write (each KIM's status intervals, each kecamatan's counters, the
country's daily changes), never the timeline itself: a date in the past costs what today does.
"""

import bisect
import datetime
import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse

from kimtracker import figure_cache
from kimtracker.dates import month_end
from kimtracker.figures import coverage_percent
from villages.choices import DesaKind, KIMLevel
from villages.models import (
    ACTIVE_AT_LEVEL,
    KIM,
    Desa,
    Kabupaten,
    Kecamatan,
    KecamatanCoverageInterval,
    KIMActivity,
    KIMCountChange,
    KIMStatusInterval,
    Provinsi,
)
from villages.querysets import BOUNDARY_FIELDS, count_subquery

from .models import Target

# ``within``, in the functions below: a wilayah code ("35.07.08", "35.07", "35"), "" for
# everything, or a tuple of codes for their union (a user working within several wilayah,
# ``villages.scope``). Never an empty tuple: a user without any wilayah sees no page at all.
Within = str | tuple[str, ...]


def within_key(within: Within) -> str:
    """``within`` as a cache key part (codes joined by "+")."""
    return within if isinstance(within, str) else "+".join(within)


def within_q(path: str, within: Within, *, exact: bool = False) -> Q:
    """Rows whose code at ``path`` lies within ``within`` (nothing filtered for ""); ``exact``
    also keeps the wilayah itself (a kecamatan code compared with a kecamatan)."""
    if not within:
        return Q()
    codes = (within,) if isinstance(within, str) else within
    q = Q()
    for code in codes:
        q |= Q(**{f"{path}__startswith": f"{code}."})
        if exact:
            q |= Q(**{path: code})
    return q


def kecamatan_rows(on: datetime.date, queryset=None) -> list[Kecamatan]:
    """Kecamatan annotated with their coverage on ``on`` (see ``with_coverage``), by code;
    without their boundaries unless ``queryset`` is given."""
    queryset = Kecamatan.objects.defer(*BOUNDARY_FIELDS) if queryset is None else queryset
    return list(queryset.with_coverage(on).order_by("code"))


# The desa map's categories (its legend), from the figures' own definitions: a desa is covered
# when it has a KIM active on the date (``Desa.objects.with_coverage``), and a KIM needs a check
# when ``KIMStatusInterval.objects.needing_check`` says so (the dashboard's "perlu verifikasi").
# A covered desa with a KIM needing a check shows as needing one: that visit is the work there.
DESA_ACTIVE, DESA_CHECK, DESA_NONE = "active", "check", "none"
DESA_CATEGORIES = (DESA_ACTIVE, DESA_CHECK, DESA_NONE)


def desa_category(is_covered: bool, needs_check: bool) -> str:
    """The map category of a desa: ``DESA_CHECK``, ``DESA_ACTIVE`` or ``DESA_NONE``."""
    if needs_check:
        return DESA_CHECK
    return DESA_ACTIVE if is_covered else DESA_NONE


def map_rows(
    on: datetime.date, level: str = "kecamatan", *, within: str = "", scope: Within = ""
) -> list[tuple]:
    """Every kecamatan (``level="desa"``: desa) with a boundary, by code, as plain values;
    only those of kecamatan ``within`` when given, and only those within ``scope`` (a user's
    wilayah, see ``Within``). A kecamatan row: code, name, desa total,
    desa covered, KIM formed, KIM active on ``on``, and the boundary's GeoJSON as its stored
    text, to be written out as it is. A desa row: code, name, its kecamatan's name, KIM formed,
    covered (0/1), its map category (``desa_category``) and the boundary's text. Sorted here,
    as ``_summary`` is, and the desa counted per kecamatan in one pass."""
    model = Desa if level == "desa" else Kecamatan
    rows = (
        model.objects.filter(boundary__isnull=False)
        .filter(within_q("code", scope, exact=True))
        .with_coverage(on)
        .order_by()
    )
    if level == "desa":
        if within:
            rows = rows.filter(kecamatan__code=within)
        stale = KIMStatusInterval.objects.needing_check(on).filter(desa=OuterRef("pk"))
        rows = rows.annotate(needs_check=Exists(stale)).values_list(
            "code",
            "name",
            "kecamatan__name",
            "kim_formed",
            "is_covered",
            "needs_check",
            "boundary_geojson",
        )
        return sorted(
            (code, name, kecamatan, formed, int(covered), desa_category(covered, check), geometry)
            for code, name, kecamatan, formed, covered, check, geometry in _plain_rows(rows)
        )
    if within:
        rows = rows.filter(code=within)
    fields = ("code", "name", "pk", "desa_covered", "kim_formed", "kim_active", "boundary_geojson")
    with _gc_paused():
        desa_total = dict(_plain_rows(Desa.objects.count_per_kecamatan()))
        return sorted(
            (code, name, desa_total.get(pk, 0), covered, formed, active, geometry)
            for code, name, pk, covered, formed, active, geometry in _plain_rows(
                rows.values_list(*fields)
            )
        )


def has_kabupaten_boundaries(touching: Q | None = None) -> bool:
    """Whether any kabupaten/kota has an outline (``Kabupaten.boundary``, where the schema has
    it): the map then draws it; only those ``touching`` (a filter on ``code``, the user's
    scope) when given. One query, none without the field."""
    if not _has_boundary_field(Kabupaten):
        return False
    return Kabupaten.objects.filter(touching or Q(), boundary__isnull=False).exists()


def kabupaten_outlines(touching: Q | None = None) -> list[tuple[str, str, str]]:
    """``(code, name, GeoJSON text)`` of every kabupaten/kota with an outline (only those
    ``touching``, a filter on ``code``, when given), by code; none where the schema has no
    ``Kabupaten.boundary``. A handful of rows: encoded here."""
    if not _has_boundary_field(Kabupaten):
        return []
    rows = Kabupaten.objects.filter(touching or Q(), boundary__isnull=False).order_by("code")
    return [
        (code, name, boundary if isinstance(boundary, str) else json.dumps(boundary))
        for code, name, boundary in rows.values_list("code", "name", "boundary")
    ]


def mapped_area_name(most: int = 3, touching: Q | None = None) -> str:
    """The names of the kabupaten/kota whose kecamatan or desa have a boundary (up to
    ``most``; empty beyond, e.g. a whole province), only those ``touching`` (a filter on
    ``code``) when given, for the printed map's title."""
    names = list(
        Kabupaten.objects.filter(touching or Q())
        .filter(Q(kecamatan__boundary__isnull=False) | Q(kecamatan__desa__boundary__isnull=False))
        .order_by("code")
        .values_list("name", flat=True)
        .distinct()[: most + 1]
    )
    return ", ".join(names) if len(names) <= most else ""


def _has_boundary_field(model) -> bool:
    try:
        model._meta.get_field("boundary")
    except FieldDoesNotExist:
        return False
    return True


def active_by_level(on: datetime.date) -> dict[str, int]:
    """Active KIM on ``on`` per level, every level present (0 when none), from the kecamatan
    counters in force that day. A KIM that is no longer active is not counted at any level."""
    counts = (
        KecamatanCoverageInterval.objects.in_force(on)
        .order_by()
        .aggregate(**{level: Sum(field) for level, field in ACTIVE_AT_LEVEL.items()})
    )
    return {level: counts[level] or 0 for level in KIMLevel.values}


def target_for(on: datetime.date, targets: list[Target]) -> Target | None:
    """The target of ``on``'s year, else of the nearest later year that has one."""
    later = [t for t in targets if t.year >= on.year]
    return min(later, key=lambda t: t.year) if later else None


def needing_check_per_kecamatan(on: datetime.date) -> dict[int, int]:
    """How many KIM need checking on ``on`` ("perlu verifikasi", ``needing_check``) in each
    kecamatan, by its pk (absent: none): one grouped query over the intervals, cached. Added
    up over the kecamatan of a wilayah it is that wilayah's dashboard count."""
    return figure_cache.cached(
        "needing-check-per-kecamatan",
        lambda: dict(
            KIMStatusInterval.objects.needing_check(on)
            .order_by()
            .values_list("kecamatan")
            .annotate(n=Count("id"))
        ),
        on,
        settings.KIM_ACTIVITY_STALE_MONTHS,
    )


def kim_needing_check_first(on: datetime.date, within: Within = "") -> list[KIM]:
    """The first ten of ``kim_needing_check``, each with ``total`` (how many there are in all),
    without fetching every such KIM to show ten; only those ``within`` a wilayah code when
    given. Cached."""
    return figure_cache.cached(
        "needing-check-first",
        lambda: _kim_needing_check_first(on, within=within),
        on,
        settings.KIM_ACTIVITY_STALE_MONTHS,
        within_key(within),
    )


def _kim_needing_check_first(
    on: datetime.date, first: int = 10, *, within: Within = ""
) -> list[KIM]:
    # Not one query that sorts every such KIM (tens of thousands in the country) by a computed
    # date, but those with no activity recorded at all, by name (the name index, stopping at
    # ten), then, only if fewer, the others by their last activity; ``total`` is counted once
    # per query from the intervals alone.
    intervals = KIMStatusInterval.objects.needing_check(on)
    stale = KIM.objects.needing_check(on)
    if within:
        intervals = intervals.filter(within_q("desa__code", within))
        stale = stale.filter(within_q("desa__code", within))
    stale = stale.for_table().annotate(total=count_subquery(intervals))
    silent = ~Exists(KIMActivity.objects.filter(kim=OuterRef("pk"), occurred_on__lte=on))
    kims = list(stale.filter(silent).order_by("name")[:first])
    if len(kims) < first:
        kims += stale.exclude(silent).order_by("last_activity_on", "name")[: first - len(kims)]
    return kims


# The long lists of the monthly report and the follow-up list (tens of thousands of lines at
# national scale) are read as plain values: building a KIM, its desa and its kecamatan as model
# instances for each line took longer than the query itself.


@dataclass(frozen=True, slots=True)
class KecamatanName:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DesaLine:
    """A desa in a report list, with the attributes of ``Desa`` its templates read."""

    code: str
    name: str
    kind: str
    kecamatan: KecamatanName

    def get_kind_display(self) -> str:
        return DesaKind(self.kind).label

    def get_absolute_url(self) -> str:
        return reverse("villages:desa_detail", args=[self.code])


@dataclass(frozen=True, slots=True)
class KIMLine:
    """A KIM in a report list, with the attributes of ``KIM`` its templates read."""

    pk: int
    name: str
    formed_on: datetime.date
    last_activity_on: datetime.date | None
    desa: DesaLine

    def get_absolute_url(self) -> str:
        return reverse("villages:kim_detail", args=[self.pk])


# Kemendagri codes nest (desa 35.07.08.2001 lies in kecamatan 35.07.08, kabupaten 35.07 and
# provinsi 35), so "within a wilayah" is a prefix of the desa code, whatever the level.
_DESA_LINE_FIELDS = ("code", "name", "kind", "kecamatan__code", "kecamatan__name")


def _desa_lines(rows) -> list[DesaLine]:
    """``DesaLine`` from rows ending in the values of ``_DESA_LINE_FIELDS``; the rest of each row
    comes first, as a tuple: ``[(rest, desa), ...]``. One ``KecamatanName`` per kecamatan."""
    kecamatan: dict[str, KecamatanName] = {}
    lines = []
    for *rest, code, name, kind, kecamatan_code, kecamatan_name in rows:
        where = kecamatan.get(kecamatan_code)
        if where is None:
            where = kecamatan[kecamatan_code] = KecamatanName(kecamatan_code, kecamatan_name)
        lines.append((rest, DesaLine(code, name, kind, where)))
    return lines


def kim_needing_check(on: datetime.date, *, within: Within = "") -> list[KIMLine]:
    """KIM active on ``on`` with no recorded activity in the stale period before it ("perlu
    verifikasi"), longest silence first, with their desa and kecamatan; only those ``within``
    a wilayah when given (a provinsi, kabupaten or kecamatan code). One query."""
    queryset = KIM.objects.needing_check(on).order_by(
        F("last_activity_on").asc(nulls_first=True), "name"
    )
    if within:
        queryset = queryset.filter(within_q("desa__code", within))
    rows = queryset.values_list(
        "pk",
        "name",
        "formed_on",
        "last_activity_on",
        *(f"desa__{name}" for name in _DESA_LINE_FIELDS),
    )
    return [KIMLine(*kim, desa) for kim, desa in _desa_lines(rows)]


def desa_without_active_kim(on: datetime.date, *, within: Within = "") -> list[DesaLine]:
    """Desa with no KIM active on ``on`` (only those ``within`` a wilayah code when given), by
    kecamatan and code. One query."""
    queryset = (
        Desa.objects.with_coverage(on).filter(is_covered=False).order_by("kecamatan__code", "code")
    )
    if within:
        queryset = queryset.filter(within_q("code", within))
    return [desa for _rest, desa in _desa_lines(queryset.values_list(*_DESA_LINE_FIELDS))]


@dataclass(slots=True)
class AreaCoverage:
    """The coverage of one area (kecamatan, kabupaten or provinsi) on a date. Plain values, so
    a cached ``Summary`` of 7,000 kecamatan loads in milliseconds, unlike model instances (and
    not frozen: a frozen dataclass sets each field through ``object.__setattr__``, four times
    slower for the country's 7,277 rows)."""

    code: str
    name: str
    desa_total: int
    desa_covered: int
    kim_formed: int
    kim_active: int

    @property
    def coverage_percent(self) -> float:
        return coverage_percent(self.desa_covered, self.desa_total)


@dataclass(slots=True)
class KecamatanCoverage(AreaCoverage):
    """A kecamatan's row of ``Summary``: its figures from ``Kecamatan.with_coverage``, with
    its active KIM per level (``active_by_level``)."""

    pk: int
    active_levels: tuple[int, ...] = ()

    @property
    def active_by_level(self) -> dict[str, int]:
        """Active KIM per level, every level present."""
        return dict(zip(KIMLevel.values, self.active_levels or (0,) * 3, strict=True))

    def get_absolute_url(self) -> str:
        return reverse("villages:kecamatan_detail", args=[self.code])


# A row's figures, read by ``map`` when thousands of rows are added up.
_DESA_TOTAL = attrgetter("desa_total")
_DESA_COVERED = attrgetter("desa_covered")
_KIM_FORMED = attrgetter("kim_formed")
_KIM_ACTIVE = attrgetter("kim_active")


@dataclass(frozen=True)
class Summary:
    """The headline figures of one date, with the per-kecamatan rows they add up from (each
    total added up once: 7,000 rows at national scale)."""

    on: datetime.date
    # In code order, always (``_summary`` sorts them; the rest keep a part of them in order):
    # the kabupaten/kota and provinsi they lie in are runs of them (``area_runs``).
    kecamatan: list[KecamatanCoverage]
    active_by_level: dict[str, int]
    # The targets of this summary's wilayah (``wilayah_targets``).
    targets: list[Target] = field(default_factory=list)
    # A provinsi's summary: the targets of its kabupaten/kota added up per year.
    kabupaten_targets: dict[int, int] = field(default_factory=dict)
    # Every target of the database, for ``within_summary`` (read with the figures: no query).
    every_target: list[Target] = field(default_factory=list, repr=False, compare=False)

    @cached_property
    def kim_formed(self) -> int:
        return sum(map(_KIM_FORMED, self.kecamatan))

    @cached_property
    def kim_active(self) -> int:
        return sum(map(_KIM_ACTIVE, self.kecamatan))

    @cached_property
    def desa_total(self) -> int:
        return sum(map(_DESA_TOTAL, self.kecamatan))

    @cached_property
    def desa_covered(self) -> int:
        return sum(map(_DESA_COVERED, self.kecamatan))

    def spans_several(self, level: str) -> bool:
        """Whether its kecamatan lie in more than one kabupaten/kota or provinsi (``level``):
        their first and last, in code order, tell it."""
        length = _CODE_LENGTH[level]
        rows = self.kecamatan
        return bool(rows) and rows[0].code[:length] != rows[-1].code[:length]

    @cached_property
    def codes(self) -> list[str]:
        """Its kecamatan's codes, in code order (for ``area_runs``)."""
        return [k.code for k in self.kecamatan]

    @property
    def coverage_percent(self) -> float:
        return coverage_percent(self.desa_covered, self.desa_total)

    @property
    def kecamatan_total(self) -> int:
        return len(self.kecamatan)

    @cached_property
    def kecamatan_without_active(self) -> list[KecamatanCoverage]:
        """Kecamatan where no desa has an active KIM on the date."""
        return [k for k in self.kecamatan if k.kim_active == 0]

    @property
    def kecamatan_without_active_kim(self) -> int:
        return len(self.kecamatan_without_active)

    @property
    def kim_mandiri(self) -> int:
        return self.active_by_level[KIMLevel.MANDIRI]

    @property
    def target(self) -> Target | None:
        return target_for(self.on, self.targets)

    @property
    def target_missing(self) -> int | None:
        """KIM still to form to reach the target (never negative); None without a target."""
        if self.target is None:
            return None
        return max(self.target.kim_count - self.kim_formed, 0)

    @property
    def target_percent(self) -> float | None:
        """KIM formed as a share of the target, in percent with one decimal (over 100 when
        the target is passed); None without a target."""
        if self.target is None:
            return None
        return coverage_percent(self.kim_formed, self.target.kim_count)

    @property
    def kabupaten_target(self) -> tuple[int, int] | None:
        """A provinsi's summary: ``(year, KIM)`` of its kabupaten/kota targets added up, for
        the year of ``target`` (or, without one, the year ``target_for`` would pick)."""
        if not self.kabupaten_targets:
            return None
        if self.target is not None:
            year = self.target.year
        else:
            later = [year for year in self.kabupaten_targets if year >= self.on.year]
            year = min(later) if later else None
        if year not in self.kabupaten_targets:
            return None
        return year, self.kabupaten_targets[year]


def summary(on: datetime.date, within: Within = "") -> Summary:
    """The headline figures as of ``on``: two queries whatever the number of rows. Cached
    (``kimtracker.figure_cache``): every committed write retires it. ``within`` a wilayah code
    (kecamatan ``35.07.08``, kabupaten/kota ``35.07``, provinsi ``35``): the same figures added
    up over its kecamatan only (``within_summary``), from the same cached rows."""
    full = figure_cache.cached("summary", lambda: _summary(on), on)
    return within_summary(full, within) if within else full


def in_wilayah(code: str, within: Within) -> bool:
    """Whether the wilayah of official code ``code`` lies in wilayah ``within`` (or is it; in
    one of them, for a tuple); everything lies in "" (everywhere). Kemendagri codes nest by
    prefix."""
    if isinstance(within, tuple):
        return any(in_wilayah(code, one) for one in within)
    return not within or code == within or code.startswith(f"{within}.")


def wilayah_targets(targets: list[Target], code: str) -> list[Target]:
    """The targets set for the wilayah ``code`` ("" the whole database), by year."""
    return [t for t in targets if t.wilayah_code == code]


def kabupaten_targets(targets: list[Target], provinsi: str) -> dict[int, int]:
    """The targets of the kabupaten/kota of ``provinsi``, added up per year."""
    totals: dict[int, int] = defaultdict(int)
    for t in targets:
        if len(t.wilayah_code) == _CODE_LENGTH["kabupaten"] and in_wilayah(
            t.wilayah_code, provinsi
        ):
            totals[t.year] += t.kim_count
    return dict(totals)


def _database_targets(targets: list[Target], kecamatan: list) -> list[Target]:
    """The targets of a summary of the whole database: those set for it (""), else, when
    every kecamatan lies in one kabupaten/kota (or one provinsi), that wilayah's: a
    deployment of one kabupaten reports against its kabupaten's targets. ``kecamatan`` in
    code order: the first and the last tell whether they share one."""
    own = wilayah_targets(targets, "")
    if own or not kecamatan:
        return own
    for length in (_CODE_LENGTH["kabupaten"], _CODE_LENGTH["provinsi"]):
        first = kecamatan[0].code[:length]
        if first == kecamatan[-1].code[:length]:
            return wilayah_targets(targets, first)
    return []


def within_summary(full: Summary, within: Within) -> Summary:
    """``full`` (a ``summary`` of the whole database) restricted to the kecamatan ``within`` a
    wilayah code (or several, see ``Within``), its totals added up again from those rows: no
    query. The targets are those set for that wilayah (``Target.wilayah_code``): a kecamatan
    and a union of several wilayah have none; a provinsi has its own and, beside them, the
    sum of its kabupaten/kota's (``kabupaten_targets``)."""
    rows = [k for k in full.kecamatan if in_wilayah(k.code, within)]
    single = within if isinstance(within, str) else ""
    targets = wilayah_targets(full.every_target, single) if single else []
    below = (
        kabupaten_targets(full.every_target, single)
        if len(single) == _CODE_LENGTH["provinsi"]
        else {}
    )
    if len(rows) == len(full.kecamatan):
        if not below and [t.pk for t in targets] == [t.pk for t in full.targets]:
            return full
        return Summary(
            on=full.on,
            kecamatan=full.kecamatan,
            active_by_level=full.active_by_level,
            targets=targets,
            kabupaten_targets=below,
            every_target=full.every_target,
        )
    return _rows_summary(full, rows, targets, below)


def _rows_summary(
    full: Summary, rows: list[KecamatanCoverage], targets: list[Target], below: dict[int, int]
) -> Summary:
    levels = [0] * len(_LEVEL_FIELDS)
    for k in rows:
        for i, n in enumerate(k.active_levels or ()):
            levels[i] += n
    return Summary(
        on=full.on,
        kecamatan=rows,
        active_by_level=dict(zip(KIMLevel.values, levels, strict=True)),
        targets=targets,
        kabupaten_targets=below,
        every_target=full.every_target,
    )


def area_summaries(full: Summary, level: str) -> dict[str, Summary]:
    """The summary of each kecamatan, kabupaten/kota or provinsi (``level``) that ``full``'s
    rows fall in, by code in code order: each the very ``within_summary`` of that area (its
    own targets, a provinsi's with its kabupaten/kota's sum), built in one pass over the rows
    rather than one pass per area (``area_runs``). No query."""
    rows = full.kecamatan
    if level == "kecamatan":
        groups = [(k.code, [k]) for k in rows]
    else:
        groups = [(code, rows[start:end]) for code, start, end in area_runs(full.codes, level)]
    return {
        code: _rows_summary(
            full,
            part,
            wilayah_targets(full.every_target, code),
            kabupaten_targets(full.every_target, code) if level == "provinsi" else {},
        )
        for code, part in groups
    }


# The per-level counters of ``with_coverage``, in the order of ``KIMLevel``.
_LEVEL_FIELDS = tuple(ACTIVE_AT_LEVEL[level] for level in KIMLevel.values)


def _plain_rows(queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the database driver returns them, without
    Django's converters: a Python call per integer (seven per kecamatan) took a third of the
    national dashboard's time. Only for text and integer columns, which need none."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _gc_paused():
    """Pause Python's cycle collector while thousands of plain rows are fetched and built:
    they hold no reference cycles, and each collection it would start among them walks every
    object of the process (about 5 ms of a national dashboard)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summary(on: datetime.date) -> Summary:
    with _gc_paused():
        kecamatan, levels_total = _coverage_rows(on)
    every_target = list(Target.objects.all())
    return Summary(
        on=on,
        kecamatan=kecamatan,
        active_by_level=dict(zip(KIMLevel.values, levels_total, strict=True)),
        targets=_database_targets(every_target, kecamatan),
        every_target=every_target,
    )


def _coverage_rows(on: datetime.date) -> tuple[list[KecamatanCoverage], list[int]]:
    """Every kecamatan's row as of ``on``, in code order, and the active KIM per level added
    up. Plain values: 7,000 kecamatan as model instances cost more than the query.

    What the cycle collector walks once ``_gc_paused`` ends is what is still alive of what was
    made during it: the fetched rows are let go here, and each distinct tuple of levels is
    kept once (a few hundred in the country), so it walks about 8,000 objects rather than
    18,600 (5.8 ms rather than 10 on the national dashboard: docs/performance.md, "Garbage
    collection"). The levels are the row's own slice: a starred unpacking into a list, made a
    tuple again, took twice as long."""
    # Sorted here by code: asked for that order, PostgreSQL walks the code index and looks
    # each kecamatan's counters up in turn (48 ms nationally for a past date), unordered it
    # joins them in one hash (20 ms).
    rows = _plain_rows(
        Kecamatan.objects.with_coverage(on)
        .order_by()
        .values_list(
            "code", "name", "pk", "desa_covered", "kim_formed", "kim_active", *_LEVEL_FIELDS
        )
    )
    rows.sort()
    # The desa of every kecamatan counted in one pass, not once per kecamatan.
    desa_total = dict(_plain_rows(Desa.objects.count_per_kecamatan()))
    levels_seen: dict[tuple[int, ...], tuple[int, ...]] = {}
    kecamatan = [
        KecamatanCoverage(
            row[0],
            row[1],
            desa_total.get(row[2], 0),
            row[3],
            row[4],
            row[5],
            row[2],
            levels_seen.setdefault(levels := row[6:], levels),
        )
        for row in rows
    ]
    levels_total = [sum(map(itemgetter(i), rows)) for i in range(6, 6 + len(_LEVEL_FIELDS))]
    return kecamatan, levels_total


# Length of the official code of each level above kecamatan ("35.07.07" is in "35.07" and "35").
_CODE_LENGTH = {"kabupaten": 5, "provinsi": 2}


def area_runs(codes: list[str], level: str) -> list[tuple[str, int, int]]:
    """``(code, start, end)`` of each kabupaten/kota or provinsi (``level``) that kecamatan
    ``codes`` (in code order) lie in: its kecamatan are ``codes[start:end]``. Kemendagri codes
    nest by prefix, so an area's kecamatan are one run, found by bisection ("/" sorts right
    after "."): a step per area rather than per kecamatan."""
    length = _CODE_LENGTH[level]
    runs = []
    start = 0
    while start < len(codes):
        area = codes[start][:length]
        end = bisect.bisect_left(codes, f"{area}/", start)
        runs.append((area, start, end))
        start = end
    return runs


def chart_level(summary: Summary, max_areas: int) -> str:
    """The finest level at which ``summary``'s kecamatan make at most ``max_areas`` areas:
    ``kecamatan`` for one kabupaten, ``kabupaten`` for a province, ``provinsi`` for the
    country."""
    if len(summary.kecamatan) <= max_areas:
        return "kecamatan"
    return "kabupaten" if len(area_runs(summary.codes, "kabupaten")) <= max_areas else "provinsi"


def coverage_by_area(summary: Summary, level: str) -> list[AreaCoverage]:
    """``summary``'s kecamatan rows added up per kabupaten or per provinsi (``level``), by
    code: the same figures, so the areas add up to the summary's totals. One query (names)."""
    model = Kabupaten if level == "kabupaten" else Provinsi
    names = dict(model.objects.values_list("code", "name"))
    rows = summary.kecamatan
    areas = []
    for code, start, end in area_runs(summary.codes, level):
        part = rows[start:end]
        areas.append(
            AreaCoverage(
                code,
                names.get(code, code),
                sum(map(_DESA_TOTAL, part)),
                sum(map(_DESA_COVERED, part)),
                sum(map(_KIM_FORMED, part)),
                sum(map(_KIM_ACTIVE, part)),
            )
        )
    return areas


@dataclass(frozen=True)
class MonthlySeries:
    """KIM formed (cumulative) and active at the end of each month, for the line chart."""

    months: list[str]  # "YYYY-MM"
    formed: list[int | None]
    active: list[int | None]


def monthly_series(
    on: datetime.date, *, until: datetime.date | None = None, within: Within = ""
) -> MonthlySeries:
    """The monthly series of ``_monthly_series`` (``within`` a wilayah code:
    ``_monthly_series_within``), cached (``kimtracker.figure_cache``)."""
    if within:
        return figure_cache.cached(
            "monthly-series-within",
            lambda: _monthly_series_within(on, until=until, within=within),
            on,
            until,
            within_key(within),
        )
    return figure_cache.cached(
        "monthly-series", lambda: _monthly_series(on, until=until), on, until
    )


def _monthly_series_within(
    on: datetime.date, *, until: datetime.date | None = None, within: Within
) -> MonthlySeries:
    """``_monthly_series`` of the kecamatan ``within`` a wilayah code, from their counters
    (``KecamatanCoverageInterval``, the rows ``summary`` reads) in force at each month end
    (the last month on ``on``): so each point equals ``summary(month end, within)``. One query:
    the intervals started by ``on``, each adding its counters from its start and taking them
    away at its end, swept once in date order."""
    intervals = (
        KecamatanCoverageInterval.objects.filter(starts_on__lte=on)
        .filter(within_q("kecamatan__code", within, exact=True))
        .order_by()
        .values_list("starts_on", "ends_on", "kim_formed", "kim_active")
    )
    changes: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for starts_on, ends_on, kim_formed, kim_active in intervals:
        change = changes[starts_on]
        change[0] += kim_formed
        change[1] += kim_active
        if ends_on is not None and ends_on <= on:
            change = changes[ends_on]
            change[0] -= kim_formed
            change[1] -= kim_active
    if not changes:
        return MonthlySeries([], [], [])

    days = sorted(changes)
    months, formed, active_counts = [], [], []
    first = days[0]
    year, month = first.year, first.month
    last = max(until or on, on)
    current, index = [0, 0], 0
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        if (year, month) <= (on.year, on.month):
            end = min(month_end(year, month), on)
            while index < len(days) and days[index] <= end:
                current[0] += changes[days[index]][0]
                current[1] += changes[days[index]][1]
                index += 1
            formed.append(current[0])
            active_counts.append(current[1])
        else:
            formed.append(None)
            active_counts.append(None)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return MonthlySeries(months, formed, active_counts)


def _monthly_series(on: datetime.date, *, until: datetime.date | None = None) -> MonthlySeries:
    """Formed and active KIM at each month end from the first formation up to ``on`` (the last
    month is taken on ``on`` itself, so it equals the cards), then empty months up to ``until``
    (e.g. the end of the last target year). One query: the country's daily changes of KIM
    formed and active (``KIMCountChange``, a row per day with a change) up to ``on``, added up
    per month; the result agrees with ``KIM.objects.formed_by`` and ``active_on``."""
    per_month = (
        KIMCountChange.objects.filter(day__lte=on)
        .annotate(month=TruncMonth("day"))
        .order_by("month")
        .values_list("month")
        .annotate(formed=Sum("kim_formed"), active=Sum("kim_active"))
    )
    running: dict[tuple[int, int], tuple[int, int]] = {}
    formed_total = active_total = 0
    for month, kim_formed, kim_active in per_month:
        formed_total += kim_formed
        active_total += kim_active
        running[month.year, month.month] = (formed_total, active_total)
    if not running:
        return MonthlySeries([], [], [])

    months, formed, active_counts = [], [], []
    year, month = min(running)
    last = max(until or on, on)
    current = (0, 0)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        if (year, month) <= (on.year, on.month):
            current = running.get((year, month), current)
            formed.append(current[0])
            active_counts.append(current[1])
        else:
            formed.append(None)
            active_counts.append(None)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return MonthlySeries(months, formed, active_counts)
