"""Named reads of the registry. Each screen's read is one method here, so the joins and the
"as of a date" rules are decided in one tested place (see ``reports.coverage`` for the figures)."""

import datetime

from django.db import models
from django.db.models import BooleanField, CharField, Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce


class StatusChangeQuerySet(models.QuerySet):
    def effective_by(self, on: datetime.date):
        """Entries in force on ``on``: effective that day or earlier, latest first."""
        return self.filter(effective_on__lte=on).order_by("-effective_on", "-id")


class KIMQuerySet(models.QuerySet):
    def for_table(self):
        """KIM with the wilayah every list shows (desa, kecamatan) joined in."""
        return self.select_related("desa__kecamatan")

    def formed_by(self, on: datetime.date):
        """KIM formed on or before ``on``."""
        return self.filter(formed_on__lte=on)

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

    def at_level_on(self, level: str, on: datetime.date):
        """KIM formed by ``on`` whose level in force that day is ``level``."""
        return self.formed_by(on).with_status_on(on).filter(level_on=level)


class DesaQuerySet(models.QuerySet):
    def with_coverage(self, on: datetime.date):
        """Annotate ``kim_formed`` (KIM formed by ``on``) and ``is_covered`` (at least one KIM
        active on ``on``). A desa is covered when it has an active KIM on the date asked."""
        from .models import KIM

        formed = (
            KIM.objects.filter(desa=OuterRef("pk"))
            .formed_by(on)
            .order_by()
            .values("desa")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            kim_formed=Coalesce(Subquery(formed), 0),
            is_covered=Exists(KIM.objects.filter(desa=OuterRef("pk")).active_on(on)),
        )


class KecamatanQuerySet(models.QuerySet):
    def with_coverage(self, on: datetime.date):
        """Annotate each kecamatan with ``desa_total``, ``desa_covered`` (desa with an active KIM
        on ``on``), ``kim_formed`` and ``kim_active`` as of ``on``. Each count is its own
        subquery so that no two joins multiply each other."""
        from .models import KIM, Desa

        def count_of(queryset):
            return Coalesce(
                Subquery(
                    queryset.order_by().values("kecamatan_ref").annotate(n=Count("pk")).values("n")
                ),
                0,
            )

        desa = Desa.objects.filter(kecamatan=OuterRef("pk")).annotate(
            kecamatan_ref=models.F("kecamatan")
        )
        covered = desa.filter(Exists(KIM.objects.filter(desa=OuterRef("pk")).active_on(on)))
        kims = KIM.objects.filter(desa__kecamatan=OuterRef("pk")).annotate(
            kecamatan_ref=models.F("desa__kecamatan")
        )
        return self.annotate(
            desa_total=count_of(desa),
            desa_covered=count_of(covered),
            kim_formed=count_of(kims.formed_by(on)),
            kim_active=count_of(kims.active_on(on)),
        )

    def without_active_kim(self, on: datetime.date):
        """Kecamatan where no desa has a KIM active on ``on``."""
        from .models import KIM

        return self.exclude(
            Exists(KIM.objects.filter(desa__kecamatan=OuterRef("pk")).active_on(on))
        )
