"""Importing kecamatan and desa boundaries from GeoJSON, for the coverage map.

Reading and checking happen before anything is written: a file that is not GeoJSON, a geometry
that is not a polygon, or coordinates that are not lon/lat (EPSG:4326) raise ``BoundaryError`` and
leave the database as it was. Each feature is matched to a row by its Kemendagri code, else by its
name; the matched geometries are repaired, simplified and rounded so the whole map stays small
enough to send to a browser, then written in one transaction. Rows the file does not mention keep
the boundary they had.
"""

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from kimtracker import figure_cache

from .models import Desa, Kecamatan
from .wilayah import LEVELS

# About 50 m at the latitude of Malang: below what a kecamatan map at kabupaten scale can show.
DEFAULT_TOLERANCE = 0.0005
# A tolerance above this is almost certainly metres typed where degrees are expected.
MAX_TOLERANCE = 0.1
# Five decimals of a degree is about 1 m; more digits only make the JSON longer.
DECIMALS = 5
BATCH_SIZE = 500

GEOJSON_SUFFIXES = {".geojson", ".json"}
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
CONVERT_HINT = "ogr2ogr -t_srs EPSG:4326 out.geojson in.shp"

# Property keys tried (case-insensitively, in this order) for a feature's code and name.
CODE_KEYS = (
    "code",
    "kode",
    "kd_kec",
    "kode_kec",
    "kdepum",
    "kdcpum",
    "kode_desa",
    "kd_desa",
    "id",
)
NAME_KEYS = {
    "kecamatan": ("name", "nama", "wadmkc", "nama_kec", "kecamatan"),
    "desa": ("name", "nama", "wadmkd", "namobj", "nama_desa", "desa"),
}
# On a desa feature, the kecamatan it lies in: narrows a desa name shared by several kecamatan.
KECAMATAN_NAME_KEYS = ("wadmkc", "kecamatan", "nama_kec")
KECAMATAN_CODE_KEYS = ("kd_kec", "kode_kec", "kdcpum")

MODELS = {"kecamatan": Kecamatan, "desa": Desa}
# Digits per segment of an undotted code: 350708 -> 35.07.08, 3507082001 -> 35.07.08.2001.
CODE_WIDTHS = {"kecamatan": (2, 2, 2), "desa": (2, 2, 2, 4)}

_NAME_PREFIX = re.compile(r"^(?:kecamatan|kec|kelurahan|kel|desa)\b\s*")
_NOT_ALNUM = re.compile(r"[\W_]+")
# "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326", and
# the GeoJSON default "urn:ogc:def:crs:OGC:1.3:CRS84".
_LONLAT_CRS = re.compile(r"(?:CRS84|EPSG\W+(?:[\d.]+\W+)?4326)$")


class BoundaryError(Exception):
    """The input cannot be imported as it is; the message (Bahasa Indonesia) says which file or
    feature and what to do. Raised before anything is written."""


@dataclass
class Feature:
    """One input feature: a label for reports, its properties keyed in lower case, and its
    geometry as a 2D shapely polygon or multipolygon in lon/lat."""

    label: str
    properties: dict
    geometry: shapely.Geometry


@dataclass
class ImportResult:
    """What an import matched and stored (or, on a dry run, would store).

    ``matched`` and ``updated`` are row codes (``updated`` only those whose stored boundary
    changed, so importing the same file again lists none); ``unmatched`` are feature labels;
    ``ambiguous`` pairs a feature label with the codes its name fits; ``empty`` are codes whose
    geometry vanished when simplified and were left as they were. ``stored_bytes`` is the size
    of the matched geometries as the database stores them (JSON)."""

    level: str
    dry_run: bool = False
    matched: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    stored_bytes: int = 0
    vertices_in: int = 0
    vertices_out: int = 0


