"""Geometry helpers for boundary layers (shapely 2.2, coordinates in EPSG:4326).

A *layer* is a list of (Multi)Polygons that should tile without overlapping: the
desa of a kabupaten, its kecamatan. Simplifying each polygon on its own moves the
two copies of a shared edge differently and opens gaps and overlaps between
neighbours; :func:`simplify_layer` simplifies the layer as a *coverage*, so a
shared edge is simplified once and stays shared. :func:`layer_defects` measures
what a layer gets wrong between neighbours, in km².

Areas are computed on a local equirectangular projection (see :func:`area_km2`),
which is within 0.1% of the ellipsoidal area for areas the size of a kabupaten
near the equator; no projection library is needed.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

#: Decimal places kept in stored coordinates: 1e-5 degree is about 1.1 m.
DECIMALS = 5

#: Mean radius of the earth (IUGG), km. One degree of arc is about 111.195 km.
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180

#: Holes in a layer's union up to this size count as gaps between neighbours;
#: larger holes are real (Kota Malang inside Kabupaten Malang is about 110 km²).
MAX_GAP_KM2 = 1.0


def polygonal(geometry: BaseGeometry | None) -> BaseGeometry:
    """The polygonal part of ``geometry`` as a Polygon or MultiPolygon (may be empty).

    Lines and points, which ``make_valid`` can leave behind from collapsed rings,
    are dropped.
    """
    if geometry is None or geometry.is_empty:
        return Polygon()
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if isinstance(part, Polygon | MultiPolygon) and not part.is_empty
    ]
    polygons = []
    for part in parts:
        polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    if not polygons:
        return Polygon()
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def repair(geometry: BaseGeometry | None) -> BaseGeometry:
    """A valid (Multi)Polygon covering what ``geometry`` covers.

    Self-intersecting rings are split at their crossings (``make_valid``'s
    "structure" method keeps the area the rings enclose, not a bow-tie's
    even-odd remainder); degenerate parts are dropped.
    """
    if geometry is None or geometry.is_empty:
        return Polygon()
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    return polygonal(geometry)


def round_coordinates(geometry: BaseGeometry, decimals: int = DECIMALS) -> BaseGeometry:
    """``geometry`` with every coordinate rounded to ``decimals`` places.

    Plain rounding (not snap-rounding): a vertex shared by two neighbours is
    rounded to the same value in both, so a shared edge stays shared. A ring
    made invalid by rounding is repaired.
    """
    rounded = shapely.transform(geometry, lambda coords: np.round(coords, decimals))
    return repair(rounded)


def simplify_layer(
    geometries: list,
    tolerance: float,
    *,
    decimals: int = DECIMALS,
    clean: bool = True,
    gap_width: float = 0.0,
) -> list:
    """Simplify a layer as a coverage and round its coordinates.

    ``geometries`` are shapely (Multi)Polygons in degrees; ``tolerance`` is in
    degrees, roughly the square root of the largest triangle removed
    (Visvalingam-Whyatt, ``shapely.coverage_simplify``). Steps:

    1. repair each geometry (:func:`repair`);
    2. if ``clean``, make the shared edges exactly identical with
       ``shapely.coverage_clean``: vertices closer than an automatic, tiny
       snapping distance are merged, an overlap goes to the neighbour with the
       longest shared border, and gaps narrower than ``gap_width`` degrees are
       given to a neighbour (0: gaps are kept). ``coverage_simplify`` only keeps
       an edge shared if it is identical in both polygons;
    3. simplify inner and outer edges together (a shared edge once);
    4. round coordinates to ``decimals`` places for the whole layer at once
       (:func:`snap_round_layer`), so rounding opens no gap and no overlap.

    Returns a list in the same order; an empty input geometry stays empty.
    """
    repaired = [repair(geometry) for geometry in geometries]
    present = [index for index, geometry in enumerate(repaired) if not geometry.is_empty]
    result: list = list(repaired)
    if not present:
        return result
    layer = np.array([repaired[index] for index in present], dtype=object)
    if clean:
        layer = shapely.coverage_clean(layer, gap_width=gap_width)
        layer = np.array([repair(geometry) for geometry in layer], dtype=object)
    if tolerance > 0:
        layer = shapely.coverage_simplify(layer, tolerance)
    for index, geometry in zip(present, snap_round_layer(list(layer), decimals), strict=True):
        result[index] = geometry
    return result


def snap_round_layer(geometries: list, decimals: int = DECIMALS) -> list:
    """A coverage with every coordinate on a grid of ``10**-decimals`` degrees, still a coverage.

    Rounding each polygon on its own can push a vertex of one polygon across
    its neighbour's edge where the two come within a grid cell of each other
    without sharing that vertex (tens of m² over a kabupaten's desa). Here the
    edges of the whole layer are noded and snap-rounded together (one
    ``union_all`` with ``grid_size``), cut into faces (``polygonize``), and each
    face goes to the input polygon that holds most of it; a polygon is the
    union of its faces. Every shared edge comes from the same rounded linework,
    so neighbours cannot overlap and no gap opens; faces no polygon covers
    (holes, such as another kota inside a kabupaten) stay uncovered. A polygon
    left with no face (smaller than the grid) is rounded on its own.
    """
    layer = [repair(geometry) for geometry in geometries]
    present = [index for index, geometry in enumerate(layer) if not geometry.is_empty]
    if not present:
        return layer
    grid = 10.0**-decimals
    lines = shapely.union_all([shapely.boundary(layer[index]) for index in present], grid_size=grid)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    tree = shapely.STRtree([layer[index] for index in present])
    owned: dict[int, list] = {}
    for face in faces:
        if face.area == 0:
            continue
        inside = shapely.point_on_surface(face)
        candidates = tree.query(inside, predicate="intersects").tolist()
        if len(candidates) != 1:
            candidates = tree.query(face, predicate="intersects").tolist()
            shares = [(layer[present[c]].intersection(face).area, c) for c in candidates]
            shares = [(share, c) for share, c in shares if share > face.area / 2]
            if not shares:
                continue  # a gap in the input, kept as a gap
            candidates = [max(shares)[1]]
        owned.setdefault(candidates[0], []).append(face)
    result = list(layer)
    for position, index in enumerate(present):
        pieces = owned.get(position)
        if pieces:
            merged = polygonal(shapely.coverage_union_all(pieces))
        else:
            merged = round_coordinates(layer[index], decimals)
        result[index] = shapely.orient_polygons(merged)
    return result


def dissolve(geometries: list, keys: list) -> dict:
    """The union of the geometries sharing a key, ``{key: geometry}`` (keys in first-seen order).

    Meant for a clean coverage (e.g. the output of :func:`simplify_layer`): its
    shared edges are identical, so ``coverage_union_all`` removes them exactly
    and the dissolved layer nests the original one exactly. Geometries that do
    not form a coverage (overlapping, edges not matched) get a general
    ``union_all`` instead.
    """
    groups: dict = {}
    for geometry, key in zip(geometries, keys, strict=True):
        if geometry is not None and not geometry.is_empty:
            groups.setdefault(key, []).append(geometry)
    return {key: shapely.orient_polygons(polygonal(_union(parts))) for key, parts in groups.items()}


def _union(parts: list) -> BaseGeometry:
    try:
        return shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        return shapely.union_all(parts)


def area_km2(geometry: BaseGeometry) -> float:
    """Area of a lng/lat ``geometry`` in km², on a local equirectangular projection.

    Longitudes are scaled by the cosine of the geometry's mean latitude (its
    bounding-box middle). For a shape spanning one degree of latitude near the
    equator the error against the ellipsoid is below 0.5%; for slivers and
    overlaps, which are small, it is negligible.
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    min_y, max_y = geometry.bounds[1], geometry.bounds[3]
    scale = math.cos(math.radians((min_y + max_y) / 2))
    return geometry.area * scale * KM_PER_DEGREE**2


