"""``manage.py import_boundaries``: kecamatan or desa boundaries from GeoJSON, for the map."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages import boundaries

# Enough to act on without burying the summary when a whole province's file is imported.
LIST_LIMIT = 20


class Command(BaseCommand):
    help = (
        "Import simplified boundaries from GeoJSON (EPSG:4326): a FeatureCollection or Feature "
        "file, or a folder of them. Features are matched by Kemendagri code (when the name "
        "agrees), else by name (desa only within their kecamatan); close spellings are proposed "
        "and applied only with --accept or --accept-proposals."
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
            "--kecamatan-field",
            help="desa only: property holding the kecamatan's name or code, tried first",
        )
        parser.add_argument(
            "--accept",
            action="append",
            default=[],
            metavar="CODE[=NAME]",
            help="apply the proposal for this area (NAME: the feature's name, checked); repeatable",
        )
        parser.add_argument("--accept-proposals", action="store_true", help="apply every proposal")
        parser.add_argument(
            "--dry-run", action="store_true", help="match and report, but store nothing"
        )

    def handle(self, *args, path, level, dry_run, **options):
        try:
            result = boundaries.import_boundaries(
                path,
                level=level,
                tolerance=options["tolerance"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                kecamatan_field=options["kecamatan_field"],
                accept=options["accept"],
                accept_proposals=options["accept_proposals"],
                dry_run=dry_run,
            )
        except boundaries.BoundaryError as exc:
            raise CommandError(_("%(error)s Tidak ada data yang diubah.") % {"error": exc}) from exc
        everything = options["verbosity"] >= 2
        pending = [p for p in result.proposals if not p.accepted]

        self.stdout.write(
            _(
                "cocok: %(matched)d, tidak cocok: %(unmatched)d, ambigu: %(ambiguous)d, "
                "usulan: %(proposals)d, ditolak: %(refused)d"
            )
            % {
                "matched": len(result.matched),
                "unmatched": len(result.unmatched),
                "ambiguous": len(result.ambiguous),
                "proposals": len(pending),
                "refused": len(result.refused),
            }
        )
        hows = {
            boundaries.BY_CODE: _("kode"),
            boundaries.BY_NAME: _("nama"),
            boundaries.BY_PROPOSAL: _("usulan diterima"),
        }
        self._list(
            _("Cocok (menurut):"),
            [
                _("%(code)s %(name)s: %(how)s%(note)s")
                % {
                    "code": match.code,
                    "name": match.name,
                    "how": " + ".join(hows[how] for how in match.how),
                    "note": f" ({match.note})" if match.note else "",
                }
                for match in result.matches
            ],
            everything,
        )
        self._list(
            _(
                "Usulan, belum diterapkan (periksa, lalu ulangi dengan --accept KODE atau "
                "--accept-proposals):"
            ),
            [self._proposal(proposal) for proposal in pending],
            everything,
        )
        self._list(
            _("Ditolak:"),
            [f"{refusal.feature}: {refusal.reason}" for refusal in result.refused],
            everything,
        )
        self._list(_("Tidak cocok:"), result.unmatched, everything)
        self._list(
            _("Ambigu (nama cocok dengan beberapa wilayah):"),
            [
                _("%(feature)s: %(codes)s") % {"feature": label, "codes": ", ".join(codes)}
                for label, codes in result.ambiguous
            ],
            everything,
        )
        self._list(
            _("Geometri habis setelah disederhanakan, tidak disimpan:"), result.empty, everything
        )
        for note in result.notes:
            self.stdout.write(note)
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

    @staticmethod
    def _proposal(proposal):
        return _("%(code)s %(name)s ← %(feature)s, skor %(score).2f: %(reason)s") % {
            "code": proposal.code,
            "name": proposal.name,
            "feature": proposal.feature,
            "score": proposal.score,
            "reason": proposal.reason,
        }

    def _list(self, title, items, everything=False):
        if not items:
            return
        self.stdout.write(title)
        shown = items if everything else items[:LIST_LIMIT]
        for item in shown:
            self.stdout.write(f"  - {item}")
        if len(items) > len(shown):
            self.stdout.write(
                _("  ... dan %(count)d lainnya (semua: --verbosity 2)")
                % {"count": len(items) - len(shown)}
            )
