"""Loading the bundled boundaries of Kabupaten Malang (``fixtures/boundaries-35.07/``).

The bundle holds the kabupaten outline, its 33 kecamatan and its 390 desa/kelurahan as GeoJSON
with Kemendagri codes (made by ``scripts/build_boundaries.py`` from cahyadsn/wilayah_boundaries,
MIT). The shapes are stored on the wilayah rows by code, so ``load_wilayah`` must have run first.

Safe to run on every start (``make db``/``make run`` do): an area that has no boundary gets the
bundled one; an area whose boundary is already the bundled one is left alone, so a second run
writes nothing; an area holding a *different* boundary (imported by the office from its own
file) is kept unless ``replace`` is asked for. Everything is read and checked before anything is
written, and the writes happen in one transaction.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kimtracker import figure_cache

from .models import Desa, Kabupaten, Kecamatan

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "boundaries-35.07"
KABUPATEN_CODE = "35.07"
# Level -> (file, model, code length, expected number of features).
LAYERS = {
    "kabupaten": ("kabupaten.geojson", Kabupaten, 5, 1),
    "kecamatan": ("kecamatan.geojson", Kecamatan, 8, 33),
    "desa": ("desa.geojson", Desa, 13, 390),
}
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
BATCH_SIZE = 500


class BundledBoundaryError(Exception):
    """The bundle cannot be loaded (missing wilayah, damaged file); nothing was written. The
    message (Bahasa Indonesia) says what to do."""


@dataclass
class LayerResult:
    """Counts for one level: ``loaded`` rows got the bundled boundary (``codes`` lists them),
    ``unchanged`` already had it, ``kept`` hold another boundary that was left in place."""

    level: str
    loaded: int = 0
    unchanged: int = 0
    kept: int = 0
    codes: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    layers: dict[str, LayerResult]

    @property
    def changed(self) -> bool:
        return any(layer.loaded for layer in self.layers.values())

    @property
    def kept(self) -> int:
        return sum(layer.kept for layer in self.layers.values())


def read_bundle(folder: Path | None = None) -> dict[str, dict[str, dict]]:
    """``{level: {code: GeoJSON geometry}}`` from the bundle, checked: the expected number of
    features per level, codes of the right length inside Kabupaten Malang, polygon geometries."""
    folder = Path(folder or FIXTURE_DIR)
    bundle = {}
    for level, (filename, _model, length, count) in LAYERS.items():
        path = folder / filename
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            features = data["features"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BundledBoundaryError(
                _("Berkas batas wilayah bawaan %(file)s tidak terbaca: %(error)s")
                % {"file": path, "error": exc}
            ) from exc
        geometries = {}
        for feature in features:
            code = str((feature.get("properties") or {}).get("code", ""))
            geometry = feature.get("geometry") or {}
            if (
                len(code) != length
                or not code.startswith(KABUPATEN_CODE)
                or geometry.get("type") not in POLYGON_TYPES
                or code in geometries
            ):
                raise BundledBoundaryError(
                    _("Berkas %(file)s rusak: fitur dengan kode %(code)r tidak sah.")
                    % {"file": path, "code": code}
                )
            geometries[code] = geometry
        if len(geometries) != count:
            raise BundledBoundaryError(
                _("Berkas %(file)s rusak: %(found)d fitur, seharusnya %(expected)d.")
                % {"file": path, "found": len(geometries), "expected": count}
            )
        bundle[level] = geometries
    return bundle


def load_bundled_boundaries(*, replace: bool = False, folder: Path | None = None) -> LoadResult:
    """Store the bundled boundaries on Kabupaten Malang, its kecamatan and its desa, by code.

    Without ``replace`` a boundary from another source is kept (and counted); with it, every
    area gets the bundled boundary. Raises ``BundledBoundaryError`` before writing anything if
    the bundle is damaged or the wilayah it names are not in the database."""
    bundle = read_bundle(folder)
    if not Kabupaten.objects.filter(code=KABUPATEN_CODE).exists():
        raise BundledBoundaryError(
            _(
                "Wilayah Kabupaten Malang (%(code)s) belum dimuat, jadi batas wilayahnya tidak "
                "punya tempat. Jalankan dulu: python manage.py load_wilayah"
            )
            % {"code": KABUPATEN_CODE}
        )
    rows = {}
    for level, (_file, model, _length, _count) in LAYERS.items():
        codes = bundle[level]
        found = {
            row.code: row
            for row in model.objects.filter(code__in=codes).only("pk", "code", "boundary")
        }
        missing = sorted(set(codes) - set(found))
        if missing:
            raise BundledBoundaryError(
                _(
                    "Wilayah belum lengkap: %(count)d %(level)s dari batas bawaan tidak ada di "
                    "basis data (mis. %(codes)s). Jalankan dulu: python manage.py load_wilayah"
                )
                % {"count": len(missing), "level": level, "codes": ", ".join(missing[:5])}
            )
        rows[level] = found

    results, to_write = {}, {}
    for level, geometries in bundle.items():
        result = LayerResult(level)
        for code, geometry in geometries.items():
            row = rows[level][code]
            if row.boundary == geometry:
                result.unchanged += 1
            elif row.boundary and not replace:
                result.kept += 1
            else:
                row.boundary = geometry
                result.loaded += 1
                result.codes.append(code)
                to_write.setdefault(level, []).append(row)
        results[level] = result

    if to_write:
        with transaction.atomic():
            for level, changed in to_write.items():
                model = LAYERS[level][1]
                model.objects.bulk_update(changed, ["boundary"], batch_size=BATCH_SIZE)
            figure_cache.invalidate()  # bulk updates send no post_save
    return LoadResult(results)
