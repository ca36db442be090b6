from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Laporan dan target")

    def ready(self):
        from villages import periods

        from . import closed_months, signals

        signals.connect()
        # Writes dated in a published month (villages.services asks; see closed_months).
        periods.register(closed_months.check)
