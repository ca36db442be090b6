"""Importing kecamatan and desa boundaries from GeoJSON, for the coverage map.

Reading and checking happen before anything is written: a file that is not GeoJSON, a geometry
that is not a polygon, coordinates that are not numbers or not lon/lat (EPSG:4326), or a file of
the other level raise ``BoundaryError`` and leave the database as it was.

Each feature is then matched to a row, and nothing that could put a shape in the wrong place is
applied without the user's word:

- by its Kemendagri code, but only when its name (if it has one) agrees with the coded row; a
  code and a name that disagree are refused;
- else by its name: a kecamatan within its kabupaten, a desa only within its own kecamatan (a
  kecamatan property, a code prefix, or lying inside a stored kecamatan boundary), never across
  the kabupaten, since desa names repeat (two "Ngebruk" in Kabupaten Malang);
- close spellings ("Ngebrug" for "Ngebruk"), and desa whose kecamatan cannot be told, become
  *proposals* with a score, applied only when accepted (``accept``/``accept_proposals``);
- a matched shape lying far outside its kabupaten (or kecamatan) is refused.

The matched geometries of the layer are repaired, simplified together as a coverage (shared
edges stay shared) and rounded, then written in one transaction. Rows the file does not mention
keep the boundary they had.

Where each part lives (``import_boundaries``, defined here, calls on them):

- ``reading``: the files at a path, JSON that is GeoJSON, the declared CRS, polygon geometries
  whose coordinates are lon/lat numbers, each turned into a ``Feature`` (``read_features``);
- ``codes``: the property keys tried for codes and names, Kemendagri and BPS codes
  (``normalise_code``), names reduced for comparison (``normalise_name``, ``name_score``);
- ``registry``: the kecamatan and desa rows matched against, with their stored boundaries;
- ``matching``: refusing a file of the other level, then matching each feature by code or name,
  proposals and their acceptance;
- ``placement``: refusing a matched shape that lies far outside its kabupaten or kecamatan;
- ``shapes``: repairing, simplifying and rounding geometries into stored GeoJSON
  (``simplify_geometry``);
- ``result``: ``ImportResult`` and the records it reports, and ``BoundaryError``.

The names other modules and tests use (``boundaries.import_boundaries``, ``BoundaryError``,
``MODELS``, ``DEFAULT_TOLERANCE``, ``BY_CODE``...) are importable from this package.
"""

import json
from collections.abc import Iterable

import shapely
from django.db import transaction
from django.utils.translation import gettext as _

from kimtracker import figure_cache

from ..geometry import simplify_layer
from .codes import (
    CODE_KEYS,
    CODE_WIDTHS,
    KECAMATAN_CODE_KEYS,
    KECAMATAN_NAME_KEYS,
    NAME_KEYS,
    name_score,
    normalise_code,
    normalise_name,
)
from .matching import CLOSE_SCORE, OTHER_LEVEL, _check_level, _Keys, _Matcher, _parse_accept
from .placement import FAR_KM
from .reading import (
    CONVERT_HINT,
    GEOJSON_SUFFIXES,
    Feature,
    _property_names,
    read_features,
)
from .registry import MODELS, TYPICAL_KM2, _Registry
from .result import (
    BY_CODE,
    BY_NAME,
    BY_PROPOSAL,
    BoundaryError,
    ImportResult,
    Match,
    Proposal,
    Refusal,
)
from .shapes import (
    DECIMALS,
    DEFAULT_TOLERANCE,
    INDONESIA,
    POLYGON_TYPES,
    _as_geojson,
    _count_vertices,
    _polygonal,
    _valid,
    simplify_geometry,
)

__all__ = [
    "BATCH_SIZE",
    "BY_CODE",
    "BY_NAME",
    "BY_PROPOSAL",
    "CLOSE_SCORE",
    "CODE_KEYS",
    "CODE_WIDTHS",
    "CONVERT_HINT",
    "DECIMALS",
    "DEFAULT_TOLERANCE",
    "FAR_KM",
    "GEOJSON_SUFFIXES",
    "INDONESIA",
    "KECAMATAN_CODE_KEYS",
    "KECAMATAN_NAME_KEYS",
    "MAX_TOLERANCE",
    "MODELS",
    "NAME_KEYS",
    "OTHER_LEVEL",
    "POLYGON_TYPES",
    "TYPICAL_KM2",
    "BoundaryError",
    "Feature",
    "ImportResult",
    "Match",
    "Proposal",
    "Refusal",
    "import_boundaries",
    "name_score",
    "normalise_code",
    "normalise_name",
    "read_features",
    "simplify_geometry",
]

