"""Boundary files as offices hold them, turned into the GeoJSON that ``villages.boundaries`` reads.

A Manajer uploads GeoJSON, a zipped Shapefile (.shp, .shx, .dbf, .prj), KML/KMZ or GeoPackage,
in whatever coordinate system the publisher used (BIG and Bappeda hand out Shapefiles in UTM zone
49S, EPSG:32749). GDAL reads them (through pyogrio, which ships it in its wheels) and pyproj
reprojects them to lon/lat (EPSG:4326); the result is one GeoJSON FeatureCollection in a file of
its own, which ``import_boundaries`` then checks and matches exactly as it does for the command.
A GeoJSON that is already lon/lat goes to the importer byte for byte, so its own checks (string
coordinates, NaN, swapped axes) speak about the file the user sent.

Every refusal is a ``BoundaryFileError`` with a message in the user's language: a wrong
extension, a file too large, a zip that unpacks to too much or holds too many files, a Shapefile
without its .shx/.dbf/.prj, an unknown coordinate system, a file GDAL cannot read.

Between the preview and the confirmation the converted file waits in a folder of its own under
``KIM_BOUNDARY_UPLOAD_DIR`` (default: the system's temporary folder), named by a random token
that only the user's session knows, with its SHA-256, so the confirmation imports exactly what
was previewed or nothing.
"""

import hashlib
import io
import json
import logging
import math
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

logger = logging.getLogger(__name__)

# The kinds of file accepted, by extension, and what the pages call them.
FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".zip": "Shapefile (zip)",
    ".kml": "KML",
    ".kmz": "KMZ",
    ".gpkg": "GeoPackage",
}
# A Shapefile is these four files (and optionally the .cpg that names the .dbf's encoding).
SHAPEFILE_REQUIRED = (".shp", ".shx", ".dbf", ".prj")
SHAPEFILE_OPTIONAL = (".cpg",)
# A zipped Shapefile holds a handful of files (.sbn, .qix, .xml, ... beside the four); past
# this many the archive is not one layer of boundaries.
MAX_ZIP_MEMBERS = 30
# Unpacked, an archive may hold at most this many times the upload limit (a .dbf of padded
# text compresses well, a zip bomb far better).
MAX_UNPACK_FACTOR = 10
CHUNK = 1024 * 1024
WGS84 = CRS.from_epsg(4326)
POLYGONAL = {"Polygon", "MultiPolygon"}
# A pending upload older than this is removed the next time anyone uploads.
PENDING_MAX_AGE = 24 * 3600
SESSION_KEY = "boundary_upload_pending"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_UNSAFE_NAME = re.compile(r"[^\w.-]+")
# The end of the importer's feature label: "Wajak (kecamatan.geojson, fitur 3)".
_FEATURE_NUMBER = re.compile(r"fitur (\d+)\)$")
# Shapes on the preview map: thinned to about 50 m on a grid of about 10 m (four decimals), which
# a kabupaten map cannot tell apart; 390 desa come to about a third of a megabyte.
PREVIEW_TOLERANCE = 0.0005
PREVIEW_DECIMALS = 4


def max_bytes() -> int:
    """Largest upload accepted: a kabupaten's detailed desa boundaries are a few megabytes."""
    return getattr(settings, "KIM_BOUNDARY_MAX_BYTES", 20 * 1024 * 1024)


def max_features() -> int:
    """Most features a file may hold: Jawa Timur has about 8,500 desa."""
    return getattr(settings, "KIM_BOUNDARY_MAX_FEATURES", 10_000)


def upload_root() -> Path:
    default = Path(tempfile.gettempdir()) / "kimtracker-boundaries"
    return Path(getattr(settings, "KIM_BOUNDARY_UPLOAD_DIR", default))


