"""Geometry helpers of the import: repairing shapes to their polygons, simplifying one area
(``simplify_geometry``) or its rings, and turning a shape into the rounded GeoJSON dict that is
stored. The whole layer is simplified together by ``villages.geometry.simplify_layer``."""

import json

import numpy as np
import shapely
from shapely.geometry import mapping

# About 50 m at the latitude of Malang: below what a kecamatan map at kabupaten scale can show.
DEFAULT_TOLERANCE = 0.0005
# Five decimals of a degree is about 1 m; more digits only make the JSON longer.
DECIMALS = 5
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
# Where a shape must lie when no kabupaten outline or kecamatan boundaries are stored.
INDONESIA = shapely.box(94.0, -11.5, 141.5, 6.5)


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