def import_boundaries(
    path,
    *,
    level: str,
    tolerance: float = DEFAULT_TOLERANCE,
    code_field: str | None = None,
    name_field: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Read the GeoJSON at ``path`` (a file, or a folder of ``.geojson``/``.json`` files), match
    its features to the kecamatan or desa of ``level`` and store their simplified boundaries.

    Returns an ``ImportResult`` so the caller can show what did not match: boundary files come
    from many publishers (BIG, BPS, the kabupaten's own GIS) with different codes and spellings,
    and the officer has to see which areas are still missing from the map. Raises
    ``BoundaryError`` and writes nothing when the input is broken. With ``dry_run`` nothing is
    written either, but the result is the same."""
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
    features = read_features(path)
    result = ImportResult(level=level, dry_run=dry_run)
    parts_by_row = _match(features, level, code_field, name_field, result)

    model = MODELS[level]
    # in_bulk splits the lookup under the database's parameter limit for a province's desa.
    rows = model.objects.only("pk", "code", "boundary").in_bulk(list(parts_by_row))
    to_write = []
    for pk, parts in parts_by_row.items():
        row = rows[pk]
        result.vertices_in += sum(shapely.get_num_coordinates(part) for part in parts)
        geometry = simplify_geometry(parts, tolerance=tolerance)
        if geometry is None:
            result.empty.append(row.code)
            continue
        result.matched.append(row.code)
        result.vertices_out += _count_vertices(geometry)
        result.stored_bytes += len(json.dumps(geometry).encode())
        if row.boundary != geometry:
            row.boundary = geometry
            to_write.append(row)
            result.updated.append(row.code)
    result.matched.sort()
    result.updated.sort()
    result.empty.sort()

    if not dry_run and to_write:
        with transaction.atomic():
            model.objects.bulk_update(to_write, ["boundary"], batch_size=BATCH_SIZE)
            figure_cache.invalidate()  # bulk updates send no post_save
    return result


def read_features(path) -> list[Feature]:
    """Read and check every feature at ``path``: a FeatureCollection or single Feature file, or a
    folder of such files. Returns them in file order, so reports follow the input; raises
    ``BoundaryError`` on the first problem, naming the file and feature."""
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in GEOJSON_SUFFIXES
        )
        if not files:
            raise BoundaryError(
                _("Folder %(path)s tidak berisi berkas .geojson atau .json.") % {"path": path}
            )
    elif path.is_file():
        files = [path]
    else:
        raise BoundaryError(_("Berkas atau folder %(path)s tidak ditemukan.") % {"path": path})

    features = []
    for file in files:
        features.extend(_read_file(file))
    if not features:
        raise BoundaryError(_("%(path)s tidak berisi satu pun fitur.") % {"path": path})
    return features


def simplify_geometry(parts, *, tolerance: float = DEFAULT_TOLERANCE) -> dict | None:
    """Repair, merge and simplify the polygons of one area and return a GeoJSON geometry dict
    (plain lists and floats, coordinates rounded to five decimals, exterior rings
    counter-clockwise as RFC 7946 asks), or ``None`` when nothing is left.

    Surveyed boundaries carry a vertex every few metres; the map draws a whole kabupaten at
    once, so the vertices are thinned to ``tolerance`` degrees while keeping each polygon valid
    and its neighbours' shared edges close together."""
    geometry = shapely.union_all([_polygonal(shapely.make_valid(part)) for part in parts])
    geometry = _polygonal(geometry)
    if tolerance > 0 and not geometry.is_empty:
        geometry = _simplify(geometry, tolerance)
    # Snapping to the grid of the rounded coordinates keeps the polygon valid after rounding.
    geometry = _polygonal(shapely.set_precision(geometry, 10**-DECIMALS))
    if geometry.is_empty:
        return None
    geometry = shapely.orient_polygons(geometry)
    geometry = shapely.transform(geometry, lambda coords: np.round(coords, DECIMALS))
    # Through JSON so the value is exactly what the JSONField will read back: lists, not tuples.
    return json.loads(json.dumps(mapping(geometry)))


def normalise_code(value, level: str) -> str | None:
    """The dotted Kemendagri code of ``level`` that ``value`` spells (``"35.07.08"``, ``"350708"``
    or the number ``350708``), or ``None`` when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if LEVELS[level].code_pattern.match(text):
        return text
    widths = CODE_WIDTHS[level]
    if text.isascii() and text.isdigit() and len(text) == sum(widths):
        segments, start = [], 0
        for width in widths:
            segments.append(text[start : start + width])
            start += width
        return ".".join(segments)
    return None


def normalise_name(value) -> str:
    """``value`` reduced for comparison: case folded, without a "Kecamatan"/"Kec."/"Desa"/
    "Kelurahan"/"Kel." prefix, spaces and punctuation removed ("Kec. Sumber Pucung" and
    "SUMBERPUCUNG" compare equal), since publishers spell the same name differently."""
    text = _NOT_ALNUM.sub(" ", str(value).casefold()).strip()
    while (prefix := _NAME_PREFIX.match(text)) and prefix.end() < len(text):
        text = text[prefix.end() :]
    return text.replace(" ", "")


def _read_file(file: Path) -> list[Feature]:
    """The features of one GeoJSON file. The JSON parser and shapely go one level deeper in
    Python's stack for each level of nesting, so a file nested thousands of levels deep (100,000
    ``[``: broken or hostile) reaches the recursion limit; it is refused like any broken file.
    GeoJSON of boundaries is a few levels deep."""
    try:
        return _read_features_of(file)
    except RecursionError:
        raise BoundaryError(
            _(
                "Berkas %(file)s bersarang terlalu dalam (ribuan tingkat larik di dalam larik "
                "atau objek di dalam objek), jadi bukan GeoJSON batas wilayah."
            )
            % {"file": file.name}
        ) from None


def _read_features_of(file: Path) -> list[Feature]:
    try:
        data = json.loads(file.read_bytes())
    except OSError as exc:
        raise BoundaryError(
            _("Berkas %(file)s tidak dapat dibaca: %(error)s") % {"file": file, "error": exc}
        ) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise BoundaryError(
            _("Berkas %(file)s bukan JSON yang sah, jadi bukan GeoJSON.") % {"file": file.name}
        ) from exc

    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        raw_features = data["features"]
    elif kind == "Feature":
        raw_features = [data]
    else:
        raise BoundaryError(
            _(
                "Berkas %(file)s bukan GeoJSON: isinya harus sebuah Feature atau "
                "FeatureCollection (type %(type)s)."
            )
            % {"file": file.name, "type": json.dumps(kind)}
        )
    _check_crs(data, file.name)

    features = []
    for number, raw in enumerate(raw_features, start=1):
        label_place = _("%(file)s, fitur %(number)d") % {"file": file.name, "number": number}
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            raise BoundaryError(_("%(place)s: bukan Feature GeoJSON.") % {"place": label_place})
        _check_crs(raw, label_place)
        properties = raw.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        properties = {str(key).casefold(): value for key, value in properties.items()}
        label = _feature_label(properties, label_place)
        features.append(Feature(label, properties, _read_geometry(raw.get("geometry"), label)))
    return features


def _check_crs(data: dict, place: str) -> None:
    """Refuse a declared CRS other than lon/lat WGS 84 (RFC 7946 dropped ``crs``, but ogr2ogr and
    QGIS still write it, and a UTM file is the usual mistake)."""
    crs = data.get("crs")
    if crs is None:
        return
    name = None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if isinstance(properties, dict):
        if crs.get("type") == "name":
            name = str(properties.get("name", ""))
        elif str(crs.get("type", "")).upper() == "EPSG":
            name = f"EPSG:{properties.get('code')}"
    if name and _LONLAT_CRS.search(name.strip().upper()):
        return
    raise BoundaryError(
        _(
            "%(place)s memakai sistem koordinat %(crs)s. Berkas harus EPSG:4326 (lon/lat); "
            "ubah dahulu, misalnya: %(command)s"
        )
        % {"place": place, "crs": name or json.dumps(crs), "command": CONVERT_HINT}
    )


def _read_geometry(raw, label: str) -> shapely.Geometry:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in POLYGON_TYPES:
        raise BoundaryError(
            _(
                "Fitur %(feature)s: geometri %(type)s tidak diterima; batas wilayah harus "
                "Polygon atau MultiPolygon."
            )
            % {"feature": label, "type": kind or _("kosong")}
        )
    try:
        geometry = shapely.force_2d(shape(raw))
        coordinates = shapely.get_coordinates(geometry)
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise BoundaryError(
            _("Fitur %(feature)s: koordinat rusak (%(error)s).") % {"feature": label, "error": exc}
        ) from exc
    if geometry.is_empty:
        raise BoundaryError(_("Fitur %(feature)s: geometri kosong.") % {"feature": label})
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    outside = ~(np.isfinite(coordinates).all(axis=1) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if outside.any():
        x, y = coordinates[outside.argmax()]
        raise BoundaryError(
            _(
                "Fitur %(feature)s: koordinat (%(x)s, %(y)s) bukan bujur/lintang; berkas "
                "tampaknya memakai sistem koordinat terproyeksi (misalnya UTM). Berkas harus "
                "EPSG:4326 (lon/lat); ubah dahulu, misalnya: %(command)s"
            )
            % {"feature": label, "x": x, "y": y, "command": CONVERT_HINT}
        )
    return geometry


def _feature_label(properties: dict, place: str) -> str:
    for key in (*NAME_KEYS["kecamatan"], *NAME_KEYS["desa"], *CODE_KEYS):
        value = properties.get(key)
        if value not in (None, ""):
            return f"{value} ({place})"
    return place


def _match(features, level, code_field, name_field, result) -> dict[int, list]:
    """Group the features' geometries by the pk of the row they match; record the features that
    match none or several rows in ``result``."""
    model = MODELS[level]
    rows = model.objects.all()
    if level == "desa":
        rows = rows.select_related("kecamatan").only(
            "pk", "code", "name", "kecamatan__code", "kecamatan__name"
        )
    else:
        rows = rows.only("pk", "code", "name")
    by_code, by_name = {}, defaultdict(list)
    for row in rows:
        by_code[row.code] = row
        by_name[normalise_name(row.name)].append(row)

    code_keys = _keys(code_field, CODE_KEYS)
    name_keys = _keys(name_field, NAME_KEYS[level])
    parts = defaultdict(list)
    for feature in features:
        row = _match_code(feature.properties, code_keys, level, by_code)
        if row is None:
            candidates = _name_candidates(feature.properties, name_keys, level, by_name)
            if len(candidates) > 1:
                result.ambiguous.append((feature.label, sorted(r.code for r in candidates)))
                continue
            if not candidates:
                result.unmatched.append(feature.label)
                continue
            row = candidates[0]
        parts[row.pk].append(feature.geometry)
    return parts


def _keys(explicit: str | None, defaults: tuple[str, ...]) -> tuple[str, ...]:
    return (explicit.casefold(), *defaults) if explicit else defaults


def _match_code(properties, keys, level, by_code):
    for key in keys:
        code = normalise_code(properties.get(key), level)
        if code in by_code:
            return by_code[code]
    return None


def _name_candidates(properties, keys, level, by_name) -> list:
    name = next((properties[k] for k in keys if properties.get(k) not in (None, "")), None)
    if name is None:
        return []
    candidates = by_name.get(normalise_name(name), [])
    if level != "desa":
        return candidates
    # A desa file that says which kecamatan each desa lies in is trusted on it, even for a name
    # that fits a single desa: the file may cover another kabupaten with the same desa names.
    for key in KECAMATAN_CODE_KEYS:
        code = normalise_code(properties.get(key), "kecamatan")
        if code:
            return [row for row in candidates if row.kecamatan.code == code]
    for key in KECAMATAN_NAME_KEYS:
        if properties.get(key) not in (None, ""):
            kecamatan = normalise_name(properties[key])
            return [row for row in candidates if normalise_name(row.kecamatan.name) == kecamatan]
    return candidates


def _simplify(geometry: shapely.Geometry, tolerance: float) -> shapely.Geometry:
    """Douglas-Peucker within ``tolerance``, without creating crossings between rings.

    The rings go through the simplifier as closed lines, not as polygon rings: for rings, GEOS
    (since 3.12) may also drop a ring's first vertex, and that step does not recheck the
    vertices dropped before it, so the result can stray up to about 1.5 x ``tolerance`` from
    the original near that vertex. A line keeps its end points and stays within ``tolerance``.
    A ring that shrinks below four points was smaller than the tolerance and is dropped."""
    polygons = shapely.get_parts(geometry)
    rings = [
        shapely.LineString(ring.coords)
        for polygon in polygons
        for ring in (polygon.exterior, *polygon.interiors)
    ]
    simplified = shapely.get_parts(
        shapely.simplify(shapely.MultiLineString(rings), tolerance, preserve_topology=True)
    )
    if len(simplified) != len(rings):  # not expected; the plain simplifier is the fallback
        return shapely.simplify(geometry, tolerance, preserve_topology=True)
    kept, position = [], 0
    for polygon in polygons:
        count = 1 + len(polygon.interiors)
        shell, *holes = (line.coords for line in simplified[position : position + count])
        position += count
        if len(shell) >= 4:
            kept.append(shapely.Polygon(shell, [hole for hole in holes if len(hole) >= 4]))
    result = shapely.MultiPolygon(kept) if len(kept) != 1 else kept[0]
    # Rings that do not cross can still nest differently than before (a hole pushed out of its
    # shell); repairing such a rare case is better than storing an invalid polygon.
    return result if result.is_valid else _polygonal(shapely.make_valid(result))


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of ``geometry``: repairing or snapping a polygon may leave stray lines and
    points in a GeometryCollection, which a boundary has no use for."""
    if geometry.geom_type in POLYGON_TYPES:
        return geometry
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in POLYGON_TYPES or part.geom_type == "GeometryCollection"
    ]
    polygons = [_polygonal(part) for part in polygons]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def _count_vertices(geometry: dict) -> int:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(ring) for polygon in polygons for ring in polygon)