class BoundaryFileError(Exception):
    """The uploaded file cannot be read as boundaries; ``message`` says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


@dataclass
class ConvertedFile:
    """An upload as GeoJSON in EPSG:4326: where it is, what it was read as, and what was left
    out (features without a polygon, e.g. the label points of a KML)."""

    path: Path
    source_format: str
    source_crs: str
    features: int
    skipped: int = 0
    reprojected: bool = False
    layer: str = ""


@dataclass
class Pending:
    """An upload waiting between the preview and the confirmation."""

    token: str
    sha256: str
    filename: str
    level: str
    path: Path
    extra: dict = field(default_factory=dict)


# --- Reading an upload ------------------------------------------------------------------------


def check_name(filename: str) -> str:
    """The lower-case extension of ``filename`` when it is a kind of file we read."""
    extension = Path(filename or "").suffix.lower()
    if extension not in FORMATS:
        raise BoundaryFileError(
            _(
                "Berkas %(name)s tidak dikenali. Unggah GeoJSON (.geojson/.json), Shapefile "
                "dalam zip (.zip berisi .shp, .shx, .dbf dan .prj), KML (.kml/.kmz) atau "
                "GeoPackage (.gpkg)."
            )
            % {"name": Path(filename or "").name or "?"}
        )
    return extension


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing one over ``max_bytes()`` before reading it all."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    if not content.strip():
        raise BoundaryFileError(_("Berkas kosong."))
    return content


def convert(content: bytes, *, filename: str, target: Path) -> ConvertedFile:
    """Write the boundaries of ``content`` (the bytes of a file named ``filename``) to ``target``
    as a GeoJSON FeatureCollection in EPSG:4326. Raises ``BoundaryFileError``."""
    extension = check_name(filename)
    if extension in (".geojson", ".json") and _is_lonlat_geojson(content):
        target.write_bytes(content)
        return ConvertedFile(target, FORMATS[extension], "EPSG:4326", features=0)
    with tempfile.TemporaryDirectory(prefix="kim-boundary-") as work:
        work = Path(work)
        if extension == ".zip":
            source = _unpack_shapefile(content, work)
        elif extension == ".kmz":
            source = _unpack_one(content, work, ".kml", _("KML (doc.kml)"))
        else:
            source = work / f"upload{extension}"
            source.write_bytes(content)
        if extension in (".kml", ".kmz"):
            _refuse_network_links(source)
        try:
            return _convert_with_gdal(source, FORMATS[extension], target)
        except BoundaryFileError:
            raise
        except Exception as exc:  # GDAL, PROJ and GEOS fail in ways no list can name
            logger.warning("Boundary upload %s not converted", filename, exc_info=True)
            raise _unreadable(FORMATS[extension]) from exc


def _refuse_network_links(source: Path) -> None:
    """A KML NetworkLink points at another file on the internet, which GDAL might fetch from
    our server; boundaries are in the file itself."""
    if b"networklink" in source.read_bytes().lower():
        raise BoundaryFileError(
            _(
                "Berkas KML berisi NetworkLink (tautan ke berkas lain di internet). Simpan "
                "batasnya sendiri di dalam berkas: di Google Earth, Simpan Tempat Sebagai .kml."
            )
        )


def _too_large(limit: int) -> BoundaryFileError:
    return BoundaryFileError(
        _(
            "Berkas terlalu besar: paling besar %(size)s. Sederhanakan geometrinya atau bagi "
            "menjadi beberapa berkas (misalnya per kecamatan)."
        )
        % {"size": filesizeformat(limit)}
    )


def _is_lonlat_geojson(content: bytes) -> bool:
    """Whether a GeoJSON file can go to the importer as it is: not JSON at all (the importer
    says so), or JSON without a ``crs`` member or with a lon/lat one. A projected ``crs`` (as
    ogr2ogr and QGIS write for a UTM layer) needs reprojecting first."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return True
    crs = data.get("crs") if isinstance(data, dict) else None
    if crs is None:
        return True
    try:
        name = crs["properties"]["name"]
        return CRS.from_user_input(name).equals(WGS84, ignore_axis_order=True)
    except (KeyError, TypeError, CRSError):
        return False  # GDAL reads the rest, or refuses it with a message of ours


