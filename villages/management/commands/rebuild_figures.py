"""``manage.py rebuild_figures``: write the figures' structure again from the status timeline."""

import time

from django.core.management.base import BaseCommand

from kimtracker import figure_cache
from villages import timeline


class Command(BaseCommand):
    help = (
        "Tulis ulang interval status KIM, penghitung cakupan kecamatan dan perubahan harian "
        "jumlah KIM dari riwayat status (setelah impor massal atau pemulihan cadangan)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = timeline.rebuild()
        figure_cache.invalidate()
        self.stdout.write(
            f"{written['intervals']:n} interval KIM, {written['kecamatan_counters']:n} interval "
            f"kecamatan, {written['daily_counts']:n} hari perubahan "
            f"({time.perf_counter() - started:.1f} s)."
        )
