"""Reading the input into ``Feature``s: the files of a path, JSON that is GeoJSON, a declared
CRS that must be lon/lat, polygon geometries whose positions are finite numbers in lon/lat (not
swapped, not projected), and a label for each feature in reports. Every problem raises
``BoundaryError`` naming the file and feature, before anything is written."""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import shape

from .codes import CODE_KEYS, NAME_KEYS
from .result import BoundaryError
from .shapes import INDONESIA, POLYGON_TYPES

GEOJSON_SUFFIXES = {".geojson", ".json"}
CONVERT_HINT = "ogr2ogr -t_srs EPSG:4326 out.geojson in.shp"
# Keys that look like a name, for naming a feature in reports when no name key is known.
_NAME_LIKE_KEY = re.compile(r"nam|name|desa|kel|village|wadm")
# "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326", and
# the GeoJSON default "urn:ogc:def:crs:OGC:1.3:CRS84".
_LONLAT_CRS = re.compile(r"(?:CRS84|EPSG\W+(?:[\d.]+\W+)?4326)$")


@dataclass
class Feature:
    """One input feature: a label for reports, its properties keyed in lower case, its geometry
    as a 2D shapely polygon or multipolygon in lon/lat, its position in the input (0-based,
    over every file read, in order), and its property keys as the file spells them."""

    label: str
    properties: dict
    geometry: shapely.Geometry
    index: int = 0
    keys: tuple[str, ...] = ()


def read_features(path, *, name_field: str | None = None) -> list[Feature]:
    """Read and check every feature at ``path``: a FeatureCollection or single Feature file, or a
    folder of such files. Returns them in file order, so reports follow the input; raises
    ``BoundaryError`` on the first problem, naming the file and feature."""
    files = _files(path)
    features = []
    for file in files:
        features.extend(_read_file(file, name_field, start=len(features)))
    if not features:
        raise BoundaryError(_("%(path)s tidak berisi satu pun fitur.") % {"path": path})
    return features


def _files(path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in GEOJSON_SUFFIXES
        )
        if not files:
            raise BoundaryError(
                _("Folder %(path)s tidak berisi berkas .geojson atau .json.") % {"path": path}
            )
        return files
    if path.is_file():
        return [path]
    raise BoundaryError(_("Berkas atau folder %(path)s tidak ditemukan.") % {"path": path})


def _read_file(file: Path, name_field, start: int) -> list[Feature]:
    """The features of one GeoJSON file. The JSON parser and shapely go one level deeper in
    Python's stack for each level of nesting, so a file nested thousands of levels deep (100,000
    ``[``: broken or hostile) reaches the recursion limit; it is refused like any broken file.
    GeoJSON of boundaries is a few levels deep."""
    try:
        return _read_features_of(file, name_field, start)
    except RecursionError:
        raise BoundaryError(
            _(
                "Berkas %(file)s bersarang terlalu dalam (ribuan tingkat larik di dalam larik "
                "atau objek di dalam objek), jadi bukan GeoJSON batas wilayah."
            )
            % {"file": file.name}
        ) from None


def _read_features_of(file: Path, name_field, start: int) -> list[Feature]:
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
        keys = tuple(str(key) for key in properties)
        properties = {str(key).casefold(): value for key, value in properties.items()}
        label = _feature_label(properties, label_place, name_field)
        geometry = _read_geometry(raw.get("geometry"), label)
        features.append(Feature(label, properties, geometry, start + len(features), keys))
    return features