def _open_zip(content: bytes, label: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise BoundaryFileError(
            _("Berkas %(kind)s bukan arsip zip yang sah atau rusak.") % {"kind": label}
        ) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise BoundaryFileError(
            _(
                "Arsip zip berisi %(count)d berkas; paling banyak %(max)d. Masukkan satu "
                "Shapefile saja (.shp, .shx, .dbf, .prj)."
            )
            % {"count": len(members), "max": MAX_ZIP_MEMBERS}
        )
    limit = max_bytes() * MAX_UNPACK_FACTOR
    if sum(info.file_size for info in members) > limit:
        raise _unpacks_too_much(limit)
    if any(info.flag_bits & 0x1 for info in members):
        raise BoundaryFileError(_("Arsip zip dikunci dengan kata sandi; unggah tanpa sandi."))
    return archive


def _unpacks_too_much(limit: int) -> BoundaryFileError:
    return BoundaryFileError(
        _(
            "Arsip zip terlalu besar setelah dibuka (lebih dari %(size)s), jadi ditolak "
            "sebelum dibuka."
        )
        % {"size": filesizeformat(limit)}
    )


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by lower-case base name, leaving out folders and the clutter that
    macOS and Windows add (``__MACOSX/``, ``._x``, ``Thumbs.db``)."""
    found = {}
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        base = name.rsplit("/", 1)[-1]
        if info.is_dir() or not base or base.startswith(".") or "__MACOSX/" in name:
            continue
        found.setdefault(base.lower(), info)
    return found


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: list[int]):
    """Copy one member to ``target``, counting its real size against ``budget`` (the sizes a
    zip declares can lie)."""
    try:
        with archive.open(info) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise _unpacks_too_much(max_bytes() * MAX_UNPACK_FACTOR)
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise BoundaryFileError(
            _("Berkas %(name)s di dalam zip rusak dan tidak dapat dibuka.")
            % {"name": info.filename}
        ) from exc


def _unpack_shapefile(content: bytes, work: Path) -> Path:
    archive = _open_zip(content, "zip")
    members = _members(archive)
    stems = sorted({name[:-4] for name in members if name.endswith(".shp")})
    if not stems:
        raise BoundaryFileError(
            _(
                "Arsip zip tidak berisi Shapefile (.shp). Masukkan berkas .shp, .shx, .dbf dan "
                ".prj satu lapisan ke dalam satu zip."
            )
        )
    if len(stems) > 1:
        raise BoundaryFileError(
            _(
                "Arsip zip berisi beberapa Shapefile (%(names)s). Unggah satu lapisan per "
                "arsip, misalnya kecamatan dan desa terpisah."
            )
            % {"names": ", ".join(f"{stem}.shp" for stem in stems)}
        )
    stem = stems[0]
    missing = [ext for ext in SHAPEFILE_REQUIRED if f"{stem}{ext}" not in members]
    if missing:
        message = _(
            "Shapefile %(name)s tidak lengkap: %(missing)s tidak ada di dalam zip. Sebuah "
            "Shapefile terdiri atas .shp, .shx, .dbf dan .prj dengan nama yang sama."
        ) % {"name": f"{stem}.shp", "missing": ", ".join(f"{stem}{ext}" for ext in missing)}
        if ".prj" in missing:
            message += " " + _(
                "Tanpa .prj sistem koordinatnya tidak diketahui; ekspor ulang dari QGIS/ArcGIS "
                "agar .prj ikut."
            )
        raise BoundaryFileError(message)
    budget = [max_bytes() * MAX_UNPACK_FACTOR]
    for ext in (*SHAPEFILE_REQUIRED, *SHAPEFILE_OPTIONAL):
        info = members.get(f"{stem}{ext}")
        if info is not None:
            _extract(archive, info, work / f"{_safe_stem(stem)}{ext}", budget)
    return work / f"{_safe_stem(stem)}.shp"


def _unpack_one(content: bytes, work: Path, extension: str, label: str) -> Path:
    archive = _open_zip(content, label)
    members = _members(archive)
    names = sorted(name for name in members if name.endswith(extension))
    if not names:
        raise BoundaryFileError(
            _("Arsip tidak berisi berkas %(extension)s.") % {"extension": extension}
        )
    target = work / f"upload{extension}"
    _extract(archive, members[names[0]], target, [max_bytes() * MAX_UNPACK_FACTOR])
    return target


def _safe_stem(stem: str) -> str:
    return _UNSAFE_NAME.sub("_", stem).strip("._") or "batas"


def _unreadable(kind: str, exc=None) -> BoundaryFileError:
    return BoundaryFileError(
        _(
            "Berkas %(kind)s tidak dapat dibaca: rusak, terpotong, atau bukan %(kind)s. "
            "Buka di QGIS lalu ekspor ulang."
        )
        % {"kind": kind}
    )


def _convert_with_gdal(source: Path, kind: str, target: Path) -> ConvertedFile:
    try:
        layers = pyogrio.list_layers(source)
    except Exception as exc:  # GDAL fails in many ways on a broken file
        raise _unreadable(kind) from exc
    # Only layers with geometry; a GeoPackage may also hold plain tables.
    layers = [(str(name), str(geometry_type)) for name, geometry_type in layers]
    with_geometry = [name for name, geometry_type in layers if geometry_type not in ("", "None")]
    if kind == "GeoPackage" and len(with_geometry) > 1:
        raise BoundaryFileError(
            _(
                "GeoPackage berisi beberapa lapisan (%(names)s). Simpan satu lapisan batas "
                "(kecamatan atau desa) per berkas."
            )
            % {"names": ", ".join(with_geometry)}
        )
    if not with_geometry:
        raise BoundaryFileError(
            _("Berkas %(kind)s tidak berisi lapisan dengan geometri.") % {"kind": kind}
        )

    features, skipped, crs_names, reprojected = [], 0, [], False
    # A KML keeps each folder as a layer of its own: all of them are read.
    for layer in with_geometry:
        layer_features, layer_skipped, crs_name, layer_reprojected = _read_layer(
            source, layer, kind, limit=max_features() - len(features)
        )
        features.extend(layer_features)
        skipped += layer_skipped
        reprojected = reprojected or layer_reprojected
        if crs_name not in crs_names:
            crs_names.append(crs_name)
    if not features:
        raise BoundaryFileError(
            _(
                "Berkas %(kind)s tidak berisi satu pun poligon (%(skipped)d fitur titik atau "
                "garis). Batas wilayah harus Polygon atau MultiPolygon."
            )
            % {"kind": kind, "skipped": skipped}
        )
    collection = {"type": "FeatureCollection", "features": features}
    target.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return ConvertedFile(
        target,
        kind,
        ", ".join(crs_names),
        features=len(features),
        skipped=skipped,
        reprojected=reprojected,
        layer=", ".join(with_geometry),
    )


def _read_layer(source: Path, layer: str, kind: str, *, limit: int):
    try:
        meta, _fids, geometries, field_data = pyogrio.raw.read(
            source, layer=layer, max_features=limit + 1
        )
    except pyogrio.errors.CRSError as exc:
        raise _unknown_crs(kind) from exc
    except Exception as exc:
        raise _unreadable(kind) from exc
    if len(geometries) > limit:
        raise BoundaryFileError(
            _("Berkas berisi lebih dari %(max)d fitur; bagi menjadi beberapa berkas.")
            % {"max": max_features()}
        )
    crs, crs_name = _source_crs(meta.get("crs"), kind)
    transformer = None
    if not crs.equals(WGS84, ignore_axis_order=True):
        try:
            transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
        except Exception as exc:  # ProjError: e.g. an engineering CRS with no way to lon/lat
            raise _unknown_crs(kind) from exc
    names = [str(name) for name in meta["fields"]]

    features, skipped = [], 0
    for index, wkb in enumerate(geometries):
        geometry = _polygons(wkb)
        if geometry is None:
            skipped += 1
            continue
        if transformer is not None:
            geometry = _reproject(geometry, transformer, crs_name)
        properties = {
            name: _plain(values[index]) for name, values in zip(names, field_data, strict=True)
        }
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return features, skipped, crs_name, transformer is not None


def _source_crs(value, kind: str) -> tuple[CRS, str]:
    if not value:
        raise BoundaryFileError(
            _(
                "Sistem koordinat berkas %(kind)s tidak diketahui (tidak ada .prj atau SRS). "
                "Tetapkan sistem koordinatnya di QGIS (misalnya EPSG:32749, UTM zona 49S) lalu "
                "ekspor ulang."
            )
            % {"kind": kind}
        )
    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        raise _unknown_crs(kind) from exc
    epsg = crs.to_epsg()
    label = f"EPSG:{epsg} ({crs.name})" if epsg else crs.name
    return crs, label


def _unknown_crs(kind: str) -> BoundaryFileError:
    return BoundaryFileError(
        _(
            "Sistem koordinat berkas %(kind)s tidak dikenal, jadi tidak dapat diubah ke "
            "EPSG:4326. Ekspor ulang dengan sistem koordinat EPSG (misalnya EPSG:32749)."
        )
        % {"kind": kind}
    )


def _polygons(wkb) -> dict | None:
    """The polygons of one feature as a 2D GeoJSON geometry, or None when it has none (a
    point, a line, no geometry). A collection keeps its polygons."""
    if wkb is None:
        return None
    try:
        geometry = shapely.force_2d(shapely.from_wkb(wkb))
    except ShapelyError:
        return None
    if geometry.geom_type not in POLYGONAL:
        parts = [
            part
            for part in shapely.get_parts(geometry)
            if part.geom_type in POLYGONAL and not part.is_empty
        ]
        if not parts:
            return None
        geometry = shapely.multipolygons([p for part in parts for p in shapely.get_parts(part)])
    if geometry.is_empty:
        return None
    return mapping(geometry)


def _reproject(geometry: dict, transformer: Transformer, crs_name: str) -> dict:
    projected = shapely.transform(
        shape(geometry), lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    if not np.isfinite(shapely.get_coordinates(projected)).all():
        raise BoundaryFileError(
            _(
                "Koordinat berkas tidak dapat diubah dari %(crs)s ke EPSG:4326: angkanya di luar "
                "wilayah sistem koordinat itu. Periksa apakah .prj sesuai dengan datanya."
            )
            % {"crs": crs_name}
        )
    return mapping(projected)


def _plain(value):
    """A property value as JSON can hold it (GDAL gives numpy numbers, dates, bytes)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --- Between the preview and the confirmation -------------------------------------------------


def new_upload(filename: str) -> Pending:
    """A fresh folder for one upload; the converted file goes to ``pending.path``. Clears
    uploads left waiting for more than a day."""
    _remove_stale()
    token = secrets.token_urlsafe(24)
    folder = upload_root() / token
    folder.mkdir(parents=True, mode=0o700)
    stem = _safe_stem(Path(filename).stem)
    return Pending(token, "", Path(filename).name, "", folder / f"{stem}.geojson")


def keep(session, pending: Pending, *, level: str, extra: dict | None = None) -> Pending:
    """Record ``pending`` in the session (replacing, and removing, an earlier one)."""
    previous = session.get(SESSION_KEY)
    if previous and previous.get("token") != pending.token:
        discard_token(previous.get("token"))
    pending.level = level
    pending.sha256 = hashlib.sha256(pending.path.read_bytes()).hexdigest()
    pending.extra = extra or {}
    session[SESSION_KEY] = {
        "token": pending.token,
        "sha256": pending.sha256,
        "filename": pending.filename,
        "name": pending.path.name,
        "level": level,
        "extra": pending.extra,
    }
    return pending


def take(session, token: str, sha256: str) -> Pending | None:
    """The pending upload when ``token`` and ``sha256`` are those of the preview and the kept
    file still hashes to them; None otherwise."""
    kept = session.get(SESSION_KEY)
    if not kept or not token or not sha256 or not _TOKEN.match(kept.get("token", "")):
        return None
    if not constant_time_compare(token, kept["token"]):
        return None
    path = upload_root() / kept["token"] / Path(kept["name"]).name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    if not (
        constant_time_compare(sha256, kept["sha256"]) and constant_time_compare(sha256, digest)
    ):
        return None
    return Pending(
        kept["token"], digest, kept["filename"], kept["level"], path, kept.get("extra") or {}
    )


def discard(session, pending: Pending | None = None) -> None:
    """Forget the session's pending upload and remove its folder."""
    kept = session.pop(SESSION_KEY, None)
    if kept:
        discard_token(kept.get("token"))
    if pending is not None:
        discard_token(pending.token)


def discard_token(token) -> None:
    if token and _TOKEN.match(str(token)):
        shutil.rmtree(upload_root() / token, ignore_errors=True)


def _remove_stale() -> None:
    root = upload_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


# --- The preview map --------------------------------------------------------------------------


def preview_collection(path: Path, result) -> dict:
    """The uploaded features as a small GeoJSON FeatureCollection for the preview map, each with
    its ``label``, ``status`` (matched, proposed, unmatched or refused, from the dry run's
    ``result``) and, when it has one, the ``code`` of the area it matched or is proposed for.
    Shapes are thinned to about 50 m: the map is for seeing where they lie.

    The shapes are read straight from the GeoJSON (the importer has checked them already;
    checking them again costs a second per 400 desa), the labels and statuses come from the
    result, by the features' positions."""
    statuses = _statuses(result)
    features = []
    for index, geometry in _preview_shapes(path):
        status, code, label = statuses.get(index) or (
            "unknown",
            "",
            _("fitur %(number)d") % {"number": index + 1},
        )
        try:
            simplified = shapely.simplify(geometry, PREVIEW_TOLERANCE, preserve_topology=True)
            simplified = shapely.set_precision(simplified, 10**-PREVIEW_DECIMALS)
            simplified = shapely.transform(simplified, lambda xy: np.round(xy, PREVIEW_DECIMALS))
        except ShapelyError:
            continue
        if simplified.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"label": label, "status": status, "code": code},
                "geometry": mapping(simplified),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def outline_collection(geometries) -> dict:
    """Stored boundaries (GeoJSON geometry dicts) as a FeatureCollection of their outlines,
    thinned like the preview's shapes."""
    features = []
    for geometry in geometries:
        try:
            outline = shapely.simplify(shape(geometry).boundary, PREVIEW_TOLERANCE)
            outline = shapely.transform(outline, lambda xy: np.round(xy, PREVIEW_DECIMALS))
        except (ShapelyError, ValueError, TypeError, KeyError, AttributeError):
            continue
        if not outline.is_empty:
            features.append({"type": "Feature", "properties": {}, "geometry": mapping(outline)})
    return {"type": "FeatureCollection", "features": features}


