"""villages.geometry: simplifying a layer as a coverage; what lies between neighbours, in km2."""

import math
import random

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Polygon, box

from villages.geometry import (
    KM_PER_DEGREE,
    area_km2,
    dissolve,
    layer_defects,
    layer_gaps,
    layer_overlaps,
    repair,
    simplify_layer,
    vertex_count,
)

# About the latitude and longitude of Kabupaten Malang.
X0, Y0 = 112.4, -8.3


def _tiling(count=12, size=0.15, seed=14, spacing=0.002, amplitude=0.0006):
    """Made-up desa: ``count`` Voronoi cells over a square of about 16 km whose borders wiggle
    like real ones (each border cut every ``spacing`` degree and its points jittered). Each
    border is drawn once and the cells are the faces of the drawing, so they tile exactly;
    three desa meet at each corner, as they do on a real map."""
    rng = random.Random(seed)
    points = MultiPoint(
        [(X0 + rng.uniform(0, size), Y0 + rng.uniform(0, size)) for _ in range(count)]
    )
    frame = box(X0, Y0, X0 + size, Y0 + size)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame))
    borders = shapely.get_parts(
        shapely.union_all([cell.intersection(frame).boundary for cell in cells])
    )
    wiggly = []
    for border in borders:
        dense = shapely.get_coordinates(shapely.segmentize(border, spacing))
        inner = [
            (x + rng.uniform(-amplitude, amplitude), y + rng.uniform(-amplitude, amplitude))
            for x, y in dense[1:-1]
        ]
        wiggly.append(LineString([tuple(dense[0]), *inner, tuple(dense[-1])]))
    return list(shapely.get_parts(shapely.polygonize(wiggly)))


def test_made_up_tiling_is_a_clean_coverage():
    cells = _tiling()
    assert len(cells) == 12
    assert all(cell.is_valid for cell in cells)
    assert shapely.coverage_is_valid(np.array(cells, dtype=object))
    assert layer_defects(cells) == (0, 0)


def test_simplifying_polygon_by_polygon_opens_gaps_and_overlaps():
    """What import did before: each shape simplified on its own moves the two copies of a
    shared border differently."""
    cells = _tiling()
    one_by_one = [cell.simplify(0.001) for cell in cells]
    overlap, sliver = layer_defects(one_by_one)
    assert overlap > 0.01
    assert sliver > 0.01


def test_simplifying_as_a_coverage_keeps_neighbours_together():
    cells = _tiling()
    simplified = simplify_layer(cells, 0.001)
    assert vertex_count(simplified) < 0.6 * vertex_count(cells)
    assert layer_defects(simplified) == (0, 0)
    assert shapely.coverage_is_valid(np.array(simplified, dtype=object))
    # Together they still cover what the tiling covered (to within the outer edge's wiggle).
    before, after = shapely.union_all(cells), shapely.union_all(simplified)
    assert area_km2(before.symmetric_difference(after)) < 0.02 * area_km2(before)


def test_coordinates_are_rounded_to_five_decimals_without_opening_gaps():
    cells = _tiling(spacing=0.0002, amplitude=0.00006)
    simplified = simplify_layer(cells, 0.0)
    coords = shapely.get_coordinates(np.array(simplified, dtype=object))
    assert np.allclose(coords * 1e5, np.round(coords * 1e5), atol=1e-6)
    assert layer_defects(simplified) == (0, 0)


def test_a_tooth_within_a_grid_cell_of_a_neighbour_is_rounded_without_overlap():
    """Two desa that come within half a metre of each other without sharing a vertex there:
    the layer is rounded together, the tooth collapses onto the border and nothing overlaps."""
    left = Polygon([(X0, Y0), (X0 + 0.01, Y0), (X0 + 0.01, Y0 + 0.01), (X0, Y0 + 0.01)])
    # A thin tooth of the right neighbour reaching to within 0.4e-5 degree of the left one.
    right = Polygon(
        [
            (X0 + 0.01, Y0),
            (X0 + 0.02, Y0),
            (X0 + 0.02, Y0 + 0.01),
            (X0 + 0.01, Y0 + 0.01),
            (X0 + 0.01, Y0 + 0.006),
            (X0 + 0.0100045, Y0 + 0.0055),
            (X0 + 0.01, Y0 + 0.005),
        ]
    )
    assert layer_defects([left, right])[0] == 0
    together = simplify_layer([left, right], 0.0)
    assert layer_defects(together) == (0, 0)
    assert shapely.coverage_is_valid(np.array(together, dtype=object))
    assert left.symmetric_difference(together[0]).area < 1e-12
    coords = shapely.get_coordinates(np.array(together, dtype=object))
    assert np.allclose(coords * 1e5, np.round(coords * 1e5), atol=1e-6)


