"""Named reads of the registry. Each screen's read is one method here, so the joins and the
"as of a date" rules are decided in one tested place (see ``reports.coverage`` for the figures)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from kimtracker.dates import months_before


def _is_current(on: datetime.date) -> bool:
    """Whether ``on`` is today or later: no status change can be dated after today, so the
    current values the services keep on the KIM row are the values in force on ``on``."""
    return on >= timezone.localdate()


def _counted_active_on(on: datetime.date, kim: str):
    """A condition: the KIM reached through ``kim`` (a path from the query's model) counts
    (not voided), is formed by ``on`` and is active on that day."""
    from .models import KIMStatusChange

    formed = Q(**{f"{kim}__formed_on__lte": on, f"{kim}__voided_at__isnull": True})
    if _is_current(on):
        return formed & Q(**{f"{kim}__is_active": True})
    in_force = (
        KIMStatusChange.objects.filter(kim=OuterRef(f"{kim}__pk"))
        .effective_by(on)
        .filter(is_active__isnull=False)
        .values("is_active")[:1]
    )
    return formed & Q(Coalesce(Subquery(in_force, output_field=BooleanField()), False))


def _count(queryset, group_by: str):
    """A correlated COUNT subquery: ``queryset`` is filtered on ``OuterRef("pk")`` through
    ``group_by``; 0 when nothing matches."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _percent(part: str, whole: str):
    """``part`` as a percentage of ``whole`` in SQL (for sorting; display rounds in Python)."""
    return Case(
        When(**{whole: 0}, then=Value(0.0)),
        default=Cast(part, FloatField()) * 100.0 / Cast(whole, FloatField()),
        output_field=FloatField(),
    )


# The boundary GeoJSON of a KIM's desa and kecamatan, left out of lists and reports.
BOUNDARIES_VIA_DESA = ("desa__boundary", "desa__kecamatan__boundary")


class StatusChangeQuerySet(models.QuerySet):
    def effective_by(self, on: datetime.date):
        """Entries in force on ``on``: effective that day or earlier, latest first."""
        return self.filter(effective_on__lte=on).order_by("-effective_on", "-id")


class KIMQuerySet(models.QuerySet):
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
        read from the status timeline (NULL/False for a KIM not yet formed then)."""
        from .models import KIMStatusChange

        if _is_current(on):
            return self.annotate(
                level_on=F("level"),
                active_on=Case(When(formed_on__lte=on, then=F("is_active")), default=False),
            )
        in_force = KIMStatusChange.objects.filter(kim=OuterRef("pk")).effective_by(on)
        return self.annotate(
            level_on=Subquery(
                in_force.exclude(level="").values("level")[:1], output_field=CharField()
            ),
            active_on=Coalesce(
                Subquery(
                    in_force.filter(is_active__isnull=False).values("is_active")[:1],
                    output_field=BooleanField(),
                ),
                False,
            ),
        )

    def active_on(self, on: datetime.date):
        """KIM formed by ``on`` and active on that day."""
        return self.formed_by(on).with_status_on(on).filter(active_on=True)

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
        cutoff = months_before(on, months or settings.KIM_ACTIVITY_STALE_MONTHS)
        return (
            self.active_on(on)
            .with_last_activity(on)
            .filter(formed_on__lt=cutoff)
            .filter(Q(last_activity_on__isnull=True) | Q(last_activity_on__lt=cutoff))
        )

    def at_level_on(self, level: str, on: datetime.date):
        """KIM formed by ``on`` whose level in force that day is ``level``."""
        return self.formed_by(on).with_status_on(on).filter(level_on=level)


class DesaQuerySet(models.QuerySet):
    def for_table(self):
        """Desa with their kecamatan joined in, without the boundaries of either."""
        return self.select_related("kecamatan").defer("boundary", "kecamatan__boundary")

    def with_coverage(self, on: datetime.date):
        """Annotate ``kim_formed`` (KIM formed by ``on``) and ``is_covered`` (at least one KIM
        active on ``on``). A desa is covered when it has an active KIM on the date asked."""
        from .models import KIM

        return self.annotate(
            kim_formed=_count(KIM.objects.filter(desa=OuterRef("pk")).formed_by(on), "desa"),
            is_covered=Exists(KIM.objects.filter(desa=OuterRef("pk")).active_on(on)),
        )


class KecamatanQuerySet(models.QuerySet):
    def too_many_to_list(self) -> bool:
        """Whether there are more kecamatan than a select should offer
        (``KIM_FILTER_SELECT_MAX``): a province or the whole country. One query."""
        limit = settings.KIM_FILTER_SELECT_MAX
        return self.order_by()[: limit + 1].count() > limit

    def with_coverage(self, on: datetime.date):
        """Annotate each kecamatan with ``desa_total``, ``desa_covered`` (desa with a KIM active
        on ``on``), ``coverage`` (percent), ``kim_formed`` and ``kim_active`` as of ``on``: one
        GROUP BY over kecamatan, desa and KIM, so each KIM's status is read once rather than
        once per kecamatan and figure. Distinct counts keep a desa with two KIM from counting
        twice."""
        formed = Q(desa__kims__formed_on__lte=on, desa__kims__voided_at__isnull=True)
        active = _counted_active_on(on, "desa__kims")
        # A GROUP BY query ignores Meta.ordering; keep the code order the lists rely on.
        queryset = self if self.query.order_by else self.order_by(*self.model._meta.ordering)
        return queryset.annotate(
            desa_total=Count("desa", distinct=True),
            desa_covered=Count("desa", distinct=True, filter=active),
            kim_formed=Count("desa__kims", filter=formed),
            kim_active=Count("desa__kims", filter=active),
            coverage=_percent("desa_covered", "desa_total"),
        )