def _statuses(result) -> dict[int, tuple[str, str, str]]:
    """(status, code, label) of the features by their position in the input, from the lists of
    ``result``: ``matches``, ``proposals``, ``refused``, ``unmatched`` (with
    ``unmatched_indexes``), and ``ambiguous``, whose labels end in "fitur N"."""
    found = {}
    for match in getattr(result, "matches", None) or ():
        for index, label in zip(match.indexes, match.features, strict=False):
            found[index] = ("matched", match.code, label)
    for proposal in getattr(result, "proposals", None) or ():
        found[proposal.index] = ("proposed", proposal.code, proposal.feature)
    for refusal in getattr(result, "refused", None) or ():
        found[refusal.index] = ("refused", refusal.code or "", refusal.feature)
    indexes = getattr(result, "unmatched_indexes", None) or ()
    for index, label in zip(indexes, result.unmatched, strict=False):
        found.setdefault(index, ("unmatched", "", label))
    for label, _codes in getattr(result, "ambiguous", None) or ():
        if number := _FEATURE_NUMBER.search(label):
            found.setdefault(int(number.group(1)) - 1, ("proposed", "", label))
    return found


def _preview_shapes(path: Path):
    """(position, shapely geometry) of each polygon feature of the GeoJSON at ``path``."""
    try:
        data = json.loads(path.read_bytes())
        raw = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    except (OSError, ValueError, AttributeError, RecursionError):
        return
    for position, item in enumerate(raw or ()):
        try:
            geometry = shapely.force_2d(shape(item["geometry"]))
            finite = np.isfinite(shapely.get_coordinates(geometry)).all()
            if geometry.geom_type in POLYGONAL and finite:
                yield position, geometry
        except Exception:  # noqa: BLE001, S112  a broken feature is simply not drawn
            continue
