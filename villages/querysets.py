"""Named reads of the registry. Each screen's read is one method here, so the joins and the
"as of a date" rules are decided in one tested place (see ``reports.coverage`` for the figures)."""

import calendar
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
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


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


class StatusChangeQuerySet(models.QuerySet):
    def effective_by(self, on: datetime.date):
        """Entries in force on ``on``: effective that day or earlier, latest first."""
        return self.filter(effective_on__lte=on).order_by("-effective_on", "-id")


class KIMQuerySet(models.QuerySet):
    def for_table(self):
        """KIM with the wilayah every list shows (desa, kecamatan) joined in."""
        return self.select_related("desa__kecamatan")

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
    def with_coverage(self, on: datetime.date):
        """Annotate ``kim_formed`` (KIM formed by ``on``) and ``is_covered`` (at least one KIM
        active on ``on``). A desa is covered when it has an active KIM on the date asked."""
        from .models import KIM

        return self.annotate(
            kim_formed=_count(KIM.objects.filter(desa=OuterRef("pk")).formed_by(on), "desa"),
            is_covered=Exists(KIM.objects.filter(desa=OuterRef("pk")).active_on(on)),
        )


class KecamatanQuerySet(models.QuerySet):
    def with_coverage(self, on: datetime.date):
        """Annotate each kecamatan with ``desa_total``, ``desa_covered`` (desa with a KIM active
        on ``on``), ``coverage`` (percent), ``kim_formed`` and ``kim_active`` as of ``on``. Each
        count is its own subquery, so no two joins multiply each other; one query in all."""
        from .models import KIM, Desa

        desa = Desa.objects.filter(kecamatan=OuterRef("pk"))
        kims = KIM.objects.filter(desa__kecamatan=OuterRef("pk"))
        return self.annotate(
            desa_total=_count(desa, "kecamatan"),
            desa_covered=_count(
                desa.filter(Exists(KIM.objects.filter(desa=OuterRef("pk")).active_on(on))),
                "kecamatan",
            ),
            kim_formed=_count(kims.formed_by(on), "desa__kecamatan"),
            kim_active=_count(kims.active_on(on), "desa__kecamatan"),
            coverage=_percent("desa_covered", "desa_total"),
        )

    def without_active_kim(self, on: datetime.date):
        """Kecamatan where no desa has a KIM active on ``on``."""
        from .models import KIM

        return self.exclude(
            Exists(KIM.objects.filter(desa__kecamatan=OuterRef("pk")).active_on(on))
        )
