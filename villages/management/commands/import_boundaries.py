"""``manage.py import_boundaries``: kecamatan or desa boundaries from GeoJSON, for the map."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages import boundaries

# Enough to act on without burying the summary when a whole province's file is imported.
LIST_LIMIT = 20


class Command(BaseCommand):
    help = (
        "Import simplified boundaries from GeoJSON (EPSG:4326): a FeatureCollection or Feature "
        "file, or a folder of them. Features are matched by Kemendagri code, else by name."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON file, or folder of .geojson/.json files")
        parser.add_argument("--level", required=True, choices=sorted(boundaries.MODELS))
        parser.add_argument(
            "--tolerance",
            type=float,
            default=boundaries.DEFAULT_TOLERANCE,
            help="simplification tolerance in degrees (default %(default)s, about 50 m)",
        )
        parser.add_argument("--code-field", help="property holding the code, tried first")
        parser.add_argument("--name-field", help="property holding the name, tried first")
        parser.add_argument(
            "--dry-run", action="store_true", help="match and report, but store nothing"
        )

    def handle(self, *args, path, level, tolerance, code_field, name_field, dry_run, **options):
        try:
            result = boundaries.import_boundaries(
                path,
                level=level,
                tolerance=tolerance,
                code_field=code_field,
                name_field=name_field,
                dry_run=dry_run,
            )
        except boundaries.BoundaryError as exc:
            raise CommandError(_("%(error)s Tidak ada data yang diubah.") % {"error": exc}) from exc

        self.stdout.write(
            _("cocok: %(matched)d, tidak cocok: %(unmatched)d, ambigu: %(ambiguous)d")
            % {
                "matched": len(result.matched),
                "unmatched": len(result.unmatched),
                "ambiguous": len(result.ambiguous),
            }
        )
        self._list(_("Tidak cocok:"), result.unmatched)
        self._list(
            _("Ambigu (nama cocok dengan beberapa wilayah):"),
            [
                _("%(feature)s: %(codes)s") % {"feature": label, "codes": ", ".join(codes)}
                for label, codes in result.ambiguous
            ],
        )
        self._list(_("Geometri habis setelah disederhanakan, tidak disimpan:"), result.empty)
        self.stdout.write(
            _("Ukuran geometri: %(size).1f KB, %(vertices_out)d dari %(vertices_in)d titik.")
            % {
                "size": result.stored_bytes / 1024,
                "vertices_out": result.vertices_out,
                "vertices_in": result.vertices_in,
            }
        )
        if dry_run:
            self.stdout.write(
                _("Uji coba: %(count)d batas %(level)s akan diperbarui; tidak ada yang disimpan.")
                % {"count": len(result.updated), "level": level}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(count)d batas %(level)s diperbarui.")
                    % {"count": len(result.updated), "level": level}
                )
            )

    def _list(self, title, items):
        if not items:
            return
        self.stdout.write(title)
        for item in items[:LIST_LIMIT]:
            self.stdout.write(f"  - {item}")
        if len(items) > LIST_LIMIT:
            self.stdout.write(_("  ... dan %(count)d lainnya") % {"count": len(items) - LIST_LIMIT})