def test_rounding_shape_by_shape_overlaps_where_rounding_the_layer_does_not():
    """A desa (A) filling a hole in its neighbour (C) comes within 0.07 grid cells of the border
    C shares with B, without a vertex on it. Rounded on its own, A's tip crosses that border
    into B; the layer rounded together bends the border through the tip's rounded position."""
    u = 1e-5  # one grid cell (5 decimals)

    def at(x, y):
        return (X0 + x * u, Y0 + y * u)

    tip = at(5.6, 5.45)  # above the B/C border (y = x / 1.04 here), rounds to (6, 5): below
    a = Polygon([tip, at(5, 12), at(3, 12)])
    b = Polygon([at(0, 0), at(20, 0), at(10.4, 10)])
    c = Polygon([at(0, 0), at(10.4, 10), at(10, 20), at(0, 20)]).difference(a)
    layer = [a, b, c]
    assert layer_defects(layer) == (0, 0)

    alone = [repair(shapely.transform(g, lambda coords: np.round(coords, 5))) for g in layer]
    crossing = [(i, j) for i, j, km2 in layer_overlaps(alone) if km2 > 1e-8]
    assert crossing == [(0, 1)]  # A over B, about 0.1 m²

    together = simplify_layer(layer, 0.0)
    assert layer_overlaps(together) == []
    assert layer_defects(together) == (0, 0)
    assert shapely.coverage_is_valid(np.array(together, dtype=object))
    # A triangle a few grid cells wide: rounding changes its area by some percent, no more.
    assert area_km2(together[0]) == pytest.approx(area_km2(a), rel=0.1)


def test_invalid_input_is_repaired_first():
    bow_tie = Polygon([(X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0), (X0, Y0 + 0.01)])
    assert not bow_tie.is_valid
    neighbour = box(X0 + 0.01, Y0, X0 + 0.02, Y0 + 0.01)
    repaired, kept = simplify_layer([bow_tie, neighbour], 0.0001)
    assert repaired.is_valid
    assert kept.is_valid
    assert repaired.area == pytest.approx(0.5e-4, rel=1e-3)
    assert repair(LineString([(0, 0), (1, 1)])).is_empty


def test_overlap_is_measured_in_square_kilometres():
    """Two squares of 0.01 degree overlapping by a 0.002 x 0.01 degree strip at latitude -8.3:
    0.002 * 0.01 deg2 * (111.195 km)^2 * cos(8.3 deg)."""
    left = box(X0, Y0, X0 + 0.01, Y0 + 0.01)
    right = box(X0 + 0.008, Y0, X0 + 0.018, Y0 + 0.01)
    expected = 0.002 * 0.01 * KM_PER_DEGREE**2 * math.cos(math.radians(Y0 + 0.005))
    assert expected == pytest.approx(0.2454, abs=1e-3)
    overlap, sliver = layer_defects([left, right])
    assert overlap == pytest.approx(expected, rel=1e-9)
    assert sliver == 0
    assert layer_overlaps([left, right]) == [(0, 1, pytest.approx(expected))]


def test_gaps_between_neighbours_are_measured_but_real_holes_are_not():
    """A 0.0005-degree sliver enclosed by four neighbours is a gap; a 0.1-degree hole (a kota
    inside the kabupaten, about 120 km2) is not."""
    outer = box(X0, Y0, X0 + 0.3, Y0 + 0.3)
    sliver = box(X0 + 0.1, Y0 + 0.1, X0 + 0.1005, Y0 + 0.2)
    kota = box(X0 + 0.15, Y0 + 0.15, X0 + 0.25, Y0 + 0.25)
    around = outer.difference(sliver).difference(kota)
    # Cut the area into two neighbours so the gap lies between shapes.
    west = around.intersection(box(X0, Y0, X0 + 0.10025, Y0 + 0.3))
    east = around.intersection(box(X0 + 0.10025, Y0, X0 + 0.3, Y0 + 0.3))
    gaps = layer_gaps([west, east])
    assert gaps == [pytest.approx(area_km2(sliver), rel=1e-6)]
    assert layer_defects([west, east]) == (0, pytest.approx(area_km2(sliver), rel=1e-6))
    assert area_km2(kota) > 100


def test_area_km2_of_a_known_square():
    # One degree of latitude by one of longitude at the equator: (111.195 km)^2.
    assert area_km2(box(0, -0.5, 1, 0.5)) == pytest.approx(111.195**2, rel=1e-3)


def test_dissolve_nests_exactly():
    cells = simplify_layer(_tiling(), 0.002)
    keys = ["a", "a", "b", "a", "b", "b", "c", "c", "c", "c", "b", "a"]
    dissolved = dissolve(cells, keys)
    assert list(dissolved) == ["a", "b", "c"]
    for key, shape in dissolved.items():
        members = [cell for cell, k in zip(cells, keys, strict=True) if k == key]
        assert shape.symmetric_difference(shapely.union_all(members)).area == 0
    assert layer_defects(list(dissolved.values())) == (0, 0)
    whole = dissolve(cells, ["k"] * len(cells))["k"]
    assert isinstance(whole, Polygon | MultiPolygon)
    assert len(shapely.get_parts(whole)) == 1