def layer_overlaps(geometries: list) -> list[tuple[int, int, float]]:
    """``(i, j, km²)`` for each pair of geometries whose interiors overlap."""
    layer = [repair(geometry) for geometry in geometries]
    tree = shapely.STRtree(layer)
    pairs = []
    left, right = tree.query(layer, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        shared = polygonal(layer[i].intersection(layer[j]))
        km2 = area_km2(shared)
        if km2 > 0:
            pairs.append((i, j, km2))
    return pairs


def layer_gaps(geometries: list, max_gap_km2: float = MAX_GAP_KM2) -> list[float]:
    """Areas (km²) of the gaps between neighbours in a layer.

    A gap is a hole in the union of the layer of at most ``max_gap_km2``:
    a sliver no area claims, enclosed by its neighbours. Larger holes are real
    (another kabupaten or kota inside this one) and are not counted. Notches
    open to the outside of the layer are not gaps either (the layer's outline
    is what it is).
    """
    layer = [repair(geometry) for geometry in geometries]
    union = polygonal(shapely.union_all([g for g in layer if not g.is_empty]))
    gaps = []
    for polygon in getattr(union, "geoms", [union]):
        if polygon.is_empty:
            continue
        for ring in polygon.interiors:
            km2 = area_km2(Polygon(ring))
            if 0 < km2 <= max_gap_km2:
                gaps.append(km2)
    return gaps


def layer_defects(geometries: list, max_gap_km2: float = MAX_GAP_KM2) -> tuple[float, float]:
    """``(overlap_km2, sliver_km2)`` between neighbours in a layer.

    ``overlap_km2`` is the sum over pairs of neighbours of the area both claim
    (:func:`layer_overlaps`); ``sliver_km2`` the total area of the gaps no
    neighbour claims (:func:`layer_gaps`). A perfect tiling gives ``(0.0, 0.0)``.
    """
    overlap = sum(km2 for _, _, km2 in layer_overlaps(geometries))
    sliver = sum(layer_gaps(geometries, max_gap_km2))
    return overlap, sliver


def vertex_count(geometries: list) -> int:
    """Number of coordinates in a layer (closing positions included)."""
    return int(sum(shapely.get_num_coordinates(np.array(geometries, dtype=object))))
