"""Every coverage figure, defined once and computed as of a date.

The dashboard, the lists, the map, the monthly reports and the exports all read their numbers
from here, so they agree to the unit. A KIM counts from its formation date; it is active on a
date when the latest entry of its status timeline on or before that date says so; a desa is
covered when it has at least one KIM active on the date asked.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count

from villages.choices import KIMLevel
from villages.models import KIM, Desa, Kecamatan

from .models import Target


def coverage_percent(covered: int, total: int) -> float:
    """Share of desa covered, in percent with one decimal (0.0 when there is no desa)."""
    return round(100 * covered / total, 1) if total else 0.0


def kim_formed(on: datetime.date) -> int:
    """KIM formed on or before ``on`` (whether still active or not)."""
    return KIM.objects.formed_by(on).count()


def kim_active(on: datetime.date) -> int:
    """KIM formed by ``on`` and active on that day."""
    return KIM.objects.active_on(on).count()


def desa_covered(on: datetime.date) -> int:
    """Desa/kelurahan with at least one KIM active on ``on``."""
    return Desa.objects.filter(kims__in=KIM.objects.active_on(on)).distinct().count()


def active_by_level(on: datetime.date) -> dict[str, int]:
    """Active KIM on ``on`` per level, every level present (0 when none). A KIM that is no
    longer active is not counted at any level."""
    counts = dict(
        KIM.objects.active_on(on).order_by().values_list("level_on").annotate(n=Count("pk"))
    )
    return {level: counts.get(level, 0) for level in KIMLevel.values}


@dataclass(frozen=True)
class Summary:
    """The headline figures of one date."""

    on: datetime.date
    kim_formed: int
    kim_active: int
    desa_total: int
    desa_covered: int
    kecamatan_total: int
    kecamatan_without_active_kim: int
    active_by_level: dict[str, int]
    target: Target | None

    @property
    def coverage_percent(self) -> float:
        return coverage_percent(self.desa_covered, self.desa_total)

    @property
    def kim_mandiri(self) -> int:
        return self.active_by_level[KIMLevel.MANDIRI]

    @property
    def target_missing(self) -> int | None:
        """KIM still to form to reach the target (never negative); None without a target."""
        if self.target is None:
            return None
        return max(self.target.kim_count - self.kim_formed, 0)


def summary(on: datetime.date) -> Summary:
    """The headline figures as of ``on``."""
    return Summary(
        on=on,
        kim_formed=kim_formed(on),
        kim_active=kim_active(on),
        desa_total=Desa.objects.count(),
        desa_covered=desa_covered(on),
        kecamatan_total=Kecamatan.objects.count(),
        kecamatan_without_active_kim=Kecamatan.objects.without_active_kim(on).count(),
        active_by_level=active_by_level(on),
        target=Target.objects.for_year(on.year),
    )
