"""``manage.py load_wilayah``: upsert provinsi, kabupaten, kecamatan and desa by official code."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages import wilayah

DEFAULT_REGENCY = "35.07"
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Load the official wilayah: the bundled Kabupaten Malang fixture, or with --source the "
        "data/ folder of the idn-area-data npm package (a regency, a province, or everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", help="folder holding provinces/regencies/districts/villages.csv"
        )
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--regency", help="regency code, e.g. 35.07")
        scope.add_argument("--province", help="province code, e.g. 35")
        scope.add_argument("--all", action="store_true", help="every province (only with --source)")

    def handle(self, *args, source=None, regency=None, province=None, all=False, **options):
        if source is None:
            if province or all or (regency and regency != DEFAULT_REGENCY):
                raise CommandError(
                    _(
                        "Data bawaan hanya berisi Kabupaten Malang (35.07); "
                        "gunakan --source untuk wilayah lain."
                    )
                )
            source, scope = settings.WILAYAH_FIXTURE_DIR, DEFAULT_REGENCY
        else:
            scope = None if all else (regency or province or DEFAULT_REGENCY)
        try:
            data = wilayah.read_source(source, scope=scope)
        except wilayah.WilayahError as exc:
            raise CommandError(_("%(error)s Tidak ada data yang diubah.") % {"error": exc}) from exc

        results = wilayah.load(data, progress=self.progress_bar)
        for level, result in results.items():
            self.stdout.write(
                _("%(level)s: %(created)d baru, %(updated)d diperbarui, %(unchanged)d tetap")
                % {
                    "level": level,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        renamed = [(level, r) for level, result in results.items() for r in result.renamed]
        if renamed:
            self.stdout.write(
                _("Nama berubah, kode tetap (%(count)d wilayah; data yang terkait tetap melekat):")
                % {"count": len(renamed)}
            )
            for level, rename in renamed:
                self.stdout.write(
                    _("  %(level)s %(code)s: %(old)s -> %(new)s")
                    % {
                        "level": level,
                        "code": rename.code,
                        "old": rename.old_name,
                        "new": rename.new_name,
                    }
                )
        missing = [(level, m) for level, result in results.items() for m in result.missing]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Tidak ada lagi di sumber, tetap disimpan (%(count)d wilayah; periksa "
                        "apakah sudah digabung atau diganti kode):"
                    )
                    % {"count": len(missing)}
                )
            )
            for level, (code, name) in missing:
                self.stdout.write(
                    _("  %(level)s %(code)s: %(name)s")
                    % {"level": level, "code": code, "name": name}
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("Wilayah %(scope)s dimuat.") % {"scope": scope or _("seluruh Indonesia")}
            )
        )

    def progress_bar(self, level: str, written: int, total: int) -> None:
        """One bar per level: redrawn in place on a terminal, a line per batch in a log."""
        filled = BAR_WIDTH * written // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = _("%(level)-9s [%(bar)s] %(percent)3d%% %(done)s dari %(total)s ditulis") % {
            "level": level,
            "bar": bar,
            "percent": 100 * written // total,
            "done": f"{written:,}".replace(",", "."),
            "total": f"{total:,}".replace(",", "."),
        }
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="\n" if written == total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)
