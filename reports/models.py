"""Targets the office reports against. Coverage figures are computed (``reports.coverage``),
never stored."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kimtracker.dates import validate_year_not_before_earliest


class Target(models.Model):
    """The number of KIM to reach by the end of ``year`` (2023: 240; 2026: 390). Which target a
    date measures against is ``reports.coverage.target_for``."""

    year = models.PositiveSmallIntegerField(
        _("tahun"),
        unique=True,
        validators=[validate_year_not_before_earliest],
        error_messages={"unique": _("Target tahun ini sudah ada.")},
    )
    kim_count = models.PositiveIntegerField(_("jumlah KIM"))
    note = models.CharField(_("catatan"), max_length=200, blank=True)

    history = HistoricalRecords(verbose_name=_("riwayat target"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("target")
        verbose_name_plural = _("target")
        permissions = [("view_reports", _("Dapat melihat dan mengunduh laporan dan ekspor"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="target_year_plausible",
                violation_error_message=_("Tahun target harus antara 2000 dan 2100."),
            ),
            models.CheckConstraint(
                condition=Q(kim_count__gte=1),
                name="target_kim_count_positive",
                violation_error_message=_("Target jumlah KIM minimal 1."),
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.kim_count}"