# A tolerance above this is almost certainly metres typed where degrees are expected.
MAX_TOLERANCE = 0.1
BATCH_SIZE = 500


def import_boundaries(
    path,
    *,
    level: str,
    tolerance: float = DEFAULT_TOLERANCE,
    code_field: str | None = None,
    name_field: str | None = None,
    kecamatan_field: str | None = None,
    accept: Iterable[str] = (),
    accept_proposals: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Read the GeoJSON at ``path`` (a file, or a folder of ``.geojson``/``.json`` files), match
    its features to the kecamatan or desa of ``level`` and store their simplified boundaries.

    ``code_field``, ``name_field`` and ``kecamatan_field`` name the properties holding a
    feature's code, its name and (desa only) its kecamatan's name or code, tried before the
    usual keys. ``accept`` lists proposals to apply, each ``"CODE"`` or ``"CODE=NAME"`` (the
    area's code, and the feature's name as the file spells it, which must then agree);
    ``accept_proposals`` applies every proposal.

    Returns an ``ImportResult`` so the caller can show what matched and how, what is proposed,
    refused or missing: boundary files come from many publishers (BIG, BPS, the kabupaten's own
    GIS) with different codes and spellings. Raises ``BoundaryError`` and writes nothing when the
    input is broken or of the other level. With ``dry_run`` nothing is written either, but the
    result is the same."""
    if level not in MODELS:
        raise BoundaryError(
            _("Tingkat %(level)s tidak dikenal; gunakan kecamatan atau desa.") % {"level": level}
        )
    if not 0 <= tolerance <= MAX_TOLERANCE:
        raise BoundaryError(
            _(
                "Toleransi %(tolerance)s di luar 0 sampai %(max)s. Toleransi dalam derajat: "
                "%(default)s ≈ 50 m."
            )
            % {"tolerance": tolerance, "max": MAX_TOLERANCE, "default": DEFAULT_TOLERANCE}
        )
    features = read_features(path, name_field=name_field)
    result = ImportResult(level=level, dry_run=dry_run)
    result.properties = _property_names(features)
    registry = _Registry(level)
    keys = _Keys(level, code_field, name_field, kecamatan_field)
    _check_level(features, level, keys, registry)

    matcher = _Matcher(level, keys, registry, result)
    parts_by_code = matcher.run(features, _parse_accept(accept), accept_proposals)

    model = MODELS[level]
    rows = {row.code: row for row in model.objects.filter(code__in=list(parts_by_code))}
    codes = sorted(parts_by_code)
    merged = []
    for code in codes:
        parts = parts_by_code[code]
        result.vertices_in += sum(shapely.get_num_coordinates(part) for part in parts)
        merged.append(_polygonal(shapely.union_all([_valid(part) for part in parts])))
    simplified = simplify_layer(merged, tolerance, decimals=DECIMALS) if merged else []

    to_write = []
    for code, geometry in zip(codes, simplified, strict=True):
        row = rows[code]
        geometry = _as_geojson(geometry)
        if geometry is None:
            result.empty.append(code)
            continue
        result.matched.append(code)
        result.vertices_out += _count_vertices(geometry)
        result.stored_bytes += len(json.dumps(geometry).encode())
        if row.boundary != geometry:
            row.boundary = geometry
            to_write.append(row)
            result.updated.append(code)
    kept = set(result.matched)
    result.matches = [match for match in result.matches if match.code in kept]
    result.updated.sort()
    result.empty.sort()
    if not result.matched and not result.proposals:
        result.notes.append(
            _(
                "Tidak ada fitur yang cocok. Properti di berkas: %(properties)s. Beri nama "
                "properti kode, nama atau kecamatan berkas ini (perintah import_boundaries: "
                "--code-field, --name-field atau --kecamatan-field)."
            )
            % {"properties": ", ".join(result.properties) or _("(tidak ada)")}
        )

    if not dry_run and to_write:
        with transaction.atomic():
            model.objects.bulk_update(to_write, ["boundary"], batch_size=BATCH_SIZE)
            figure_cache.invalidate()  # bulk updates send no post_save
    return result
