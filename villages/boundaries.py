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
"""

import difflib
import json
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from kimtracker import figure_cache

from .geometry import KM_PER_DEGREE, area_km2, simplify_layer
from .models import Desa, Kabupaten, Kecamatan
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

# A name this similar (difflib's ratio of the normalised names, 0 to 1) to a row's is proposed.
# Ngebrug/Ngebruk 0.86, Tambaksari/Tambakasri 0.9, Sumbermanjing/Sumbermanjing Wetan 0.84, while
# Sumbermanjing Kulon/Sumbermanjing Wetan (two different desa) is 0.78.
CLOSE_SCORE = 0.8
# A matched shape with a part further than this outside its kabupaten or kecamatan is refused:
# boundaries of different publishers differ by metres to hundreds of metres, not kilometres.
FAR_KM = 5.0
# Where a shape must lie when no kabupaten outline or kecamatan boundaries are stored.
INDONESIA = shapely.box(94.0, -11.5, 141.5, 6.5)
# Typical areas when none are stored: Kabupaten Malang's 3,535 km2 over 33 kecamatan, 390 desa.
TYPICAL_KM2 = {"kecamatan": 107.0, "desa": 9.0}

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
    "kdebps",
    "kdcbps",
    "id",
)
NAME_KEYS = {
    "kecamatan": ("name", "nama", "wadmkc", "nama_kec", "kecamatan", "name_3"),
    "desa": ("name", "nama", "wadmkd", "namobj", "nama_desa", "desa", "desa_kel", "name_4"),
}
# On a desa feature, the kecamatan it lies in: a desa is matched by name only within it.
KECAMATAN_NAME_KEYS = ("wadmkc", "kecamatan", "nama_kec", "name_3")
KECAMATAN_CODE_KEYS = ("kd_kec", "kode_kec", "kdcpum")
# Keys that look like a name, for naming a feature in reports when no name key is known.
_NAME_LIKE_KEY = re.compile(r"nam|name|desa|kel|village|wadm")

MODELS = {"kecamatan": Kecamatan, "desa": Desa}
OTHER_LEVEL = {"kecamatan": "desa", "desa": "kecamatan"}
# Digits per segment of an undotted code: 350708 -> 35.07.08, 3507082001 -> 35.07.08.2001.
CODE_WIDTHS = {"kecamatan": (2, 2, 2), "desa": (2, 2, 2, 4)}
# BPS codes: kabupaten 4 digits, kecamatan 3 more (3507010), desa 3 more (3507010008); some
# publishers prefix "id". BPS numbers kecamatan differently from Kemendagri, so only the
# kabupaten part (3507 = 35.07) is the same.
_BPS_CODE = re.compile(r"^(id)?(\d{7}|\d{10})$")
_DOTTED = re.compile(r"^\d{2}(?:\.\d{2}){1,2}(?:\.\d{4})?$")

_NAME_PREFIX = re.compile(r"^(?:kecamatan|kec|kelurahan|kel|desa)\b\s*")
_NOT_ALNUM = re.compile(r"[\W_]+")
# "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326", and
# the GeoJSON default "urn:ogc:def:crs:OGC:1.3:CRS84".
_LONLAT_CRS = re.compile(r"(?:CRS84|EPSG\W+(?:[\d.]+\W+)?4326)$")

# How an area was matched, as ``Match.how`` says it.
BY_CODE = "kode"
BY_NAME = "nama"
BY_PROPOSAL = "usulan"


class BoundaryError(Exception):
    """The input cannot be imported as it is; the message (Bahasa Indonesia) says which file or
    feature and what to do. Raised before anything is written."""


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


@dataclass
class Match:
    """An area that gets a boundary: its code and name, how it was matched (``BY_CODE``,
    ``BY_NAME`` or ``BY_PROPOSAL``, several when several features make it up), the labels and
    input positions of its features, and a note (e.g. a name spelt differently from the
    registry's)."""

    code: str
    name: str
    how: list[str]
    features: list[str]
    indexes: list[int]
    note: str = ""


@dataclass
class Proposal:
    """A feature that probably is the area ``code`` but is not applied until the user accepts:
    its name is only close to the area's, or the desa's kecamatan is unknown. ``score`` is the
    similarity of the names (1.0 for the same name)."""

    code: str
    name: str
    feature: str
    feature_name: str
    index: int
    score: float
    reason: str
    accepted: bool = False


@dataclass
class Refusal:
    """A feature that matched an area but is not applied, and why (a sentence for the user)."""

    feature: str
    index: int
    reason: str
    code: str | None = None


@dataclass
class ImportResult:
    """What an import matched and stored (or, on a dry run, would store).

    ``matched`` and ``updated`` are row codes (``updated`` only those whose stored boundary
    changed, so importing the same file again lists none); ``matches`` says for each matched
    area how (code, name or accepted proposal) and by which features; ``unmatched`` are feature
    labels (``unmatched_indexes`` their input positions); ``ambiguous`` pairs a feature label
    with the codes its name fits; ``proposals`` are close matches awaiting the user's word (the
    accepted ones are applied and marked so); ``refused`` are features matched but not applied
    (code and name disagree, far outside the area); ``empty`` are codes whose geometry vanished
    when simplified. ``notes`` are sentences about the file as a whole (another code scheme,
    desa without a known kecamatan, the file's properties when nothing matched).
    ``stored_bytes`` is the size of the matched geometries as the database stores them (JSON)."""

    level: str
    dry_run: bool = False
    matched: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unmatched_indexes: list[int] = field(default_factory=list)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
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


def simplify_geometry(parts, *, tolerance: float = DEFAULT_TOLERANCE) -> dict | None:
    """Repair, merge and simplify the polygons of one area on their own and return a GeoJSON
    geometry dict (plain lists and floats, coordinates rounded to five decimals, exterior rings
    counter-clockwise as RFC 7946 asks), or ``None`` when nothing is left.

    The import simplifies a whole layer at once (``geometry.simplify_layer``) so neighbours keep
    their shared edges; this is for a single area, thinned to ``tolerance`` degrees while
    keeping the polygon valid."""
    geometry = shapely.union_all([_polygonal(shapely.make_valid(part)) for part in parts])
    geometry = _polygonal(geometry)
    if tolerance > 0 and not geometry.is_empty:
        geometry = _simplify(geometry, tolerance)
    # Snapping to the grid of the rounded coordinates keeps the polygon valid after rounding.
    geometry = _polygonal(shapely.set_precision(geometry, 10**-DECIMALS))
    return _as_geojson(geometry)


def normalise_code(value, level: str) -> str | None:
    """The dotted Kemendagri code of ``level`` that ``value`` spells (``"35.07.08"``, ``"350708"``
    or the number ``350708``), or ``None`` when it is not one. A BPS code (``3507010008``,
    ``id3507010008``) is not one, though it has as many digits as an undotted desa code."""
    text = _code_text(value)
    if text is None:
        return None
    if LEVELS[level].code_pattern.match(text):
        return text
    widths = CODE_WIDTHS[level]
    if text.isascii() and text.isdigit() and len(text) == sum(widths) and not _is_bps(text):
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


def name_score(a, b) -> float:
    """How alike two names are, 0 to 1 (difflib's ratio of the normalised names)."""
    return difflib.SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio()


# Codes


def _code_text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _is_bps(text: str) -> bool:
    """Whether ``text`` is a BPS code: "id" and digits, seven digits (a kecamatan: Kemendagri's
    have six), or ten digits whose eighth is 0 (a Kemendagri desa's fourth segment starts with 1,
    2 or 3: 3507082001; BPS numbers desa from 001: 3507010008)."""
    found = _BPS_CODE.match(text.casefold())
    if not found:
        return False
    digits = found.group(2)
    return bool(found.group(1)) or len(digits) == 7 or digits[6] == "0"


def _code_level(value) -> str | None:
    """The level a code spells, from its length: kecamatan (35.07.08, 350708, BPS 3507010) or
    desa (35.07.08.2001, 3507082001, BPS 3507010008)."""
    text = _code_text(value)
    if text is None:
        return None
    found = _BPS_CODE.match(text.casefold())
    digits = found.group(2) if found else text.replace(".", "")
    if not (found or _DOTTED.match(text) or (text.isascii() and text.isdigit())):
        return None
    return {6: "kecamatan", 7: "kecamatan", 10: "desa"}.get(len(digits))


def _kabupaten_of(value) -> str | None:
    """The Kemendagri kabupaten code (35.07) a Kemendagri or BPS code of any level lies in."""
    text = _code_text(value)
    if text is None or _code_level(text) is None:
        return None
    digits = text.casefold().removeprefix("id").replace(".", "")
    return f"{digits[:2]}.{digits[2:4]}"


# Reading


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


# Matching


@dataclass
class _Keys:
    """The property keys tried for a feature's code, name and (desa) kecamatan, the ones the
    user named first."""

    code: tuple[str, ...]
    name: tuple[str, ...]
    kecamatan: tuple[str, ...]

    def __init__(self, level, code_field, name_field, kecamatan_field):
        code_keys = CODE_KEYS
        if level == "desa":  # on a desa feature these hold its kecamatan's code
            code_keys = tuple(key for key in CODE_KEYS if key not in KECAMATAN_CODE_KEYS)
        self.code = _keys(code_field, code_keys)
        self.name = _keys(name_field, NAME_KEYS[level])
        self.kecamatan = _keys(kecamatan_field, (*KECAMATAN_CODE_KEYS, *KECAMATAN_NAME_KEYS))

    def name_of(self, feature: Feature):
        return next(
            (
                feature.properties[k]
                for k in self.name
                if feature.properties.get(k) not in (None, "")
            ),
            None,
        )

    def codes_of(self, feature: Feature) -> list:
        return [feature.properties[k] for k in self.code if _code_text(feature.properties.get(k))]


def _keys(explicit: str | None, defaults: tuple[str, ...]) -> tuple[str, ...]:
    return (explicit.casefold(), *defaults) if explicit else defaults


class _Registry:
    """The wilayah an import matches against, read once: for each row its name and parent
    (a kecamatan's kabupaten, a desa's kecamatan), indexed by normalised name within the
    parent and within the kabupaten; stored boundaries are read only when needed."""

    def __init__(self, level: str):
        self.level = level
        self.kecamatan = {
            code: (name, kabupaten)
            for code, name, kabupaten in Kecamatan.objects.values_list(
                "code", "name", "kabupaten__code"
            )
        }
        self.desa = {
            code: (name, kecamatan)
            for code, name, kecamatan in Desa.objects.values_list("code", "name", "kecamatan__code")
        }
        self.rows = self.kecamatan if level == "kecamatan" else self.desa
        self.names = {
            "kecamatan": {normalise_name(name) for name, _parent in self.kecamatan.values()},
            "desa": {normalise_name(name) for name, _parent in self.desa.values()},
        }
        self.kecamatan_by_name = defaultdict(list)
        self.kecamatan_in = defaultdict(list)
        for code, (name, kabupaten) in self.kecamatan.items():
            self.kecamatan_by_name[normalise_name(name)].append(code)
            self.kecamatan_in[kabupaten].append(code)
        # (parent, name) -> codes; (kabupaten, name) -> codes; parent -> codes
        self.in_parent = defaultdict(list)
        self.in_kabupaten = defaultdict(list)
        self.by_parent = defaultdict(list)
        self.by_name = defaultdict(list)
        for code, (name, parent) in self.rows.items():
            key = normalise_name(name)
            self.by_name[key].append(code)
            self.in_parent[parent, key].append(code)
            self.in_kabupaten[code[:5], key].append(code)
            self.by_parent[parent].append(code)
        self._kecamatan_shapes = None
        self._kecamatan_tree = None
        self._outlines = {}

    def name(self, code: str) -> str:
        return self.rows[code][0]

    def parent(self, code: str) -> str:
        return self.rows[code][1]

    def kabupaten_name(self, code: str) -> str:
        return Kabupaten.objects.filter(code=code).values_list("name", flat=True).first() or code

    def kecamatan_shapes(self) -> dict[str, shapely.Geometry]:
        if self._kecamatan_shapes is None:
            stored = Kecamatan.objects.filter(boundary__isnull=False).values_list(
                "code", "boundary"
            )
            self._kecamatan_shapes = {code: _valid(shape(boundary)) for code, boundary in stored}
        return self._kecamatan_shapes

    def kecamatan_at(self, geometry: shapely.Geometry) -> str | None:
        """The kecamatan whose stored boundary holds ``geometry``'s representative point."""
        shapes = self.kecamatan_shapes()
        if not shapes:
            return None
        if self._kecamatan_tree is None:
            self._kecamatan_tree = (list(shapes), shapely.STRtree(list(shapes.values())))
        codes, tree = self._kecamatan_tree
        found = tree.query(geometry.point_on_surface(), predicate="covered_by")
        return codes[found[0]] if len(found) == 1 else None

    def outline(self, kabupaten: str) -> shapely.Geometry | None:
        """The kabupaten's stored outline (``Kabupaten.boundary``, where that field exists), else
        the union of its kecamatan boundaries when all of them are stored, else ``None``."""
        if kabupaten not in self._outlines:
            self._outlines[kabupaten] = self._read_outline(kabupaten)
        return self._outlines[kabupaten]

    def _read_outline(self, kabupaten: str):
        try:
            Kabupaten._meta.get_field("boundary")
        except FieldDoesNotExist:
            pass
        else:
            stored = (
                Kabupaten.objects.filter(code=kabupaten).values_list("boundary", flat=True).first()
            )
            if stored:
                return _valid(shape(stored))
        codes = self.kecamatan_in[kabupaten]
        shapes = self.kecamatan_shapes()
        if codes and all(code in shapes for code in codes):
            return shapely.union_all([shapes[code] for code in codes])
        return None

    def typical_km2(self) -> dict[str, float]:
        """The usual area of a kecamatan and of a desa: the median of the stored boundaries
        (a sample), one level derived from the other by their counts, else Kabupaten Malang's."""
        medians = {}
        for level, model in MODELS.items():
            stored = model.objects.filter(boundary__isnull=False).values_list("boundary", flat=True)
            areas = [area_km2(_valid(shape(boundary))) for boundary in stored[:200]]
            if len(areas) >= 3:
                medians[level] = statistics.median(areas)
        ratio = len(self.desa) / len(self.kecamatan) if self.kecamatan and self.desa else None
        if ratio and "kecamatan" in medians and "desa" not in medians:
            medians["desa"] = medians["kecamatan"] / ratio
        if ratio and "desa" in medians and "kecamatan" not in medians:
            medians["kecamatan"] = medians["desa"] * ratio
        return medians if len(medians) == 2 else dict(TYPICAL_KM2)


def _check_level(features, level: str, keys: _Keys, registry: _Registry) -> None:
    """Refuse a file of the other level (a kecamatan file imported as desa puts a kecamatan's
    shape on the desa of the same name). Its codes' lengths decide alone; otherwise two of: its
    names are more often names of the other level, it has more features than the level has
    rows, its shapes are the other level's size."""
    other = OTHER_LEVEL[level]
    reasons = []
    levels = Counter(_code_level(codes[0]) for codes in map(keys.codes_of, features) if codes)
    if levels[other] > levels[level] and levels[other] * 2 >= len(features):
        example = next(
            codes[0]
            for codes in map(keys.codes_of, features)
            if codes and _code_level(codes[0]) == other
        )
        reasons.append(
            _("%(count)d dari %(total)d kode bertingkat %(other)s (misalnya %(example)s)")
            % {"count": levels[other], "total": len(features), "other": other, "example": example}
        )
        votes = 2
    else:
        votes = 0
        # Names under either level's keys: a desa file's WADMKD is no kecamatan name key.
        all_keys = (*keys.name, *NAME_KEYS[other])
        names = []
        for feature in features:
            name = next(
                (
                    feature.properties[k]
                    for k in all_keys
                    if feature.properties.get(k) not in (None, "")
                ),
                None,
            )
            if name:
                names.append(normalise_name(name))
        this_names = sum(name in registry.names[level] for name in names)
        other_names = sum(name in registry.names[other] for name in names)
        if other_names > this_names:
            votes += 1
            reasons.append(
                _("%(other_count)d nama fitur adalah nama %(other)s, %(count)d nama %(level)s")
                % {
                    "other_count": other_names,
                    "other": other,
                    "count": this_names,
                    "level": level,
                }
            )
        rows = len(registry.kecamatan)
        if level == "kecamatan" and rows and len(features) > max(2 * rows, rows + 20):
            votes += 1
            reasons.append(
                _("%(count)d fitur, padahal hanya ada %(rows)d kecamatan")
                % {"count": len(features), "rows": rows}
            )
        typical = registry.typical_km2()
        median = statistics.median(area_km2(feature.geometry) for feature in features)
        if median > 0 and min(typical.values()) > 0:
            distance = {lvl: abs(math.log(median / typical[lvl])) for lvl in typical}
            if distance[other] < distance[level]:
                votes += 1
                reasons.append(
                    _(
                        "luas fitur umumnya %(area).1f km² (kecamatan biasanya sekitar "
                        "%(kecamatan).0f km², desa sekitar %(desa).1f km²)"
                    )
                    % {"area": median, "kecamatan": typical["kecamatan"], "desa": typical["desa"]}
                )
    if votes >= 2:
        raise BoundaryError(
            _(
                "Berkas ini tampaknya berisi batas %(other)s, bukan %(level)s: %(reasons)s. "
                "Jika benar, impor sebagai tingkat %(other)s."
            )
            % {"other": other, "level": level, "reasons": "; ".join(reasons)}
        )


class _Matcher:
    """Decides, for each feature, the area it is (by code or name), a proposal, a refusal, or
    nothing; see the module's docstring for the rules."""

    def __init__(self, level: str, keys: _Keys, registry: _Registry, result: ImportResult):
        self.level = level
        self.keys = keys
        self.registry = registry
        self.result = result
        self.bps = False
        # code -> [(feature, how, note)]
        self.applied = defaultdict(list)
        self.kecamatan_unknown = 0

    def run(self, features, accept: dict, accept_all: bool) -> dict[str, list]:
        self.bps = self._bps_file(features)
        self._features = {feature.index: feature for feature in features}
        kecamatan = self._kecamatan_of(features) if self.level == "desa" else {}
        proposals = []
        for feature in features:
            proposal = self._match(feature, kecamatan.get(feature.index))
            if proposal:
                proposals.append(proposal)
        self._settle_proposals(proposals, accept, accept_all)

        parts = defaultdict(list)
        for code, entries in sorted(self.applied.items()):
            kept = []
            for feature, how, note in entries:
                refusal = self._far(code, feature)
                if refusal:
                    self.result.refused.append(Refusal(feature.label, feature.index, refusal, code))
                else:
                    kept.append((feature, how, note))
            if not kept:
                continue
            parts[code] = [feature.geometry for feature, _how, _note in kept]
            self.result.matches.append(
                Match(
                    code=code,
                    name=self.registry.name(code),
                    how=sorted({how for _feature, how, _note in kept}),
                    features=[feature.label for feature, _how, _note in kept],
                    indexes=[feature.index for feature, _how, _note in kept],
                    note=" ".join(note for _feature, _how, note in kept if note),
                )
            )
        if self.kecamatan_unknown:
            self.result.notes.append(
                _(
                    "%(count)d desa tanpa kecamatan yang diketahui: desa hanya dicocokkan dengan "
                    "nama di dalam kecamatannya. Beri nama properti kecamatan berkas ini "
                    "(perintah import_boundaries: --kecamatan-field), atau impor batas "
                    "kecamatan dahulu."
                )
                % {"count": self.kecamatan_unknown}
            )
        return parts

    # Codes

    def _bps_file(self, features) -> bool:
        coded = [codes[0] for codes in map(self.keys.codes_of, features) if codes]
        bps = [code for code in coded if _is_bps(str(_code_text(code)))]
        if not bps or len(bps) * 2 < len(coded):
            return False
        self.result.notes.append(
            _(
                "Kode di berkas (misalnya %(example)s) bukan kode Kemendagri; tampaknya kode BPS. "
                "Fitur dicocokkan dengan nama di dalam kecamatannya, bukan dengan kode."
            )
            % {"example": bps[0]}
        )
        return True

    def _kemendagri(self, value, level: str) -> str | None:
        text = _code_text(value)
        if text is None or (self.bps and _BPS_CODE.match(text.casefold())):
            return None
        return normalise_code(text, level)

    def _kabupaten(self, feature) -> str | None:
        return next(filter(None, map(_kabupaten_of, self.keys.codes_of(feature))), None)

    # Kecamatan of a desa feature

    def _kecamatan_of(self, features) -> dict[int, tuple[str | None, str]]:
        """Each desa feature's kecamatan code (or None) and how it is known: "stated" (a
        property, which is trusted: an unknown kecamatan named there is not guessed around),
        "code" (the prefix of a Kemendagri desa code), "bps" (features sharing a BPS kecamatan
        code whose names fit one kecamatan), "location" (inside a stored kecamatan boundary)."""
        found = {}
        for feature in features:
            stated = self._stated_kecamatan(feature)
            if stated is not None:
                found[feature.index] = stated
                continue
            for value in self.keys.codes_of(feature):
                code = self._kemendagri(value, "desa")
                if code and code[:8] in self.registry.kecamatan:
                    found[feature.index] = (code[:8], "code")
                    break
        if self.bps:
            self._kecamatan_from_bps_groups(features, found)
        for feature in features:
            if feature.index not in found:
                code = self.registry.kecamatan_at(feature.geometry)
                if code:
                    found[feature.index] = (code, "location")
        return found

    def _stated_kecamatan(self, feature) -> tuple[str | None, str] | None:
        for key in self.keys.kecamatan:
            value = feature.properties.get(key)
            if value in (None, ""):
                continue
            code = self._kemendagri(value, "kecamatan")
            if code:
                return (code if code in self.registry.kecamatan else None, "stated")
            codes = self.registry.kecamatan_by_name.get(normalise_name(value), [])
            kabupaten = self._kabupaten(feature)
            if kabupaten and len(codes) > 1:
                codes = [code for code in codes if code.startswith(kabupaten)]
            return (codes[0] if len(codes) == 1 else None, "stated")
        return None

    def _kecamatan_from_bps_groups(self, features, found) -> None:
        groups = defaultdict(list)
        for feature in features:
            if feature.index in found:
                continue
            for value in self.keys.codes_of(feature):
                text = str(_code_text(value)).casefold().removeprefix("id")
                if _is_bps(text) and len(text) == 10:
                    groups[text[:7]].append(feature)
                    break
        for prefix, members in groups.items():
            kabupaten = f"{prefix[:2]}.{prefix[2:4]}"
            counts = Counter()
            for feature in members:
                name = self.keys.name_of(feature)
                for code in self.registry.kecamatan_in[kabupaten]:
                    if name and self.registry.in_parent.get((code, normalise_name(name))):
                        counts[code] += 1
            ranked = counts.most_common(2)
            if not ranked:
                continue
            best, count = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if count >= 2 and count > runner_up and count * 2 >= len(members):
                for feature in members:
                    found[feature.index] = (best, "bps")

    # One feature

    def _match(self, feature, kecamatan) -> Proposal | None:
        name = self.keys.name_of(feature)
        for value in self.keys.codes_of(feature):
            code = self._kemendagri(value, self.level)
            if code in self.registry.rows:
                self._by_code(feature, code, name, kecamatan)
                return None
        if name is None:
            self._unmatched(feature)
            return None
        key = normalise_name(name)
        if self.level == "kecamatan":
            kabupaten = self._kabupaten(feature)
            if kabupaten:
                candidates = self.registry.in_kabupaten[kabupaten, key]
                scope = self.registry.by_parent[kabupaten]
            else:
                candidates = self.registry.by_name[key]
                scope = list(self.registry.rows)
            return self._by_name(feature, name, candidates, scope, "")

        kecamatan_code, how = kecamatan or (None, None)
        if kecamatan_code:
            candidates = self.registry.in_parent[kecamatan_code, key]
            scope = self.registry.by_parent[kecamatan_code]
            where = _("dalam Kecamatan %(name)s") % {
                "name": self.registry.kecamatan[kecamatan_code][0]
            }
            return self._by_name(feature, name, candidates, scope, where)
        if how == "stated":  # the file names a kecamatan the registry does not hold
            self._unmatched(feature)
            return None
        self.kecamatan_unknown += 1
        kabupaten = self._kabupaten(feature)
        if kabupaten:
            candidates = self.registry.in_kabupaten[kabupaten, key]
        else:
            candidates = self.registry.by_name[key]
        if len(candidates) > 1:
            self.result.ambiguous.append((feature.label, sorted(candidates)))
            return None
        if not candidates:
            self._unmatched(feature)
            return None
        code = candidates[0]
        return Proposal(
            code=code,
            name=self.registry.name(code),
            feature=feature.label,
            feature_name=str(name),
            index=feature.index,
            score=1.0,
            reason=_(
                "nama sama, tetapi kecamatan desa di berkas tidak diketahui (di daftar: "
                "Kecamatan %(kecamatan)s)"
            )
            % {"kecamatan": self.registry.kecamatan[self.registry.parent(code)][0]},
        )

    def _by_code(self, feature, code, name, kecamatan) -> None:
        row_name = self.registry.name(code)
        stated = kecamatan[0] if kecamatan and kecamatan[1] == "stated" else None
        if self.level == "desa" and stated and stated != self.registry.parent(code):
            self._refuse(
                feature,
                code,
                _(
                    "kode %(code)s (%(name)s) ada di Kecamatan %(row_kecamatan)s, tetapi "
                    "berkas menyebut Kecamatan %(kecamatan)s; tidak diterapkan. Perbaiki "
                    "kode atau kecamatan di berkas."
                )
                % {
                    "code": code,
                    "name": row_name,
                    "row_kecamatan": self.registry.kecamatan[self.registry.parent(code)][0],
                    "kecamatan": self.registry.kecamatan[kecamatan[0]][0],
                },
            )
            return
        if name is None or normalise_name(name) == normalise_name(row_name):
            self.applied[code].append((feature, BY_CODE, ""))
            return
        key = normalise_name(name)
        others = [c for c in self.registry.in_kabupaten[code[:5], key] if c != code]
        score = name_score(name, row_name)
        if not others and score >= CLOSE_SCORE:
            note = _(
                "Nama di berkas \u201c%(name)s\u201d, di daftar wilayah \u201c%(row)s\u201d."
            ) % {
                "name": name,
                "row": row_name,
            }
            self.applied[code].append((feature, BY_CODE, note))
            return
        if others:
            detail = _("nama itu milik %(level)s %(codes)s") % {
                "level": self.level,
                "codes": ", ".join(
                    f"{other} {self.registry.name(other)}" for other in sorted(others)
                ),
            }
        else:
            detail = _("kemiripan nama %(score).2f") % {"score": score}
        self._refuse(
            feature,
            code,
            _(
                "kode %(code)s adalah %(row)s, tetapi nama di berkas \u201c%(name)s\u201d "
                "(%(detail)s); kode dan nama tidak sepakat, jadi tidak diterapkan. Perbaiki kode "
                "atau nama di berkas."
            )
            % {"code": code, "row": row_name, "name": name, "detail": detail},
        )

    def _by_name(self, feature, name, candidates, scope, where) -> Proposal | None:
        if len(candidates) == 1:
            self.applied[candidates[0]].append((feature, BY_NAME, ""))
            return None
        if len(candidates) > 1:
            self.result.ambiguous.append((feature.label, sorted(candidates)))
            return None
        key = normalise_name(name)
        best, best_score = None, 0.0
        for code in scope:
            matcher = difflib.SequenceMatcher(None, key, normalise_name(self.registry.name(code)))
            if matcher.quick_ratio() >= CLOSE_SCORE and (score := matcher.ratio()) > best_score:
                best, best_score = code, score
        if best is None or best_score < CLOSE_SCORE:
            self._unmatched(feature)
            return None
        reason = _("ejaan mirip") + (f" {where}" if where else "")
        return Proposal(
            code=best,
            name=self.registry.name(best),
            feature=feature.label,
            feature_name=str(name),
            index=feature.index,
            score=round(best_score, 2),
            reason=reason,
        )

    def _unmatched(self, feature) -> None:
        self.result.unmatched.append(feature.label)
        self.result.unmatched_indexes.append(feature.index)

    def _refuse(self, feature, code, reason) -> None:
        self.result.refused.append(Refusal(feature.label, feature.index, reason, code))

    def _settle_proposals(self, proposals, accept: dict, accept_all: bool) -> None:
        """Keep the best proposal for each area not already matched; apply the accepted ones."""
        proposals.sort(key=lambda proposal: (-proposal.score, proposal.index))
        taken = set(self.applied)
        for proposal in proposals:
            if proposal.code in taken:
                self.result.unmatched.append(proposal.feature)
                self.result.unmatched_indexes.append(proposal.index)
                continue
            taken.add(proposal.code)
            self.result.proposals.append(proposal)
        for proposal in self.result.proposals:
            wanted = proposal.code in accept
            named = accept.get(proposal.code)
            if named and normalise_name(named) != normalise_name(proposal.feature_name):
                wanted = False
            if accept_all or wanted:
                proposal.accepted = True
        for code in sorted(set(accept) - {p.code for p in self.result.proposals if p.accepted}):
            self.result.notes.append(
                _("Tidak ada usulan untuk %(code)s yang dapat diterima.") % {"code": code}
            )
        self.result.proposals.sort(key=lambda proposal: proposal.code)
        for proposal in self.result.proposals:
            if proposal.accepted:
                feature = self._features[proposal.index]
                self.applied[proposal.code].append((feature, BY_PROPOSAL, ""))

    # Location

    def _far(self, code: str, feature) -> str | None:
        """Why ``feature`` cannot be ``code``'s shape: a part of it lies further than
        ``FAR_KM`` outside the desa's stored kecamatan or the kabupaten's stored outline, or,
        with neither stored, outside Indonesia."""
        references = []
        if self.level == "desa":
            kecamatan = self.registry.parent(code)
            outline = self.registry.kecamatan_shapes().get(kecamatan)
            if outline is not None:
                name = self.registry.kecamatan[kecamatan][0]
                references.append((outline, _("Kecamatan %(name)s") % {"name": name}))
        outline = self.registry.outline(code[:5])
        if outline is not None:
            references.append((outline, self.registry.kabupaten_name(code[:5])))
        parts = shapely.get_parts(feature.geometry)
        for outline, area in references:
            km = max(shapely.distance(parts, outline)) * KM_PER_DEGREE
            if km > FAR_KM:
                return _(
                    "bentuknya untuk %(code)s %(name)s terletak sampai %(km).0f km di luar "
                    "%(area)s; tidak diterapkan. Periksa kode, nama dan sistem koordinat berkas."
                ) % {"code": code, "name": self.registry.name(code), "km": km, "area": area}
        if not references and not shapely.within(parts, INDONESIA).all():
            return _(
                "bentuknya untuk %(code)s %(name)s terletak di luar wilayah Indonesia; tidak "
                "diterapkan. Periksa kode, nama dan sistem koordinat berkas."
            ) % {"code": code, "name": self.registry.name(code)}
        return None


def _parse_accept(items: Iterable[str]) -> dict[str, str | None]:
    """``{"35.07.04.2011": "Sumbermanjing"}`` from ``["35.07.04.2011=Sumbermanjing"]``; a bare
    code accepts whatever feature is proposed for it."""
    accepted = {}
    for item in items:
        code, sep, name = str(item).partition("=")
        accepted[code.strip()] = name.strip() if sep and name.strip() else None
    return accepted


def _as_geojson(geometry) -> dict | None:
    geometry = _polygonal(geometry)
    if geometry.is_empty:
        return None
    geometry = shapely.orient_polygons(geometry)
    geometry = shapely.transform(geometry, lambda coords: np.round(coords, DECIMALS))
    # Through JSON so the value is exactly what the JSONField will read back: lists, not tuples.
    return json.loads(json.dumps(mapping(geometry)))


def _valid(geometry) -> shapely.Geometry:
    return _polygonal(shapely.make_valid(geometry))


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
