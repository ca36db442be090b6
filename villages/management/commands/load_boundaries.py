"""``manage.py load_boundaries``: store the bundled boundaries of Kabupaten Malang by code."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages import bundled_boundaries

LEVEL_LABELS = {"kabupaten": "Kabupaten", "kecamatan": "Kecamatan", "desa": "Desa/kelurahan"}


class Command(BaseCommand):
    help = (
        "Load the bundled boundaries of Kabupaten Malang (fixtures/boundaries-35.07: outline, "
        "33 kecamatan, 390 desa) onto the wilayah by code. Run load_wilayah first. Areas that "
        "already hold another boundary keep it unless --replace is given. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite boundaries imported from other files with the bundled ones",
        )

    def handle(self, *args, replace=False, **options):
        try:
            result = bundled_boundaries.load_bundled_boundaries(replace=replace)
        except bundled_boundaries.BundledBoundaryError as exc:
            raise CommandError(
                _("%(error)s (Tidak ada data yang diubah.)") % {"error": exc}
            ) from exc

        self.stdout.write(
            _("Batas wilayah bawaan Kabupaten Malang (cahyadsn/wilayah_boundaries, MIT):")
        )
        for level, layer in result.layers.items():
            self.stdout.write(
                _("  %(level)s: %(loaded)d dimuat, %(unchanged)d sudah sama, %(kept)d dibiarkan")
                % {
                    "level": LEVEL_LABELS[level],
                    "loaded": layer.loaded,
                    "unchanged": layer.unchanged,
                    "kept": layer.kept,
                }
            )
        if result.kept:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)d wilayah sudah punya batas dari berkas lain dan dibiarkan; "
                        "jalankan dengan --replace untuk menimpanya dengan batas bawaan."
                    )
                    % {"count": result.kept}
                )
            )
        if result.changed:
            self.stdout.write(self.style.SUCCESS(_("Batas wilayah bawaan dimuat.")))
        else:
            self.stdout.write(
                _("Tidak ada yang berubah: batas wilayah bawaan sudah termuat sebelumnya.")
            )
