"""Named reads of the registry. Each screen's read is one method here, so the joins and the
"as of a date" rules are decided in one tested place (see ``reports.coverage`` for the figures).

Every "as of a date" read goes to the structure ``villages.timeline`` derives from the status
timeline: the KIM's status intervals and the kecamatan's coverage counters. A row is in force
on a date when it started on or before it and has not ended by then (``_in_force``), so each
figure is one indexed join, the same for today and for any past date.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Star
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from kimtracker.dates import months_before


def _in_force(on: datetime.date, path: str = "") -> Q:
    """A condition: the interval (reached through ``path``, a relation of the query's model, or
    the model itself) contains ``on``: started on or before it, not ended by then. From today
    on that is the open interval: no status change is dated after today, so no interval ends
    later (and the partial indexes of open intervals serve)."""
    prefix = f"{path}__" if path else ""
    if on >= timezone.localdate():
        return Q(**{f"{prefix}ends_on__isnull": True})
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gt": on})
    )


def count_subquery(queryset):
    """A ``SELECT COUNT(*)`` subquery of ``queryset`` (correlated when it is filtered on an
    ``OuterRef``), 0 when nothing matches: no GROUP BY and no column, so an index on the
    filtered columns answers it alone."""
    counted = (
        queryset.order_by()
        .annotate(n=Func(Star(), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _percent(part: str, whole: str):
    """``part`` as a percentage of ``whole`` in SQL (for sorting; display rounds in Python)."""
    return Case(
        When(**{whole: 0}, then=Value(0.0)),
        default=Cast(part, FloatField()) * 100.0 / Cast(whole, FloatField()),
        output_field=FloatField(),
    )


# A wilayah's boundary, as JSON and as its text, left out of lists and reports.
BOUNDARY_FIELDS = ("boundary", "boundary_geojson")
# The boundaries of a KIM's desa and kecamatan.
BOUNDARIES_VIA_DESA = tuple(
    f"{path}__{name}" for path in ("desa", "desa__kecamatan") for name in BOUNDARY_FIELDS
)


def stale_cutoff(on: datetime.date, months: int | None = None) -> datetime.date:
    """The first day of the stale period before ``on``: ``months`` (default
    ``KIM_ACTIVITY_STALE_MONTHS``) earlier."""
    return months_before(on, months or settings.KIM_ACTIVITY_STALE_MONTHS)


class IntervalQuerySet(models.QuerySet):
    """Reads of the intervals of ``villages.timeline`` (KIM status, kecamatan counters)."""

    def in_force(self, on: datetime.date):
        """The intervals containing ``on``: one per KIM formed by then (not voided), or per
        kecamatan with a KIM formed by then."""
        return self.filter(_in_force(on))

    def needing_check(self, on: datetime.date, *, months: int | None = None):
        """The interval in force on ``on`` of each KIM that needs checking then ("perlu
        verifikasi"): active, formed before the stale period (``stale_cutoff``) and with no
        activity recorded in it (on or after its first day, up to ``on``). One row per KIM, so
        ``count()`` counts them without touching the KIM table."""
        from .models import KIMActivity

        cutoff = stale_cutoff(on, months)
        recent = KIMActivity.objects.filter(
            kim=OuterRef("kim"), occurred_on__gte=cutoff, occurred_on__lte=on
        )
        return (
            self.in_force(on).filter(is_active=True, formed_on__lt=cutoff).filter(~Exists(recent))
        )


class StatusChangeQuerySet(models.QuerySet):
    def effective_by(self, on: datetime.date):
        """Entries in force on ``on``: effective that day or earlier, latest first."""
        return self.filter(effective_on__lte=on).order_by("-effective_on", "-id")


class KIMQuerySet(models.QuerySet):
    def within(self, scope):
        """KIM whose desa lies within ``scope`` (a ``villages.scope.Scope``): what a user may
        read. No condition (and no query more) for the whole country."""
        return self.filter(scope.q("desa__code"))

    def for_table(self):
        """KIM with the wilayah every list shows (desa, kecamatan) joined in, without their
        boundaries (decoding a kecamatan's GeoJSON once per KIM dominated national reports)."""
        return self.select_related("desa__kecamatan").defer(*BOUNDARIES_VIA_DESA)

    def counted(self):
        """KIM that count in figures: all but those voided (registered by mistake)."""
        return self.filter(voided_at__isnull=True)

    def formed_by(self, on: datetime.date):
        """KIM formed on or before ``on`` (voided ones never count)."""
        return self.counted().filter(formed_on__lte=on)

    def with_status_on(self, on: datetime.date):
        """Annotate ``level_on`` and ``active_on``: the level and active flag in force on ``on``,
        from the KIM's status interval containing that day: the latest to start by then (they
        follow each other without gap), one look-up in the (KIM, start) index per row shown;
        NULL/False for a KIM not yet formed then, or voided. A subquery rather than a join, so
        that counting a list does not read the intervals at all; filters use ``active_on`` and
        ``at_level_on``, which join."""
        from .models import KIMStatusInterval

        in_force = KIMStatusInterval.objects.filter(kim=OuterRef("pk"), starts_on__lte=on).order_by(
            "-starts_on"
        )
        return self.annotate(
            level_on=Subquery(in_force.values("level")[:1]),
            active_on=Coalesce(Subquery(in_force.values("is_active")[:1]), False),
        )

    def _in_force_where(self, on: datetime.date, **condition):
        """KIM formed by ``on`` whose interval in force that day matches ``condition`` (one
        semi-join), with their status annotated."""
        from .models import KIMStatusInterval

        matching = KIMStatusInterval.objects.in_force(on).filter(**condition).values("kim")
        return self.formed_by(on).filter(pk__in=matching).with_status_on(on)

    def active_on(self, on: datetime.date):
        """KIM formed by ``on`` and active on that day."""
        return self._in_force_where(on, is_active=True)

    def with_last_activity(self, on: datetime.date):
        """Annotate ``last_activity_on``: the latest recorded activity on or before ``on``."""
        from .models import KIMActivity

        latest = (
            KIMActivity.objects.filter(kim=OuterRef("pk"), occurred_on__lte=on)
            .order_by("-occurred_on")
            .values("occurred_on")[:1]
        )
        return self.annotate(last_activity_on=Subquery(latest, output_field=DateField()))

    def needing_check(self, on: datetime.date, *, months: int | None = None):
        """KIM active on ``on`` with no activity recorded in the ``months`` before it (default
        ``KIM_ACTIVITY_STALE_MONTHS``) and formed before that: "perlu verifikasi". A computed
        state: only a dated status change deactivates a KIM."""
        from .models import KIMStatusInterval

        stale = KIMStatusInterval.objects.needing_check(on, months=months)
        return self.with_last_activity(on).filter(pk__in=stale.values("kim"))

    def with_needing_check(self, on: datetime.date):
        """Annotate ``needs_check``: whether the KIM needs checking on ``on`` ("perlu
        verifikasi", the definition of ``needing_check``), for the list's badge. A subquery in
        the list's own query, not one more query."""
        from .models import KIMStatusInterval

        stale = KIMStatusInterval.objects.needing_check(on).filter(kim=OuterRef("pk"))
        return self.annotate(needs_check=Exists(stale))

    def at_level_on(self, level: str, on: datetime.date):
        """KIM formed by ``on`` whose level in force that day is ``level``."""
        return self._in_force_where(on, level=level)

    def inactive_on(self, on: datetime.date):
        """KIM formed by ``on`` and not active on that day."""
        return self._in_force_where(on, is_active=False)


class DesaQuerySet(models.QuerySet):
    def within(self, scope):
        """Desa within ``scope`` (a ``villages.scope.Scope``): what a user may read."""
        return self.filter(scope.q("code"))

    def count_per_kecamatan(self):
        """``(kecamatan id, number of desa)`` rows: one GROUP BY read from the kecamatan index,
        for reads of every kecamatan at once (a correlated count per kecamatan, as
        ``Kecamatan.with_coverage`` has, costs more for thousands)."""
        return self.order_by().values_list("kecamatan").annotate(n=Count("*"))

    def for_table(self):
        """Desa with their kecamatan joined in, without the boundaries of either."""
        return self.select_related("kecamatan").defer(
            *BOUNDARY_FIELDS, *(f"kecamatan__{name}" for name in BOUNDARY_FIELDS)
        )

    def with_coverage(self, on: datetime.date):
        """Annotate ``kim_formed`` (KIM formed by ``on``) and ``is_covered`` (at least one KIM
        active on ``on``). A desa is covered when it has an active KIM on the date asked.
        Each KIM formed by ``on`` has exactly one status interval containing it."""
        from .models import KIMStatusInterval

        in_force = KIMStatusInterval.objects.filter(_in_force(on), desa=OuterRef("pk"))
        return self.annotate(
            kim_formed=count_subquery(in_force),
            is_covered=Exists(in_force.filter(is_active=True)),
        )


class KecamatanQuerySet(models.QuerySet):
    def within(self, scope):
        """Kecamatan within ``scope`` (a ``villages.scope.Scope``): what a user may read. A
        user of one kecamatan reads that one only, not its neighbours in the kabupaten."""
        return self.filter(scope.q("code"))

    def too_many_to_list(self) -> bool:
        """Whether there are more kecamatan than a select should offer
        (``KIM_FILTER_SELECT_MAX``): a province or the whole country. One query."""
        limit = settings.KIM_FILTER_SELECT_MAX
        return self.order_by()[: limit + 1].count() > limit

    def with_coverage(self, on: datetime.date):
        """Annotate each kecamatan with ``desa_total``, ``desa_covered`` (desa with a KIM active
        on ``on``), ``coverage`` (percent), ``kim_formed``, ``kim_active`` and the active KIM
        per level (``active_pemula``, ``active_berkembang``, ``active_mandiri``) as of ``on``:
        the kecamatan's counters in force that day (one join, at most one row per kecamatan,
        all zero before its first KIM) and its desa counted."""
        from .models import KECAMATAN_COUNTERS, Desa

        return (
            self.annotate(
                counters_on=FilteredRelation(
                    "coverage_intervals", condition=_in_force(on, "coverage_intervals")
                )
            )
            .annotate(
                desa_total=count_subquery(Desa.objects.filter(kecamatan=OuterRef("pk"))),
                **{name: Coalesce(F(f"counters_on__{name}"), 0) for name in KECAMATAN_COUNTERS},
            )
            .annotate(coverage=_percent("desa_covered", "desa_total"))
        )