def _property_names(features: list[Feature]) -> list[str]:
    """The property keys of the file(s) as written (case kept), in first-seen order, each with
    an example value: shown when nothing matched, so the user can name the right ones."""
    seen = {}
    for feature in features:
        for key in feature.keys:
            value = feature.properties.get(key.casefold())
            if key not in seen and value not in (None, ""):
                seen[key] = str(value)[:30]
    return [f"{key} ({value})" for key, value in seen.items()]


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
    _check_positions(raw, label)
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
    outside = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if outside.any():
        x, y = coordinates[outside.argmax()]
        swapped = shapely.points(coordinates[:, ::-1])
        if shapely.intersects(INDONESIA, swapped).all():
            raise BoundaryError(
                _(
                    "Fitur %(feature)s: lintang dan bujur tertukar: koordinat (%(x)s, %(y)s) "
                    "ditulis [lintang, bujur], padahal GeoJSON menulis [bujur, lintang] "
                    "(misalnya [112.6, -8.1] untuk Malang). Tukar urutannya dahulu."
                )
                % {"feature": label, "x": x, "y": y}
            )
        raise BoundaryError(
            _(
                "Fitur %(feature)s: koordinat (%(x)s, %(y)s) bukan bujur/lintang; berkas "
                "tampaknya memakai sistem koordinat terproyeksi (misalnya UTM). Berkas harus "
                "EPSG:4326 (lon/lat); ubah dahulu, misalnya: %(command)s"
            )
            % {"feature": label, "x": x, "y": y, "command": CONVERT_HINT}
        )
    return geometry


def _check_positions(raw: dict, label: str) -> None:
    """Refuse, each with its own message, positions that are text or not finite numbers and
    rings of fewer than four positions (shapely would quietly close a three-point ring into a
    triangle, and read "112.6" as a number). Structures other than lists of positions are left
    to shapely, which refuses them (or, nested thousands deep, reaches the recursion limit)."""
    coordinates = raw.get("coordinates")
    polygons = [coordinates] if raw.get("type") == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return
    for polygon in polygons:
        if not isinstance(polygon, list):
            return
        for number, ring in enumerate(polygon, start=1):
            if not isinstance(ring, list) or not all(_flat_position(p) for p in ring):
                return
            for position in ring:
                for value in position:
                    _check_number(value, position, label)
            if len(ring) < 4:
                raise BoundaryError(
                    _(
                        "Fitur %(feature)s: cincin ke-%(ring)d hanya punya %(count)d titik. "
                        "Cincin poligon perlu sedikitnya 4 titik (titik awal diulang di akhir); "
                        "bentuk ini tidak lengkap, periksa berkas sumbernya."
                    )
                    % {"feature": label, "ring": number, "count": len(ring)}
                )


def _flat_position(position) -> bool:
    return isinstance(position, list) and not any(
        isinstance(value, list | dict) for value in position
    )


def _check_number(value, position, label: str) -> None:
    if isinstance(value, str):
        raise BoundaryError(
            _(
                "Fitur %(feature)s: koordinat %(position)s berupa teks, bukan angka. Simpan "
                "koordinat sebagai angka (tanpa tanda kutip)."
            )
            % {"feature": label, "position": json.dumps(position)}
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BoundaryError(
            _("Fitur %(feature)s: koordinat %(position)s bukan angka.")
            % {"feature": label, "position": json.dumps(position)}
        )
    if not math.isfinite(value):
        raise BoundaryError(
            _(
                "Fitur %(feature)s: koordinat %(position)s berisi NaN atau tak hingga (nilai "
                "kosong dari perangkat lunak GIS); perbaiki atau hapus titik itu."
            )
            % {"feature": label, "position": json.dumps(position)}
        )


def _feature_label(properties: dict, place: str, name_field=None) -> str:
    """How reports name a feature: its name (or code) and where it is in the input. A desa
    feature's own name comes before the name of its kecamatan (``WADMKD`` before ``WADMKC``)."""
    keys = tuple(dict.fromkeys((*NAME_KEYS["desa"], *NAME_KEYS["kecamatan"])))
    if name_field:
        keys = (name_field.casefold(), *keys)
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return f"{value} ({place})"
    for key, value in properties.items():
        named = _NAME_LIKE_KEY.search(key) and isinstance(value, str) and value.strip()
        if named and not any(char.isdigit() for char in value):
            return f"{value} ({place})"
    for key in CODE_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            return f"{value} ({place})"
    return place
